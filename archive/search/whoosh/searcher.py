"""Searching our Whoosh index with NumPy: hit sets are boolean masks, facets are bincounts.

Whoosh collects every hit in a Python loop (60–85 µs each), which is what makes stock
haystack facets cost half a second at 10,000 articles. Here a query is evaluated as set
algebra over per-term document arrays, filters and facets are array operations over
per-document columns, exact phrases are set algebra over word positions, and relevance
is BM25F computed for the whole hit set in NumPy (scoring.py). The arrays are read per
segment and kept across index versions (segments.py), so a save costs a worker only the
new segment's arrays.
"""

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from archive.search import query as q
from archive.search.analysis import analysed_as, fold, query_forms, query_forms_by_language
from archive.search.document import TEXT_FIELD_BOOSTS, date_number, text_fields
from archive.search.errors import IndexUnavailable
from archive.search.facets import FACETS, KEYWORDS
from archive.search.whoosh import tags
from archive.search.whoosh.arrays import deleted_docnums
from archive.search.whoosh.scoring import bm25f_scores, term_weights, top_by_score
from archive.search.whoosh.segments import (
    NUMERIC_COLUMNS,
    SPARE_SEGMENTS,
    BoundedCache,
    category_columns,
    concatenated,
    segments,
)

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import query as wq

log = logging.getLogger(__name__)

MAX_PREFIX_EXPANSION = 300
TOO_MANY = [("", "")]  # an expansion past MAX_PREFIX_EXPANSION, kept like any other
# Prefix expansions a snapshot keeps (each at most MAX_PREFIX_EXPANSION terms).
KEPT_EXPANSIONS = 2000
# Work (CPU seconds of the request's thread) one query may do before it is refused as too
# broad instead of holding a worker. CPU, not wall time, so a busy machine does not turn
# ordinary queries away.
QUERY_TIME_BUDGET_SECONDS = 1.5
# Bytes of whole-index postings a snapshot keeps (beside the per-segment term cache).
SNAPSHOT_POSTINGS_BYTES = 64 * 2**20


