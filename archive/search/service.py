"""The one entry point pages use to search: a request in, lazy results out.

Results behave as a sequence for Django's Paginator: counting and facets are computed
once; only the page being shown is ranked, fetched from the database and highlighted.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from haystack import connections

from archive.models import Article
from archive.search import query as q
from archive.search import semantic
from archive.search.highlight import WordMatcher, snippet
from archive.search.resolve import DatabaseResolver
from archive.search.whoosh import hybrid
from archive.search.whoosh.backend import ArchiveWhooshBackend, IndexUnavailable
from archive.search.whoosh.related import related_docnums
from archive.search.whoosh.searcher import Evaluator, date_overlap, facet_counts, ranked_docnums, snapshots
from archive.search.whoosh.suggest import suggest

FACET_FIELDS = ("source", "kind", "lang", "actor", "year", "month")
FEW_HITS = 3  # at or below this, a corrected query is suggested
SORTS = ("relevance", "newest", "oldest")
MAX_RANKED = 10_000

__all__ = ["IndexUnavailable", "SearchRequest", "SearchResults", "search"]


@dataclass
class SearchRequest:
    query: q.ParsedQuery = field(default_factory=lambda: q.ParsedQuery(q.MatchAll()))
    filters: dict = field(default_factory=dict)  # facet field → values, already allow-listed
    date_from: object = None
    date_to: object = None
    sort: str = "relevance"
    collapse_duplicates: bool = False  # hide republished copies whose original is among the hits
    expansion: object = None  # "all languages": the concepts.Expansion that widened the query
    collapse_stories: bool = False  # one hit per story told in several languages

    @property
    def all_languages(self):
        return self.expansion is not None


@dataclass
class Hit:
    article: Article
    snippet: str


class SearchResults(Sequence):
    def __init__(self, request):
        started = time.perf_counter()
        self.request = request
        self.backend = connections["default"].get_backend()
        if not isinstance(self.backend, ArchiveWhooshBackend):
            raise IndexUnavailable("this search path needs the Whoosh backend; configure SEARCH_URL=whoosh://…")
        self.snapshot = snapshots.get(self.backend)
        self.evaluator = Evaluator(self.snapshot, settings.ARCHIVE_LANGUAGES, DatabaseResolver())
        self.compiled = self.evaluator.evaluate(request.query.tree)
        self.meaning, self.meaning_note = by_meaning(request, self.snapshot, self.backend.path)
        if self.meaning is not None and hybrid.adds_hits(request.query.tree):
            self.compiled.mask |= self.meaning.nearest(self.snapshot.live)
        query_mask = self.compiled.mask
        filter_masks = self._filter_masks()
        self.compiled.mask = query_mask & self._all(filter_masks.values())
        if request.collapse_duplicates:
            self.compiled.mask &= ~self._copies_of_hits(self.compiled.mask)
        self.count = int(self.compiled.mask.sum())
        self.facets = self._facets(query_mask, filter_masks)
        self.notices = list(request.query.notices) + self.evaluator.notices + [self.meaning_note]
        self.notices = [notice for notice in self.notices if notice]
        self.matcher = WordMatcher(q.text_words(request.query.tree), settings.ARCHIVE_LANGUAGES)
        self.sort = request.sort if request.sort in SORTS else "relevance"
        if self.sort == "relevance" and self.compiled.scoring is None and self.meaning is None:
            self.sort = "newest"
        self.elapsed_ms = (time.perf_counter() - started) * 1000

    def _all(self, masks):
        combined = self.snapshot.live.copy()
        for mask in masks:
            combined &= mask
        return combined

    def _copies_of_hits(self, mask):
        """Documents that republish (dup_of) another document in the mask."""
        dup_of = self.snapshot.dup_of
        return mask & (dup_of != 0) & np.isin(dup_of, self.snapshot.pk[mask])

    def _filter_masks(self):
        masks = {
            name: self.evaluator.filter_mask(name, values) for name, values in self.request.filters.items() if values
        }
        if self.request.date_from or self.request.date_to:
            masks["date"] = date_overlap(self.snapshot, self.request.date_from, self.request.date_to)
        return masks

    def _facets(self, query_mask, filter_masks):
        if isinstance(self.request.query.tree, q.MatchAll) and not filter_masks:
            # The browse page with nothing asked: the same for every visitor until the index changes.
            facets = self.snapshot.memo("facets of everything", lambda: self._facets_of(query_mask, filter_masks))
            return {name: list(counts) for name, counts in facets.items()}
        return self._facets_of(query_mask, filter_masks)

    def _facets_of(self, query_mask, filter_masks):
        # Each facet's counts apply every other filter but its own, so choosing one value
        # still shows how many the other values of that facet would add.
        facets = {}
        for name in FACET_FIELDS:
            if name == "month" and len(self.request.filters.get("year", [])) != 1:
                continue
            others = self._all(mask for other, mask in filter_masks.items() if other != name)
            facets[name] = facet_counts(self.snapshot, name, query_mask & others)
        return facets

    def __len__(self):
        return self.count

    def hit_dates(self):
        """(starts, ends): each hit's dated period as yyyymmdd ints (0 when unknown)."""
        mask = self.compiled.mask
        return self.snapshot.date_start[mask], self.snapshot.date_end[mask]

    def did_you_mean(self, raw_query):
        """A corrected query that finds more, when this one finds few or none."""
        if self.count > FEW_HITS or not raw_query:
            return None
        corrected = suggest(self.snapshot, raw_query, self.request.query.tree, settings.ARCHIVE_LANGUAGES)
        if corrected is None:
            return None
        better = SearchResults(SearchRequest(q.parse_leniently(corrected), self.request.filters))
        return corrected if better.count > self.count else None

    def _ranked(self, start, stop):
        if not (self.request.collapse_stories and semantic.available()):
            return _ranked_docnums(self, stop)[start:stop]
        # Retellings are dropped from a longer list, so a page still holds a page of stories.
        aligned = semantic.aligned_vectors(self.snapshot, self.backend.path)
        return hybrid.one_per_story(self.snapshot, aligned, _ranked_docnums(self, 3 * stop))[start:stop]

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, min(index.stop or self.count, MAX_RANKED)
        docnums = self._ranked(start, stop)
        pks = [int(self.snapshot.pk[docnum]) for docnum in docnums]
        articles = Article.objects.select_related("source", "near_duplicate_of__source").in_bulk(pks)
        hits = []
        for pk in pks:
            article = articles.get(pk)
            if article is None:
                continue  # deleted since the index was read; the outbox is removing it
            text = " ".join(filter(None, [article.lede, article.body]))
            hits.append(Hit(article, snippet(text, self.matcher, article.language)))
        return hits


