"""Our search, translated for Elasticsearch 7 / OpenSearch: the mapping we send, the
documents we index, and the request body for a SearchRequest.

Engine-neutral by construction: documents carry the terms our own analysis produced
(archive.search.analysis: per-language stemming, diacritics folded), in fields the engine
only splits on whitespace, and queries ask for the same forms. So a word, a phrase or a
prefix matches in a cluster exactly what it matches in Whoosh. Snippets are cut and
marked from the database text by archive.search.highlight for every engine (escaped
first, then marked), so no engine-side highlighter is asked for.
"""

from archive.search import query as q
from archive.search.analysis import analysed_as, fold, query_forms
from archive.search.whoosh.backend import date_number, whoosh_document

TEXT_FIELD_BOOSTS = {"title": 3.0, "text": 1.0}
KEYWORD_FIELDS = {"source": "source", "kind": "kind", "lang": "lang", "actor": "actors"}
FACET_SIZES = {"source": 200, "kind": 20, "lang": 50, "actor": 500, "year": 200, "month": 12}
UNDATED_LAST = 99_999_999


def index_definition():
    """Settings and mapping for the index (PUT /<index>)."""
    terms = {"type": "text", "analyzer": "whitespace", "norms": True}
    return {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 1, "max_result_window": 10_000}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": {"type": "keyword"},
                "pk": {"type": "long"},
                "title": terms,
                "text": terms,
                "author": terms,
                "source": {"type": "keyword"},
                "kind": {"type": "keyword"},
                "lang": {"type": "keyword"},
                "actors": {"type": "keyword"},
                "date_start": {"type": "integer"},
                "date_end": {"type": "integer"},
                "date_oldest": {"type": "integer"},
                "year": {"type": "integer"},
                "month": {"type": "integer"},
                "dup_of": {"type": "long"},
                "updated": {"type": "long"},
            },
        },
    }


def document(prepared):
    """One article as the cluster stores it: our Whoosh document plus the derived date columns."""
    fields = whoosh_document(prepared)
    fields["actors"] = [slug for slug in fields["actors"].split(",") if slug]
    start = fields["date_start"]
    fields.update(year=start // 10000, month=start // 100, date_oldest=start or UNDATED_LAST)
    return fields


class Translator:
    """Our query tree → Elasticsearch query DSL. Filter values are resolved to the labels
    the index holds (actor aliases, source names) by the same resolver Whoosh uses."""

    def __init__(self, languages, resolver, notices=None):
        self.languages = languages
        self.resolver = resolver
        self.notices = notices if notices is not None else []

    def query(self, node):
        if isinstance(node, q.MatchAll):
            return {"match_all": {}}
        if isinstance(node, q.Term):
            return self._any(
                {"term": {field: {"value": form, "boost": TEXT_FIELD_BOOSTS.get(field, 1.0)}}}
                for field in text_fields(node.field)
                for form in query_forms(node.word, self.languages)
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
                "boost": TEXT_FIELD_BOOSTS[field],
            }
        }

    def filter(self, field, values):
        """Documents whose `field` has any of `values` (values of one facet combine with OR)."""
        if field in {"year", "month"}:
            return {"terms": {field: [int(value) for value in values if str(value).isdigit()]}}
        if field == "date":
            return {"match_all": {}}
        return {"terms": {KEYWORD_FIELDS[field]: self.resolver.resolve(field, values, self.notices)}}


def text_fields(field):
    return {"title": ["title"], "author": ["author"]}.get(field, ["title", "text"])


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


def search_body(request, translator, facet_fields, start=0, size=20):
    """The whole request for one page: query, filters, facets (each ignoring its own
    filter, as the Whoosh path does), the year/month histogram and the sort."""
    filters = {name: translator.filter(name, values) for name, values in request.filters.items() if values}
    if request.date_from or request.date_to:
        filters["date"] = date_overlap(request.date_from, request.date_to)
    aggregations = {}
    for name in facet_fields:
        if name == "month" and len(request.filters.get("year", [])) != 1:
            continue
        others = [clause for other, clause in filters.items() if other != name]
        field = KEYWORD_FIELDS.get(name, name)
        aggregations[name] = {
            "filter": {"bool": {"filter": others}},
            "aggs": {"values": {"terms": {"field": field, "size": FACET_SIZES.get(name, 100), "min_doc_count": 1}}},
        }
    aggregations["histogram"] = {
        "filter": {"bool": {"filter": [*filters.values(), {"range": {"date_start": {"gt": 0}}}]}},
        "aggs": {"months": {"histogram": {"field": "month", "interval": 1, "min_doc_count": 1}}},
    }
    sort = request.sort if request.sort in SORTS else "relevance"
    return {
        "query": translator.query(request.query.tree),
        "post_filter": {"bool": {"filter": list(filters.values())}},
        "aggs": aggregations,
        "sort": SORTS[sort],
        "from": start,
        "size": size,
        "track_total_hits": True,
        "_source": ["pk"],
    }


def facet_counts(response, name):
    """[(value, count)] most frequent first, as archive.search.whoosh.searcher.facet_counts gives."""
    buckets = response.get("aggregations", {}).get(name, {}).get("values", {}).get("buckets", [])
    counts = [(bucket["key"], bucket["doc_count"]) for bucket in buckets]
    if name in {"year", "month"}:
        return sorted(counts, reverse=True)
    return sorted(counts, key=lambda item: (-item[1], item[0]))


def histogram(response):
    """[(yyyymm, count)] in date order."""
    return [
        (int(bucket["key"]), bucket["doc_count"])
        for bucket in response["aggregations"]["histogram"]["months"]["buckets"]
    ]
