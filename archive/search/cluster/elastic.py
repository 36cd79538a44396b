"""Our search, translated for Elasticsearch 8 / OpenSearch 2: the mapping we send and the
request bodies for a SearchRequest, related articles and word corrections.

Engine-neutral by construction: documents carry the terms our own analysis produced
(archive.search.document), in fields the engine only splits on whitespace, and queries
ask for the same forms. So a word, a phrase or a prefix matches in a cluster exactly what
it matches in Whoosh. Snippets are cut and marked from the database text by
archive.search.highlight for every engine (escaped first, then marked), so no
engine-side highlighter is asked for.
"""

from archive.search import query as q
from archive.search.analysis import analysed_as, fold, query_forms, query_forms_by_language
from archive.search.document import (
    TEXT_FIELD_BOOSTS,
    VECTOR_FIELD,
    VECTOR_STAMP_FIELD,
    date_number,
    text_fields,
)
from archive.search.facets import FACETS, NUMBER
from archive.search.semantic import DIMENSIONS

MAX_DATE_BUCKETS = 20_000  # distinct publication days (55 years); ends per day are few
KEYWORD_MAPPING = {"type": "keyword"}
# Only read back by index_doctor's scan (from _source), never searched.
CONTENT_HASH_MAPPING = {"type": "keyword", "index": False}


# "All languages" ranks by BM25 plus similarity of meaning. A k-NN match scores (1 + cos)/2
# (Elasticsearch's cosine, OpenSearch's Lucene cosinesimil), which e5 keeps within a narrow
# band; MEANING_BOOST lifts the nearest documents by about a strong word match. The
# MEANING_ADDS nearest join the hits when the query is plain words; otherwise the
# MEANING_RANKS nearest among the hits are lifted.
MEANING_BOOST = 10.0
MEANING_ADDS, MEANING_RANKS = 20, 100


def vector_mapping(engine):
    """The vector field: Elasticsearch's dense_vector, OpenSearch's knn_vector (HNSW in Lucene, cosine)."""
    if engine == "opensearch":
        method = {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}
        return {"type": "knn_vector", "dimension": DIMENSIONS, "method": method}
    return {"type": "dense_vector", "dims": DIMENSIONS, "index": True, "similarity": "cosine"}


def index_definition(engine="elasticsearch"):
    """Settings and mapping for a new index (PUT /<index>)."""
    terms = {"type": "text", "analyzer": "whitespace", "norms": True}
    properties = {
        "id": {"type": "keyword"},
        "pk": {"type": "long"},
        "title": terms,
        "text": terms,
        "author": terms,
        "date_start": {"type": "integer"},
        "date_end": {"type": "integer"},
        "date_oldest": {"type": "integer"},
        "dup_of": {"type": "long"},
        "updated": {"type": "long"},
        "content_hash": CONTENT_HASH_MAPPING,
        VECTOR_FIELD: vector_mapping(engine),
        VECTOR_STAMP_FIELD: {"type": "long"},
    }
    for facet in FACETS:
        properties[facet.field] = {"type": "integer"} if facet.kind == NUMBER else KEYWORD_MAPPING
    index = {"number_of_shards": 1, "number_of_replicas": 1, "max_result_window": 10_000}
    if engine == "opensearch":
        index["knn"] = True  # a static setting: an index made without it cannot take a knn_vector
    return {"settings": {"index": index}, "mappings": {"dynamic": "strict", "properties": properties}}


