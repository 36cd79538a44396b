"""The results contract every engine's results keep, and what they share.

Results behave as a sequence for Django's Paginator: counting and facets are computed
once; only the page being shown is ranked, fetched from the database and highlighted.
An engine implements the few methods that ask it something (`page_pks`, `iter_pks`,
`hit_dates`, `archive_dates`, `corrected`); the rest is here, the same for every engine.
"""

import time
from collections.abc import Sequence

from django.conf import settings

from archive.search import query as q
from archive.search.facets import FACETS
from archive.search.highlight import WordMatcher, snippet
from archive.search.request import Hit, SearchRequest

FEW_HITS = 3  # at or below this, a corrected query is suggested
MAX_RANKED = 10_000  # a page beyond this many hits is not ranked (exports stream past it)


class Results(Sequence):
    """count, facets ({name: [(value, count)]} in each facet's order), notices, elapsed_ms, and
    hits by slicing. Subclasses set count and facets in __init__, then call `finished()`."""

    count = 0

    def __init__(self, request, engine):
        self._started = time.perf_counter()
        self.request = request
        self.engine = engine
        self.sort = request.checked_sort
        self.notices = list(request.query.notices)
        self.matcher = WordMatcher(q.text_words(request.query.tree), settings.ARCHIVE_LANGUAGES)
        self.facets = {}

    def finished(self):
        self.elapsed_ms = (time.perf_counter() - self._started) * 1000

    # What an engine answers ------------------------------------------------------

    def page_pks(self, start, stop):
        """Article ids of hits start…stop-1 in the request's order."""
        raise NotImplementedError

    def iter_pks(self, limit):
        """Article ids of the first `limit` hits in order, streamed (an export reads them to the end)."""
        raise NotImplementedError

    def hit_dates(self):
        """(starts, ends): each dated hit's period as yyyymmdd NumPy arrays."""
        raise NotImplementedError

    def archive_dates(self):
        """(starts, ends) for every indexed article: shares of the whole archive."""
        raise NotImplementedError

    def corrected(self, raw_query):
        """The query with words the index does not know corrected, or None."""
        return None

    # The same on every engine ---------------------------------------------------

    def ordered_facets(self, counts_by_name):
        """{name: [(value, count)]}: each shown facet's counts in the registry's order and size."""
        return {
            facet.name: facet.ordered(counts_by_name.get(facet.name, []))
            for facet in FACETS.shown(self.request.filters)
        }

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, min(index.stop or self.count, MAX_RANKED)
        return list(hits_of(self.page_pks(start, stop) if stop > start else [], self.matcher))

    def did_you_mean(self, raw_query):
        """A corrected query that finds more, when this one finds few or none."""
        if self.count > FEW_HITS or not raw_query:
            return None
        corrected = self.corrected(raw_query)
        if corrected is None:
            return None
        better = self.engine.search(SearchRequest(q.parse_leniently(corrected), self.request.filters))
        return corrected if better.count > self.count else None


def hits_of(pks, matcher):
    """A Hit per article still in the database, in `pks` order, with its snippet."""
    from archive.models import Article

    articles = Article.objects.select_related("source", "near_duplicate_of__source").in_bulk(pks)
    for pk in pks:
        article = articles.get(pk)
        if article is None:
            continue  # deleted since the index was read; the outbox is removing it
        text = " ".join(filter(None, [article.lede, article.body]))
        yield Hit(article, snippet(text, matcher, article.language))