class Snapshot:
    """One index version as arrays over all its documents, assembled from per-segment
    arrays that outlive it (segments.py): after a save only the new segment is read."""

    def __init__(self, searcher, generation):
        self.searcher = searcher
        self.generation = generation
        self._memo = {}
        self._postings = BoundedCache(SNAPSHOT_POSTINGS_BYTES)
        self._weights = BoundedCache(SNAPSHOT_POSTINGS_BYTES)
        self.expansions = BoundedCache(KEPT_EXPANSIONS, size_of=lambda _terms: 1)
        # (segment reader, offset of its first document, its SegmentArrays). An empty index
        # has one EmptyReader leaf, and no segment to read.
        self.leaves = [
            (segment, offset, segments.arrays(segment))
            for segment, offset in searcher.reader().leaf_readers()
            if segment.doc_count_all()
        ]
        segments.keep_newest(len(self.leaves) + SPARE_SEGMENTS)
        parts = [part for _, _, part in self.leaves]
        self.live = np.ones(sum(part.size for part in parts), dtype=bool)
        for segment, offset, _ in self.leaves:
            if segment.has_deletions():
                self.live[deleted_docnums(segment) + offset] = False
        numeric = {name: concatenated([part.numeric[name] for part in parts], np.int64) for name in NUMERIC_COLUMNS}
        self.pk, self.date_start, self.date_end = numeric["pk"], numeric["date_start"], numeric["date_end"]
        self.dup_of, self.updated = numeric["dup_of"], numeric["updated"]
        self.year = self.date_start // 10000
        self.month = self.date_start // 100
        self.categories = {
            name: _merged_categories([part.categories[name] for part in parts]) for name in category_columns()
        }
        self.actor_labels, self.actor_docs, self.actor_codes = _merged_actors(self.leaves)

    def postings(self, field, term):
        """The docnums holding `term` in `field`."""
        return self.term_postings(field, term)[0]

    def term_postings(self, field, term):
        """(docnums, term frequencies) of one term across the segments, kept for this
        snapshot: asking each segment's cache costs ~10 µs a segment even when it has the
        term, and a query asks for every indexed form of each word in two fields."""
        key = (field, term)
        found = self._postings.get(key)
        if found is None:
            found = self._postings[key] = self._read_postings(field, term)
        return found

    def term_weights(self, field, term):
        """(docnums, BM25 weight before boosts) of one term, kept for this snapshot beside
        its postings: a query's next page, facet click or date refinement ranks again."""
        key = (field, term)
        found = self._weights.get(key)
        if found is None:
            found = self._weights[key] = term_weights(self, field, term)
        return found

    def keep_postings(self, held):
        """Keep the postings of terms known to be only in the given segments
        ((segment index, field, term)), read from those segments alone."""
        by_term = {}
        for index, field, term in held:
            by_term.setdefault((field, term), []).append(index)
        for (field, term), indexes in by_term.items():
            if self._postings.get((field, term)) is None:
                self._postings[(field, term)] = self._read_postings(field, term, [self.leaves[i] for i in indexes])

    def _read_postings(self, field, term, leaves=None):
        ids, frequencies = [], []
        for segment, offset, _ in self.leaves if leaves is None else leaves:
            segment_ids, segment_frequencies = segments.postings(segment, field, term)
            if len(segment_ids):
                ids.append(segment_ids.astype(np.int64) + offset)
                frequencies.append(segment_frequencies)
        return concatenated(ids, np.int64), concatenated(frequencies, np.float32)

    def document_frequencies(self, field):
        """TermCounts of `field` over this snapshot's segments (deleted documents still
        counted, as Whoosh counts them)."""
        directory = self.generation[0] if self.generation else ""
        return self.memo(("document frequencies", field), lambda: segments.term_counts(self.leaves, field, directory))

    def content_hashes(self):
        """Each document's content hash (hex; "" unknown), by docnum. Only index_doctor asks."""
        return self.memo(
            "content hashes",
            lambda: [digest for segment, _, part in self.leaves for digest in part.content_hashes(segment)],
        )

    def field_lengths(self, field):
        return self.memo(
            ("field lengths", field),
            lambda: concatenated([part.field_lengths(segment, field) for segment, _, part in self.leaves], np.float32),
        )

    def average_length(self, field):
        return max(self.searcher.reader().field_length(field) / max(len(self.live), 1), 1.0)

    def memo(self, key, compute):
        """A value computed once per snapshot (so once per index change)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def mask_of(self, ids):
        mask = np.zeros(len(self.live), dtype=bool)
        mask[ids] = True
        return mask


def sorted_contains(sorted_values, wanted):
    """For each of `wanted`, whether it is in `sorted_values` (sorted): a binary search each,
    where np.isin would first sort and de-duplicate both."""
    if not len(sorted_values):
        return np.zeros(len(wanted), dtype=bool)
    places = np.minimum(np.searchsorted(sorted_values, wanted), len(sorted_values) - 1)
    return sorted_values[places] == wanted


def _merged_categories(parts):
    """(labels, codes) for all documents from each segment's (distinct values, refs)."""
    labels = sorted({label for uniques, _ in parts for label in uniques})
    position = {label: code for code, label in enumerate(labels)}
    codes = [np.array([position[label] for label in uniques], dtype=np.int32)[refs] for uniques, refs in parts]
    return labels or [""], concatenated(codes, np.int32)


