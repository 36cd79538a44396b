"""Searching our Whoosh index with NumPy: hit sets are boolean masks, facets are bincounts.

Whoosh collects every hit in a Python loop (60–85 µs each), which is what makes stock
haystack facets cost half a second at 10,000 articles. Here a query is evaluated as set
algebra over per-term document arrays (cached per index generation), filters and facets
are array operations over per-document columns read once when the index changes, and
Whoosh scores only when relevance order is asked for.
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from archive.search import query as q
from archive.search.analysis import fold, query_forms
from archive.search.whoosh_backend import IndexUnavailable

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import query as wq

log = logging.getLogger(__name__)

MAX_PREFIX_EXPANSION = 300
POSTINGS_CACHE_SIZE = 2048
TEXT_FIELD_BOOSTS = {"title": 3.0, "text": 1.0}
CATEGORY_COLUMNS = ("source", "kind", "lang")


def _codes(values):
    """(labels, codes): each distinct value once, and each document's index into them."""
    labels, codes = np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
    return [str(label) for label in labels], codes.astype(np.int32)


class Snapshot:
    """One index generation, read into arrays. Rebuilt only when the index changes."""

    def __init__(self, searcher, generation):
        self.searcher = searcher
        self.generation = generation
        self._postings = OrderedDict()
        self._lock = threading.Lock()
        reader = searcher.reader()
        size = reader.doc_count_all()
        self.live = np.zeros(size, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.pk = self._numeric_column(reader, "pk", size)
        self.date_start = self._numeric_column(reader, "date_start", size)
        self.date_end = self._numeric_column(reader, "date_end", size)
        self.dup_of = self._numeric_column(reader, "dup_of", size)
        self.updated = self._numeric_column(reader, "updated", size)
        self.year = self.date_start // 10000
        self.month = self.date_start // 100
        self.categories = {name: _codes(self._column(reader, name, size)) for name in CATEGORY_COLUMNS}
        self.actor_labels, self.actor_docs, self.actor_codes = self._actor_lists(reader)
        self.docnum_by_pk = {int(pk): docnum for docnum, pk in enumerate(self.pk) if self.live[docnum]}

    @staticmethod
    def _column(reader, name, size):
        if size == 0 or not reader.has_column(name):
            return [""] * size
        return list(reader.column_reader(name))

    def _numeric_column(self, reader, name, size):
        return np.array(self._column(reader, name, size) if size else [], dtype=np.int64).reshape(size)

    def _actor_lists(self, reader):
        labels, docs, codes = [], [], []
        for code, term in enumerate(reader.lexicon("actors")):
            labels.append(term.decode("utf-8"))
            ids = self.postings("actors", term.decode("utf-8"))
            docs.append(ids)
            codes.append(np.full(len(ids), code, dtype=np.int32))
        if not docs:
            return labels, np.zeros(0, np.int64), np.zeros(0, np.int32)
        return labels, np.concatenate(docs), np.concatenate(codes)

    def postings(self, field, term):
        key = (field, term)
        with self._lock:
            if key in self._postings:
                self._postings.move_to_end(key)
                return self._postings[key]
        reader = self.searcher.reader()
        if (field, term) in reader:
            ids = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int64)
        else:
            ids = np.zeros(0, dtype=np.int64)
        with self._lock:
            self._postings[key] = ids
            if len(self._postings) > POSTINGS_CACHE_SIZE:
                self._postings.popitem(last=False)
        return ids

    def mask_of(self, ids):
        mask = np.zeros(len(self.live), dtype=bool)
        mask[ids] = True
        return mask


@dataclass
class Compiled:
    """A query evaluated against one snapshot: its hit mask and the Whoosh query that scores it."""

    mask: np.ndarray
    scoring: object | None