class Translator:
    """Our query tree → Elasticsearch query DSL. Filter values are resolved to the labels
    the index holds (actor aliases, source names) by the same resolver Whoosh uses."""

    def __init__(self, languages, resolver, notices=None, engine="elasticsearch"):
        self.languages = languages
        self.resolver = resolver
        self.notices = notices if notices is not None else []
        self.engine = engine
        self.meaning = None  # semantic.QueryMeaning of an "all languages" search that ranks by meaning

    def ranked_query(self, tree, filters):
        """The query of a search body: the words, and on OpenSearch their meaning beside them."""
        words = self.query(tree)
        if self.meaning is None or self.engine != "opensearch":
            return words
        knn = {VECTOR_FIELD: {**self._nearest(words, filters), "boost": MEANING_BOOST}}
        return {"bool": {"should": [words, {"knn": knn}], "minimum_should_match": 1}}

    def knn_section(self, tree, filters):
        """Elasticsearch's top-level knn: the nearest documents within the filters (and the
        words' hits when meaning only ranks), whose scores add to the words'."""
        if self.meaning is None or self.engine == "opensearch":
            return {}
        nearest = self._nearest(self.query(tree), filters)
        k = nearest.pop("k")
        return {
            "knn": {
                "field": VECTOR_FIELD,
                "query_vector": nearest.pop("vector"),
                "k": k,
                "num_candidates": max(100, 2 * k),
                "boost": MEANING_BOOST,
                **nearest,
            }
        }

    def _nearest(self, words, filters):
        within = list(filters) + ([] if self.meaning.adds_hits else [words])
        k = MEANING_ADDS if self.meaning.adds_hits else MEANING_RANKS
        nearest = {"vector": [float(x) for x in self.meaning.vector], "k": k}
        return {**nearest, "filter": {"bool": {"filter": within}}} if within else nearest

    def query(self, node):
        if isinstance(node, q.MatchAll):
            return {"match_all": {}}
        if isinstance(node, q.Term):
            return self._any(
                in_languages({"term": {field: {"value": form, "boost": TEXT_FIELD_BOOSTS.get(field, 1.0)}}}, languages)
                for field in text_fields(node.field)
                for form, languages in query_forms_by_language(node.word, self.languages).items()
            )
        if isinstance(node, q.Prefix):
            prefix = fold(node.prefix)
            return self._any({"prefix": {field: {"value": prefix}}} for field in text_fields(node.field))
        if isinstance(node, q.Phrase):
            return self._any(self._phrase(node, field) for field in text_fields(node.field))
        if isinstance(node, q.Filter):
            return self.filter(node.field, [node.value])
        if isinstance(node, q.DateRange):
            return date_overlap(node.start, node.end)
        if isinstance(node, q.Localised):
            with analysed_as(self, node.language):
                return self.query(node.child)
        if isinstance(node, q.Not):
            return {"bool": {"must_not": [self.query(node.child)]}}
        children = [self.query(child) for child in node.children]
        if isinstance(node, q.And):
            return {"bool": {"must": children}}
        return {"bool": {"should": children, "minimum_should_match": 1}}

    @staticmethod
    def _any(clauses):
        clauses = list(clauses)
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}

    def _phrase(self, node, field):
        steps = [
            {"span_or": {"clauses": [{"span_term": {field: form}} for form in query_forms(word, self.languages)]}}
            for word in node.words
        ]
        return {
            "span_near": {
                "clauses": steps,
                "slop": node.slop,
                "in_order": node.slop == 0,
                "boost": TEXT_FIELD_BOOSTS.get(field, 1.0),
            }
        }

    def filter(self, name, values):
        """Documents whose facet `name` has any of `values` (values of one facet combine with OR)."""
        if name == "date":
            return {"match_all": {}}
        facet = FACETS[name]
        if facet.numeric:
            return {"terms": {facet.field: facet.resolve(values, self.notices)}}
        return {"terms": {facet.field: self.resolver.resolve(name, values, self.notices)}}


def date_overlap(start, end):
    """Dated documents whose period overlaps [start, end] (the same rule as Whoosh's)."""
    clauses = [{"range": {"date_start": {"gt": 0}}}]
    if end is not None:
        clauses.append({"range": {"date_start": {"lte": date_number(end)}}})
    if start is not None:
        clauses.append({"range": {"date_end": {"gte": date_number(start)}}})
    return {"bool": {"filter": clauses}}


SORTS = {
    "relevance": [{"_score": "desc"}, {"date_start": "desc"}, {"pk": "desc"}],
    "newest": [{"date_start": "desc"}, {"pk": "desc"}],
    "oldest": [{"date_oldest": "asc"}, {"pk": "asc"}],
}


def request_filters(request, translator, hidden_copies=()):
    filters = {name: translator.filter(name, values) for name, values in request.filters.items() if values}
    if request.date_from or request.date_to:
        filters["date"] = date_overlap(request.date_from, request.date_to)
    if hidden_copies:
        filters["collapse"] = {"bool": {"must_not": [{"terms": {"pk": list(hidden_copies)}}]}}
    return filters


def dates_aggregation(clauses):
    """Each dated hit's (start, end) as terms buckets, for histograms with the Whoosh path's exactness."""
    return {
        "filter": {"bool": {"filter": [*clauses, {"range": {"date_start": {"gt": 0}}}]}},
        "aggs": {
            "starts": {
                "terms": {"field": "date_start", "size": MAX_DATE_BUCKETS},
                "aggs": {"ends": {"terms": {"field": "date_end", "size": 100}}},
            }
        },
    }


def summary_body(request, translator, hidden_copies=()):
    """Count, facets (each ignoring its own filter, as on the Whoosh path) and hit dates."""
    filters = request_filters(request, translator, hidden_copies)
    aggregations = {}
    for facet in FACETS.shown(request.filters):
        others = [clause for other, clause in filters.items() if other != facet.name]
        aggregations[facet.name] = {
            "filter": {"bool": {"filter": others}},
            "aggs": {"values": {"terms": {"field": facet.field, "size": facet.size, "min_doc_count": 1}}},
        }
    aggregations["dates"] = dates_aggregation(list(filters.values()))
    tree, clauses = request.query.tree, list(filters.values())
    return {
        "query": translator.ranked_query(tree, clauses),
        **translator.knn_section(tree, clauses),
        "post_filter": {"bool": {"filter": clauses}},
        "aggs": aggregations,
        "size": 0,
        "track_total_hits": True,
    }


def page_body(request, translator, start, size, hidden_copies=()):
    tree, clauses = request.query.tree, list(request_filters(request, translator, hidden_copies).values())
    return {
        "query": {"bool": {"must": [translator.ranked_query(tree, clauses)], "filter": clauses}},
        **translator.knn_section(tree, clauses),
        "sort": SORTS[request.checked_sort],
        "from": start,
        "size": size,
        "track_total_hits": False,
        "_source": ["pk"],
    }