def _merged_actors(leaves):
    labels = sorted({label for _, _, part in leaves for label in part.actors[0]})
    position = {label: code for code, label in enumerate(labels)}
    docs, codes = [], []
    for _, offset, part in leaves:
        segment_labels, segment_docs, segment_codes = part.actors
        if len(segment_docs):
            remap = np.array([position[label] for label in segment_labels], dtype=np.int32)
            docs.append(segment_docs + offset)
            codes.append(remap[segment_codes])
    return labels, concatenated(docs, np.int64), concatenated(codes, np.int32)


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
        self.deadline = time.thread_time() + QUERY_TIME_BUDGET_SECONDS

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
        if isinstance(node, q.Localised):
            with analysed_as(self, node.language):
                return self._evaluate(node.child)
        if isinstance(node, q.Concept) and tags.tagged(node, snapshot.generation[0]):
            return self._concept(node)
        parts = [self._evaluate(child) for child in node.children]
        combine = np.logical_and if isinstance(node, q.And) else np.logical_or
        mask = parts[0][0]
        for part_mask, _ in parts[1:]:
            mask = combine(mask, part_mask)
        scorers = [scoring for _, scoring in parts if scoring is not None]
        return mask, (wq.Or(scorers) if scorers else None)

    def _fields(self, field):
        return text_fields(field)

    def _term(self, node):
        forms = query_forms_by_language(node.word, self.languages)
        ids = [
            self._in_languages(self.snapshot.postings(field, form), languages)
            for field in self._fields(node.field)
            for form, languages in forms.items()
        ]
        scoring = wq.Or(
            [
                wq.Term(field, form, boost=TEXT_FIELD_BOOSTS.get(field, 1.0))
                for field in self._fields(node.field)
                for form in forms
            ]
        )
        return self.snapshot.mask_of(np.concatenate(ids) if ids else []), scoring

    def _concept(self, node):
        """A concept's documents from its tags: one posting list per field, where its terms
        were dozens of look-ups (an OR of two words naming one at 100,000 articles: 55 → 5.5 ms)."""
        fields = tags.scoring_fields(node)
        ids = [self.snapshot.postings(tags_field, node.slug) for tags_field, _ in fields]
        boosted = [wq.Term(tags_field, node.slug, boost=TEXT_FIELD_BOOSTS[field]) for tags_field, field in fields]
        scoring = wq.Or(boosted)
        return self.snapshot.mask_of(np.concatenate(ids)), scoring

    def _in_languages(self, docnums, languages):
        """The docnums whose text is in one of `languages` (all of them when None)."""
        if languages is None or not len(docnums):
            return docnums
        labels, codes = self.snapshot.categories["lang"]
        wanted = [code for code, label in enumerate(labels) if label in languages]
        return docnums[np.isin(codes[docnums], wanted)]

    def _prefix(self, node):
        prefix = fold(node.prefix)
        fields = tuple(self._fields(node.field))
        # Whoosh walks every segment's term file for an expansion (~60 ms at 100,000 articles,
        # half a prefix query); a snapshot's segments never change, so neither does it.
        terms = self.snapshot.expansions.get((fields, prefix))
        if terms is None:
            terms = self.snapshot.expansions[(fields, prefix)] = self._expand(fields, prefix)
        if terms is TOO_MANY:
            raise q.QueryTooBroad(
                f"Too broad: “{node.prefix}*” matches more than {MAX_PREFIX_EXPANSION} words. Give more letters."
            )
        ids = [self.snapshot.postings(field, term) for field, term in terms]
        scoring = wq.Or([wq.Term(field, term, boost=TEXT_FIELD_BOOSTS.get(field, 1.0)) for field, term in terms])
        return self.snapshot.mask_of(np.concatenate(ids) if ids else []), scoring

    def _expand(self, fields, prefix):
        """[(field, term)] of the words starting with `prefix`; TOO_MANY past MAX_PREFIX_EXPANSION.

        Each segment lists its own words, and only those are read: asking every segment for
        every word of the expansion was ~4,000 failed lookups for one prefix at 100,000 articles."""
        held, terms = [], set()  # (segment index, field, term); {(field, term)}
        for index, (segment, _, _) in enumerate(self.snapshot.leaves):
            for field in fields:
                for term in segment.expand_prefix(field, prefix):
                    term = term.decode("utf-8") if isinstance(term, bytes) else term
                    held.append((index, field, term))
                    terms.add((field, term))
            if len(terms) > MAX_PREFIX_EXPANSION:
                return TOO_MANY
        self.snapshot.keep_postings(held)
        return sorted(terms, key=lambda pair: (fields.index(pair[0]), pair[1]))

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
        docnums = np.flatnonzero(candidates)
        exact = node.slop == 0
        matched = self._exact_phrase(node, docnums) if exact else self._positions_match(scoring, docnums)
        return self.snapshot.mask_of(matched), scoring

    def _exact_phrase(self, node, candidates):
        """Candidates where the words stand next to each other in order, as set algebra on
        each segment's occurrence keys (docnum << 32 | position): word i must occur at key + i."""
        matched = []
        for field in self._fields(node.field):
            forms = [query_forms(word, self.languages) for word in node.words]
            for segment, offset, part in self.snapshot.leaves:
                first, end = np.searchsorted(candidates, [offset, offset + part.size])
                if first == end:
                    continue  # no document here holds every word
                starts = segments.positions(segment, field, forms[0])
                for shift, word_forms in enumerate(forms[1:], start=1):
                    following = segments.positions(segment, field, word_forms)
                    starts = starts[sorted_contains(following, starts + shift)]
                    self.check_budget()
                    if not starts.size:
                        break
                matched.append((starts >> 32) + offset)
        return concatenated(matched, np.int64)  # repeats are harmless: it becomes a mask

    def _positions_match(self, scoring, candidates):
        """The candidates where the phrase's words stand in order: Whoosh checks positions,
        skipping straight from one candidate to the next, within the query's time budget."""
        matched = []
        for leaf, offset in self.snapshot.searcher.leaf_searchers():
            matcher = scoring.matcher(leaf, leaf.context())
            local = candidates[(candidates >= offset) & (candidates < offset + leaf.doc_count_all())] - offset
            for checked, docnum in enumerate(local.tolist()):
                if not matcher.is_active():
                    break
                if checked % 256 == 0:
                    self.check_budget()
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    matched.append(docnum + offset)
        return np.array(matched, dtype=np.int64)

    def check_budget(self):
        if time.thread_time() > self.deadline:
            raise q.QueryTooBroad(
                "Too broad: this query would take too long to answer. Use rarer words, fewer phrases, or add a filter."
            )

    def filter_mask(self, field, values):
        """Documents whose `field` has any of `values` (several values of one facet combine with OR)."""
        snapshot = self.snapshot
        if field == "date":
            return snapshot.live.copy()
        facet = FACETS[field]
        if facet.numeric:
            return np.isin(getattr(snapshot, facet.field), facet.resolve(values, self.notices))
        wanted = self.resolver.resolve(field, values, self.notices)
        if facet.kind == KEYWORDS:
            labels = snapshot.actor_labels
            codes = [labels.index(slug) for slug in wanted if slug in labels]
            return snapshot.mask_of(snapshot.actor_docs[np.isin(snapshot.actor_codes, codes)])
        labels, codes = snapshot.categories[facet.field]
        wanted_codes = [labels.index(value) for value in wanted if value in labels]
        return np.isin(codes, wanted_codes)