class Evaluator:
    """Turns our query tree into a hit mask (and a scoring query) over one snapshot."""

    def __init__(self, snapshot, languages, resolver):
        self.snapshot = snapshot
        self.languages = languages
        self.resolver = resolver
        self.notices = []

    def evaluate(self, tree):
        mask, scoring = self._evaluate(tree)
        return Compiled(mask & self.snapshot.live, scoring)

    def _evaluate(self, node):
        snapshot = self.snapshot
        if isinstance(node, q.MatchAll):
            return snapshot.live.copy(), None
        if isinstance(node, q.Term):
            return self._term(node)
        if isinstance(node, q.Prefix):
            return self._prefix(node)
        if isinstance(node, q.Phrase):
            return self._phrase(node)
        if isinstance(node, q.Filter):
            return self.filter_mask(node.field, [node.value]), None
        if isinstance(node, q.DateRange):
            return date_overlap(snapshot, node.start, node.end), None
        if isinstance(node, q.Not):
            mask, _ = self._evaluate(node.child)
            return snapshot.live & ~mask, None
        parts = [self._evaluate(child) for child in node.children]
        combine = np.logical_and if isinstance(node, q.And) else np.logical_or
        mask = parts[0][0]
        for part_mask, _ in parts[1:]:
            mask = combine(mask, part_mask)
        scorers = [scoring for _, scoring in parts if scoring is not None]
        return mask, (wq.Or(scorers) if scorers else None)

    def _fields(self, field):
        return {"title": ["title"], "author": ["author"]}.get(field, ["title", "text"])

    def _term(self, node):
        forms = query_forms(node.word, self.languages)
        ids = [self.snapshot.postings(field, form) for field in self._fields(node.field) for form in forms]
        scoring = wq.Or(
            [
                wq.Term(field, form, boost=TEXT_FIELD_BOOSTS.get(field, 1.0))
                for field in self._fields(node.field)
                for form in forms
            ]
        )
        return self.snapshot.mask_of(np.concatenate(ids) if ids else []), scoring

    def _prefix(self, node):
        prefix = fold(node.prefix)
        reader = self.snapshot.searcher.reader()
        terms = []
        for field in self._fields(node.field):
            for term in reader.expand_prefix(field, prefix):
                terms.append((field, term.decode("utf-8") if isinstance(term, bytes) else term))
                if len(terms) > MAX_PREFIX_EXPANSION:
                    raise q.QueryTooBroad(
                        f"Too broad: “{node.prefix}*” matches more than {MAX_PREFIX_EXPANSION} words. "
                        "Give more letters."
                    )
        ids = [self.snapshot.postings(field, term) for field, term in terms]
        scoring = wq.Or([wq.Term(field, term, boost=TEXT_FIELD_BOOSTS.get(field, 1.0)) for field, term in terms])
        return self.snapshot.mask_of(np.concatenate(ids) if ids else []), scoring

    def _phrase(self, node):
        # Candidates first (every word present), then Whoosh checks positions on them only.
        candidates = np.logical_and.reduce([self._term(q.Term(word, node.field))[0] for word in node.words])
        sequences = []
        for field in self._fields(node.field):
            steps = [wq.Or([wq.Term(field, form) for form in query_forms(word, self.languages)]) for word in node.words]
            sequences.append(
                wq.Sequence(steps, slop=max(node.slop, 1), ordered=node.slop == 0, boost=TEXT_FIELD_BOOSTS[field])
            )
        scoring = wq.Or(sequences)
        allowed = set(np.flatnonzero(candidates).tolist())
        if not allowed:
            return candidates, scoring
        ids = np.fromiter(
            (docnum for docnum in self.snapshot.searcher.docs_for_query(scoring) if docnum in allowed), dtype=np.int64
        )
        return self.snapshot.mask_of(ids), scoring

    def filter_mask(self, field, values):
        """Documents whose `field` has any of `values` (several values of one facet combine with OR)."""
        snapshot = self.snapshot
        if field == "date":
            return snapshot.live.copy()
        if field in {"year", "month"}:
            numbers = [int(value) for value in values if str(value).isdigit()]
            return np.isin(snapshot.year if field == "year" else snapshot.month, numbers)
        wanted = self.resolver.resolve(field, values, self.notices)
        if field == "actor":
            labels = snapshot.actor_labels
            codes = [labels.index(slug) for slug in wanted if slug in labels]
            return snapshot.mask_of(snapshot.actor_docs[np.isin(snapshot.actor_codes, codes)])
        column = {"source": "source", "kind": "kind", "lang": "lang"}[field]
        labels, codes = snapshot.categories[column]
        wanted_codes = [labels.index(value) for value in wanted if value in labels]
        return np.isin(codes, wanted_codes)


