"""Search results from a cluster, behaving like archive.search.service.SearchResults:
count, facets, notices and lazy pages of Hits with snippets cut from the database text.

The Whoosh-only extras (.compiled.mask, .snapshot) do not exist here; pages that need
them must ask archive.search for an engine-neutral form first.
"""

import calendar
import time
from collections.abc import Sequence

import numpy as np
from django.conf import settings

from archive.models import Article
from archive.search import query as q
from archive.search.cluster.client import facet_counts, hit_pks, month_histogram, total, translator
from archive.search.highlight import WordMatcher, snippet
from archive.search.resolve import DatabaseResolver
from archive.search.whoosh.backend import IndexUnavailable

MAX_RANKED = 10_000


class ClusterResults(Sequence):
    def __init__(self, request, cluster, facet_fields, hit_class):
        started = time.perf_counter()
        self.request, self.cluster, self.hit_class = request, cluster, hit_class
        self.notices = list(request.query.notices)
        self.translator, self.build_body = translator(cluster, settings.ARCHIVE_LANGUAGES, DatabaseResolver())
        self.translator.notices = self.notices
        first = self._search(facet_fields, 0, 0)
        self.months = month_histogram(cluster, first)
        self.count = total(cluster, first)
        self.facets = self._facets(first, facet_fields)
        self.matcher = WordMatcher(q.text_words(request.query.tree), settings.ARCHIVE_LANGUAGES)
        self.elapsed_ms = (time.perf_counter() - started) * 1000

    def _facets(self, response, facet_fields):
        """The same shapes as the Whoosh path: years and months newest first, others by count."""
        facets = {}
        for name in facet_fields:
            if name == "month" and len(self.request.filters.get("year", [])) != 1:
                continue
            counts = facet_counts(self.cluster, response, name).items()
            if name in {"year", "month"}:
                facets[name] = sorted(((int(key), count) for key, count in counts), reverse=True)
            else:
                facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))
        return facets

    def _search(self, facet_fields, start, size):
        try:
            return self.cluster.search(self.build_body(self.request, self.translator, facet_fields, start, size))
        except Exception as error:
            raise IndexUnavailable(f"the search cluster did not answer: {error}") from error

    def __len__(self):
        return self.count

    def hit_dates(self):
        """(starts, ends) as yyyymmdd arrays, one pair per dated hit, at month precision.

        The cluster returns counts per month, not per document, so every hit stands at its
        month: year and month histograms are exact, a day histogram shows them as known
        only to the month.
        """
        starts = np.repeat([month * 100 + 1 for month, _ in self.months], [count for _, count in self.months])
        ends = np.repeat(
            [month * 100 + calendar.monthrange(month // 100, month % 100)[1] for month, _ in self.months],
            [count for _, count in self.months],
        )
        return starts.astype(np.int64), ends.astype(np.int64)

    def did_you_mean(self, raw_query):
        # Corrections come from the Whoosh lexicon; the cluster path has none yet (an
        # Elasticsearch term suggester would be the equivalent). Say nothing rather than guess.
        return None

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, min(index.stop or self.count, MAX_RANKED)
        pks = hit_pks(self.cluster, self._search((), start, max(stop - start, 0)))
        articles = Article.objects.select_related("source", "near_duplicate_of").in_bulk(pks)
        hits = []
        for pk in pks:
            article = articles.get(pk)
            if article is not None:  # deleted since the cluster was asked; the outbox is removing it
                text = " ".join(filter(None, [article.lede, article.body]))
                hits.append(self.hit_class(article, snippet(text, self.matcher, article.language)))
        return hits
