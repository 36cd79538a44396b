"""Search results from a cluster, keeping archive.search.results' contract: count, facets
and hit dates from one aggregation request, pages by from/size, exports streamed to the
end (point-in-time + search_after, or cursorMark), did-you-mean from the engine's own
suggester, and snippets cut from the database text as on every engine."""

import numpy as np
from django.conf import settings

from archive.search import query as q
from archive.search import semantic
from archive.search.analysis import query_forms
from archive.search.cluster import elastic, solr
from archive.search.cluster.stories import one_per_story
from archive.search.facets import FACETS
from archive.search.resolve import DatabaseResolver
from archive.search.results import Results
from archive.search.spelling import correctable, corrected_query, spelled_in_article


class ResolvedOnce:
    """A resolver that resolves each (facet, values) once per search, so the summary and
    each page do not repeat its notices."""

    def __init__(self, resolver):
        self.resolver = resolver
        self.known = {}

    def resolve(self, field, values, notices):
        key = (field, tuple(values))
        if key not in self.known:
            self.known[key] = self.resolver.resolve(field, values, notices)
        return self.known[key]


def translator_for(cluster, notices, resolver=None):
    resolved = ResolvedOnce(resolver or DatabaseResolver())
    if cluster.engine == "solr":
        return solr.Translator(settings.ARCHIVE_LANGUAGES, resolved, notices)
    return elastic.Translator(settings.ARCHIVE_LANGUAGES, resolved, notices, cluster.engine)


def meaning_for(request, cluster, notices):
    """The query's meaning for an "all languages" search (None without the model, or an
    index that cannot hold vectors); says on `notices` what it could not do."""
    meaning = semantic.query_meaning(request, notices)
    if meaning is None:
        return None
    cluster.add_missing_fields()  # once per process: finds out whether the index can hold vectors
    if not cluster.vectors_ready:
        notices.append(
            f"All languages: searched the concept registry only; this {cluster.engine} index was made before it "
            "held vectors (rebuild it with rebuild_search_index)."
        )
        return None
    semantic.coverage_notice(cluster.embedded_count(), cluster.count(), notices)
    return meaning


def _repeated(pairs):
    counts = [count for _, _, count in pairs]
    starts = np.repeat(np.array([start for start, _, _ in pairs], dtype=np.int64), counts)
    ends = np.repeat(np.array([end for _, end, _ in pairs], dtype=np.int64), counts)
    return starts, ends


class ClusterResults(Results):
    def __init__(self, request, engine, cluster):
        super().__init__(request, engine)
        self.cluster = cluster
        self.translator = translator_for(cluster, self.notices)
        self.translator.meaning = meaning_for(request, cluster, self.notices)
        self.hidden = self._copies_of_hits() if request.collapse_duplicates else ()
        self.count, counts, self.dates = cluster.summary(request, self.translator, self.hidden)
        for facet in FACETS:
            if facet.numeric and facet.name in counts:
                counts[facet.name] = [(int(value), count) for value, count in counts[facet.name]]
        self.facets = self.ordered_facets(counts)
        self.finished()

    def _copies_of_hits(self):
        """Hits that republish an article that is itself among the hits (the Whoosh rule)."""
        copies = self.cluster.copies(self.request, self.translator)
        originals = self.cluster.hits_among(self.request, self.translator, sorted({dup for _, dup in copies}))
        return sorted(pk for pk, dup in copies if dup in originals)

    def page_pks(self, start, stop):
        if not (self.request.collapse_stories and semantic.available() and self.cluster.vectors_ready):
            return self.cluster.page_pks(self.request, self.translator, start, stop - start, self.hidden)
        # Retellings are dropped from a longer list, so a page still holds a page of stories.
        docs = self.cluster.ranked_docs(self.request, self.translator, 0, 3 * stop, self.hidden)
        return one_per_story(self.cluster, docs)[start:stop]

    def iter_pks(self, limit):
        return self.cluster.iter_pks(self.request, self.translator, limit, self.hidden)

    def hit_dates(self):
        starts, ends = _repeated(self.dates)
        undated = np.zeros(max(self.count - len(starts), 0), dtype=np.int64)  # counted apart by the histogram
        return np.concatenate([starts, undated]), np.concatenate([ends, undated])

    def archive_dates(self):
        return _repeated(self.cluster.archive_date_pairs())

    def corrected(self, raw_query):
        corrections = {}
        for word in {word for word in q.text_words(self.request.query.tree) if correctable(word)}:
            forms = query_forms(word, settings.ARCHIVE_LANGUAGES)
            if self.cluster.first_pk_with(forms) is not None:
                continue  # the index knows the word
            options = self.cluster.suggestions(forms)
            if options:
                term = max(options)[2]  # the best scored, then the most used
                pk = self.cluster.first_pk_with([term])
                corrections[word] = spelled_in_article(pk, term) if pk is not None else term
        return corrected_query(raw_query, corrections)