def archive_dates_body():
    return {"query": {"match_all": {}}, "size": 0, "aggs": {"dates": dates_aggregation([])}}


def copies_body(request, translator):
    """The hits that republish another article: (their pk, the original's pk) pairs, to hide
    those whose original is among the hits too."""
    body = page_body(request, translator, 0, 10_000)
    body["query"]["bool"]["filter"].append({"range": {"dup_of": {"gt": 0}}})
    body["_source"] = ["pk", "dup_of"]
    body["sort"] = [{"pk": "asc"}]
    return body


def hits_among_body(request, translator, pks):
    body = page_body(request, translator, 0, len(pks))
    body["query"]["bool"]["filter"].append({"terms": {"pk": list(pks)}})
    body["sort"] = [{"pk": "asc"}]
    return body


def facet_counts(response, name):
    buckets = response.get("aggregations", {}).get(name, {}).get("values", {}).get("buckets", [])
    return [(bucket["key"], bucket["doc_count"]) for bucket in buckets]


def date_pairs(response):
    """[(start, end, count)] from a dates aggregation."""
    starts = response.get("aggregations", {}).get("dates", {}).get("starts", {}).get("buckets", [])
    return [
        (int(start["key"]), int(end["key"]), end["doc_count"])
        for start in starts
        for end in start.get("ends", {}).get("buckets", [])
    ]


def related_body(index, identifier, excluded_pks, limit):
    return {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": list(TEXT_FIELD_BOOSTS),
                            "like": [{"_index": index, "_id": identifier}],
                            "min_term_freq": 1,
                            "min_doc_freq": 1,
                            "max_query_terms": 15,
                        }
                    }
                ],
                "must_not": [{"terms": {"pk": list(excluded_pks)}}],
            }
        },
        "size": limit,
        "_source": ["pk"],
    }


def known_terms_body(forms):
    return {"query": {"terms": {"text": list(forms)}}, "size": 1, "_source": ["pk"], "track_total_hits": True}


def suggest_body(forms):
    """A term suggester per form of one word (index terms within two edits, the most used first)."""
    return {
        "size": 0,
        "suggest": {
            f"form{i}": {
                "text": form,
                "term": {"field": "text", "suggest_mode": "missing", "max_edits": 2, "min_word_length": 3, "size": 5},
            }
            for i, form in enumerate(forms)
        },
    }


def suggestions(response):
    """[(score, frequency, term)] of every option the suggester gave."""
    return [
        (option.get("score", 0.0), option.get("freq", 0), option["text"])
        for entries in response.get("suggest", {}).values()
        for entry in entries
        for option in entry.get("options", [])
    ]


def in_languages(clause, languages):
    """The clause, for texts in `languages` only (None: any): a stem stands for the word in its own language."""
    if languages is None:
        return clause
    return {"bool": {"must": [clause], "filter": [{"terms": {FACETS["lang"].field: sorted(languages)}}]}}


# Vectors (written by the embedding step, archive.search.semantic) ---------------------


def unembedded_body(size):
    """Documents that have no vector yet (a re-indexed document has lost its old one)."""
    return {
        "query": {"bool": {"must_not": [{"exists": {"field": VECTOR_STAMP_FIELD}}]}},
        "size": size,
        "sort": [{"pk": "asc"}],
        "_source": ["pk"],
    }


def embedded_count_body():
    return {"query": {"exists": {"field": VECTOR_STAMP_FIELD}}}


def vector_update(index, identifier, stamp, vector):
    """A bulk partial update: the vector and the stamp of the version embedded."""
    return {
        "_op_type": "update",
        "_index": index,
        "_id": identifier,
        "doc": {VECTOR_FIELD: [float(x) for x in vector], VECTOR_STAMP_FIELD: int(stamp)},
    }


def nearest_body(engine, vector, k, other_than_language):
    """The `k` documents nearest to `vector` in languages other than `other_than_language`, with their vectors."""
    other = {"bool": {"must_not": [{"term": {FACETS["lang"].field: other_than_language}}]}}
    vector = [float(x) for x in vector]
    body = {"size": k, "_source": ["pk", FACETS["lang"].field, VECTOR_FIELD]}
    if engine == "opensearch":
        return {**body, "query": {"knn": {VECTOR_FIELD: {"vector": vector, "k": k, "filter": other}}}}
    knn = {"field": VECTOR_FIELD, "query_vector": vector, "k": k, "num_candidates": max(100, 2 * k), "filter": other}
    return {**body, "knn": knn}


def languages_body():
    return {"size": 0, "aggs": {"languages": {"terms": {"field": FACETS["lang"].field, "size": 100}}}}


def language_sample_body(language, size):
    """Up to `size` vectors of one language's documents."""
    within = [{"term": {FACETS["lang"].field: language}}, {"exists": {"field": VECTOR_STAMP_FIELD}}]
    return {"query": {"bool": {"filter": within}}, "size": size, "_source": [VECTOR_FIELD]}