def date_overlap(snapshot, start, end):
    """Dated documents whose period overlaps [start, end]."""
    mask = snapshot.date_start > 0
    if end is not None:
        mask &= snapshot.date_start <= date_number(end)
    if start is not None:
        mask &= snapshot.date_end >= date_number(start)
    return mask


def facet_counts(snapshot, facet, mask):
    """[(value, count)] of one registered facet for the documents in `mask`."""
    if facet.kind == KEYWORDS:  # the one multi-valued column: actors
        selected = mask[snapshot.actor_docs]
        counts = np.bincount(snapshot.actor_codes[selected], minlength=len(snapshot.actor_labels))
        labels = snapshot.actor_labels
    elif facet.numeric:
        # The column's distinct values are found once per snapshot; a query only counts them.
        labels, codes = snapshot.memo(
            ("distinct", facet.field), lambda: np.unique(getattr(snapshot, facet.field), return_inverse=True)
        )
        counts = np.bincount(codes[mask], minlength=len(labels))
        return [(int(labels[i]), int(counts[i])) for i in np.flatnonzero(counts) if labels[i] > 0]
    else:
        labels, codes = snapshot.categories[facet.field]
        counts = np.bincount(codes[mask], minlength=len(labels))
    return [(labels[i], int(counts[i])) for i in np.flatnonzero(counts) if labels[i]]


def ranked_docnums(snapshot, compiled, sort, limit, deadline=None):
    """The first `limit` documents of the hit mask in the asked order."""
    docnums = np.flatnonzero(compiled.mask)
    if sort == "relevance" and compiled.scoring is not None and len(docnums):
        return top_by_score(snapshot, docnums, bm25f_scores(snapshot, compiled.scoring, docnums), limit)
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
    are closed only after a grace period; only its searcher is kept for that, so its arrays
    and caches are freed as soon as no request holds it (kept whole, the snapshots of ten saves
    in a minute took a worker to 1.6 GB at a million articles).
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
                        self._retired.append((time.monotonic(), current.searcher))
                    current = Snapshot(backend.open_searcher(), generation)
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
        for retired_at, searcher in self._retired:
            if retired_at <= before:
                searcher.close()
            else:
                keep.append((retired_at, searcher))
        self._retired = keep

    def clear(self):
        with self._lock:
            self._retired.extend((0, snapshot.searcher) for snapshot in self._snapshots.values())
            self._snapshots.clear()
            segments.clear()
            self._close_retired(float("inf"))


snapshots = SnapshotCache()
