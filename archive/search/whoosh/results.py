"""Search results from our Whoosh index: hit sets as NumPy masks over one snapshot."""

import numpy as np
from django.conf import settings

from archive.search import query as q
from archive.search import semantic
from archive.search.facets import FACETS
from archive.search.resolve import DatabaseResolver
from archive.search.results import Results
from archive.search.whoosh import hybrid, vectors
from archive.search.whoosh.searcher import Evaluator, date_overlap, facet_counts, ranked_docnums
from archive.search.whoosh.suggest import suggest

STREAM_BATCH = 2000


class WhooshResults(Results):
    def __init__(self, request, engine, snapshot):
        super().__init__(request, engine)
        self.snapshot = snapshot
        self.evaluator = Evaluator(snapshot, settings.ARCHIVE_LANGUAGES, DatabaseResolver())
        self.compiled = self.evaluator.evaluate(request.query.tree)
        self.meaning = hybrid.meaning_for(request, snapshot, engine.backend.path, self.notices)
        filter_masks = self._filter_masks()
        allowed = self._all(filter_masks.values())
        if self.meaning is not None and self.meaning.adds_hits:
            # The nearest within the filters, as a cluster's k-NN search finds them: the nearest
            # of the whole archive would mostly lie outside a source or a period.
            self.compiled.mask |= self.meaning.nearest(allowed if filter_masks else None)
        query_mask = self.compiled.mask
        self.compiled.mask = query_mask & allowed
        if request.collapse_duplicates:
            self.compiled.mask &= ~self._copies_of_hits(self.compiled.mask)
        self.count = int(self.compiled.mask.sum())
        self.facets = self._facets(query_mask, filter_masks)
        self.notices += self.evaluator.notices
        if self.sort == "relevance" and self.compiled.scoring is None and self.meaning is None:
            self.sort = "newest"
        self.finished()

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
        counts = {}
        for facet in FACETS.shown(self.request.filters):
            others = self._all(mask for other, mask in filter_masks.items() if other != facet.name)
            counts[facet.name] = facet_counts(self.snapshot, facet, query_mask & others)
        return self.ordered_facets(counts)

    def _pks(self, docnums):
        return [int(self.snapshot.pk[docnum]) for docnum in docnums]

    def _ranked(self, limit):
        if self.meaning is not None and self.sort == "relevance":
            return hybrid.hybrid_docnums(self.snapshot, self.compiled, self.meaning, limit)
        return ranked_docnums(self.snapshot, self.compiled, self.sort, limit)

    def page_pks(self, start, stop):
        if not (self.request.collapse_stories and semantic.available()):
            return self._pks(self._ranked(stop)[start:stop])
        # Retellings are dropped from a longer list, so a page still holds a page of stories.
        aligned = vectors.aligned_vectors(self.snapshot, self.engine.backend.path)
        return self._pks(hybrid.one_per_story(self.snapshot, aligned, self._ranked(3 * stop))[start:stop])

    def iter_pks(self, limit):
        # The ranked docnums are small integers: computed once, handed out in batches.
        docnums = self._ranked(limit)
        for start in range(0, len(docnums), STREAM_BATCH):
            yield from self._pks(docnums[start : start + STREAM_BATCH])

    def hit_dates(self):
        mask = self.compiled.mask
        return self.snapshot.date_start[mask], self.snapshot.date_end[mask]

    def archive_dates(self):
        live = self.snapshot.live
        return self.snapshot.date_start[live], self.snapshot.date_end[live]

    def corrected(self, raw_query):
        return suggest(self.snapshot, raw_query, self.request.query.tree, settings.ARCHIVE_LANGUAGES)