def date_overlap(snapshot, start, end):
    """Dated documents whose period overlaps [start, end]."""
    mask = snapshot.date_start > 0
    if end is not None:
        mask &= snapshot.date_start <= end.year * 10000 + end.month * 100 + end.day
    if start is not None:
        mask &= snapshot.date_end >= start.year * 10000 + start.month * 100 + start.day
    return mask


def facet_counts(snapshot, field, mask):
    """[(value, count)] for the documents in `mask`, most frequent first."""
    if field == "actor":
        selected = mask[snapshot.actor_docs]
        counts = np.bincount(snapshot.actor_codes[selected], minlength=len(snapshot.actor_labels))
        labels = snapshot.actor_labels
    elif field in {"year", "month"}:
        values = (snapshot.year if field == "year" else snapshot.month)[mask]
        values = values[values > 0]
        labels, counts = np.unique(values, return_counts=True)
        return sorted(((int(label), int(count)) for label, count in zip(labels, counts, strict=True)), reverse=True)
    else:
        labels, codes = snapshot.categories[{"source": "source", "kind": "kind", "lang": "lang"}[field]]
        counts = np.bincount(codes[mask], minlength=len(labels))
    return sorted(
        ((labels[i], int(counts[i])) for i in np.flatnonzero(counts) if labels[i]), key=lambda item: (-item[1], item[0])
    )


def ranked_docnums(snapshot, compiled, sort, limit, deadline=None):
    """The first `limit` documents of the hit mask in the asked order."""
    docnums = np.flatnonzero(compiled.mask)
    if sort == "relevance" and compiled.scoring is not None and len(docnums):
        results = snapshot.searcher.search(compiled.scoring, filter=set(docnums.tolist()), limit=limit)
        scored = [(hit.docnum, hit.score) for hit in results]
        # Equal scores: the newer article first.
        scored.sort(key=lambda item: (-round(item[1], 6), -snapshot.date_start[item[0]], -snapshot.pk[item[0]]))
        return [docnum for docnum, _ in scored]
    dates = snapshot.date_start[docnums]
    if sort == "oldest":
        # Undated articles last in either order.
        order = np.lexsort((snapshot.pk[docnums], np.where(dates > 0, dates, np.iinfo(np.int64).max)))
    else:
        order = np.lexsort((-snapshot.pk[docnums], -dates))
    return docnums[order[:limit]].tolist()


class SnapshotCache:
    """One snapshot per index, reused across requests and refreshed only when the index changes.

    A replaced snapshot may still be serving a request in another thread, so its files
    are closed only after a grace period.
    """

    RETIRE_AFTER_SECONDS = 60

    def __init__(self):
        self._snapshots = {}
        self._retired = []
        self._lock = threading.Lock()

    def get(self, backend):
        try:
            backend.ensure_current()
            current = self._snapshots.get(backend.path)
            if current is not None and current.generation == self._generation(backend):
                return current
            with self._lock:
                current = self._snapshots.get(backend.path)
                generation = self._generation(backend)
                if current is None or current.generation != generation:
                    if current is not None:
                        self._retired.append((time.monotonic(), current))
                    started = time.perf_counter()
                    current = Snapshot(backend.open_searcher(), generation)
                    current.load_seconds = time.perf_counter() - started
                    self._snapshots[backend.path] = current
                    self._close_retired(time.monotonic() - self.RETIRE_AFTER_SECONDS)
                return current
        except IndexUnavailable:
            raise
        except Exception as error:
            # Locked, missing, corrupt or unreadable: the page says so (503); the log keeps the cause.
            log.exception("search index unreadable")
            raise IndexUnavailable(f"the search index cannot be read: {error}") from error

    @staticmethod
    def _generation(backend):
        return backend.index_dir, backend.index.latest_generation()

    def _close_retired(self, before):
        keep = []
        for retired_at, snapshot in self._retired:
            if retired_at <= before:
                snapshot.searcher.close()
            else:
                keep.append((retired_at, snapshot))
        self._retired = keep

    def clear(self):
        with self._lock:
            self._retired.extend((0, snapshot) for snapshot in self._snapshots.values())
            self._snapshots.clear()
            self._close_retired(float("inf"))


snapshots = SnapshotCache()