def _ranked_docnums(results, limit):
    if results.meaning is not None and results.sort == "relevance":
        return hybrid.hybrid_docnums(results.snapshot, results.compiled, results.meaning, limit)
    return ranked_docnums(results.snapshot, results.compiled, results.sort, limit)


def by_meaning(request, snapshot, home):
    """(hybrid.Meaning or None, a note for the page) for an "all languages" search."""
    if not request.all_languages:
        return None, ""
    if not semantic.available():
        return None, f"All languages: searched the concept registry only; {semantic.unavailable_reason()}."
    meaning = hybrid.Meaning(snapshot, home, request.expansion.query_text)
    if meaning.covered < meaning.total:
        return meaning, f"Search by meaning covers {meaning.covered:,} of {meaning.total:,} articles so far."
    return meaning, ""


def in_other_languages(article, per_language=1):
    """Articles in other languages whose meaning says they tell the same story (nearest first)."""
    if not semantic.available():
        return []
    try:
        backend = connections["default"].get_backend()
        snapshot = snapshots.get(backend)
    except IndexUnavailable:
        return []
    docnums = np.flatnonzero((snapshot.pk == article.pk) & snapshot.live)
    if not len(docnums):
        return []
    aligned = semantic.aligned_vectors(snapshot, backend.path)
    found = hybrid.same_story_docnums(snapshot, aligned, int(docnums[0]), per_language)
    pks = [int(snapshot.pk[docnum]) for docnum in found]
    articles = Article.objects.published().select_related("source").in_bulk(pks)
    return [articles[pk] for pk in pks if pk in articles]


def search(request):
    backend = connections["default"].get_backend()
    cluster = getattr(backend, "cluster", None)
    if cluster is not None:  # SEARCH_URL names Elasticsearch, OpenSearch or Solr
        from archive.search.cluster.results import ClusterResults

        return ClusterResults(request, cluster, FACET_FIELDS, Hit)
    return SearchResults(request)


def related_articles(article, limit=5):
    """Articles most like `article`; empty when the index cannot be read (the page still works)."""
    try:
        snapshot = snapshots.get(connections["default"].get_backend())
    except IndexUnavailable:
        return []
    pks = [int(snapshot.pk[docnum]) for docnum in related_docnums(snapshot, article, limit)]
    found = Article.objects.published().select_related("source").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]
