"""Our search, translated for Solr (8/9): the schema we add through the Schema API and
the JSON Request API body for a SearchRequest.

Documents are the ones we send Elasticsearch (archive.search.cluster.elastic.document): terms
from our own analysis in whitespace-split fields, so matching is the same on every engine.
Filters are tagged and each facet excludes its own tag, so a facet's counts ignore its
own filter, as on the Whoosh path.
"""

from archive.search import query as q
from archive.search.analysis import analysed_as, fold, query_forms
from archive.search.cluster.elastic import FACET_SIZES, KEYWORD_FIELDS, TEXT_FIELD_BOOSTS, text_fields
from archive.search.whoosh.backend import date_number

LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/ ')


def schema_commands():
    """POST /<core>/schema: the field type and fields our documents use."""
    terms_type = {
        "name": "archive_terms",
        "class": "solr.TextField",
        "positionIncrementGap": "100",
        "analyzer": {"tokenizer": {"class": "solr.WhitespaceTokenizerFactory"}},
    }
    fields = [
        ("pk", "plong", False),
        ("title", "archive_terms", False),
        ("text", "archive_terms", False),
        ("author", "archive_terms", False),
        ("source", "string", False),
        ("kind", "string", False),
        ("lang", "string", False),
        ("actors", "string", True),
        ("date_start", "pint", False),
        ("date_end", "pint", False),
        ("date_oldest", "pint", False),
        ("year", "pint", False),
        ("month", "pint", False),
        ("dup_of", "plong", False),
        ("updated", "plong", False),
    ]
    return {
        "add-field-type": terms_type,
        "add-field": [
            {"name": name, "type": type_, "multiValued": multi, "stored": name == "pk", "indexed": True}
            for name, type_, multi in fields
        ],
    }


def escape(term):
    """A term safe inside a Lucene query string."""
    return "".join(f"\\{ch}" if ch in LUCENE_SPECIAL else ch for ch in term)


def lucene(text):
    return {"lucene": {"query": text}}


class Translator:
    """Our query tree → Solr JSON Query DSL."""

    def __init__(self, languages, resolver, notices=None):
        self.languages = languages
        self.resolver = resolver
        self.notices = notices if notices is not None else []

    def query(self, node):
        if isinstance(node, q.MatchAll):
            return lucene("*:*")
        if isinstance(node, q.Term):
            return self._any(
                lucene(f"{field}:{escape(form)}^{TEXT_FIELD_BOOSTS.get(field, 1.0):g}")
                for field in text_fields(node.field)
                for form in query_forms(node.word, self.languages)
            )
        if isinstance(node, q.Prefix):
            return self._any({"prefix": {"f": field, "query": fold(node.prefix)}} for field in text_fields(node.field))
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
            return {"bool": {"must": [lucene("*:*")], "must_not": [self.query(node.child)]}}
        children = [self.query(child) for child in node.children]
        return {"bool": {"must" if isinstance(node, q.And) else "should": children}}

    @staticmethod
    def _any(clauses):
        clauses = list(clauses)
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}

    def _phrase(self, node, field):
        # complexphrase allows alternatives inside a phrase: each word may have several forms.
        steps = []
        for word in node.words:
            forms = [escape(form) for form in query_forms(word, self.languages)]
            steps.append(forms[0] if len(forms) == 1 else f"({' OR '.join(forms)})")
        text = f'{field}:"{" ".join(steps)}"~{node.slop}^{TEXT_FIELD_BOOSTS[field]:g}'
        return {"complexphrase": {"query": text, "inOrder": node.slop == 0}}

    def filter(self, field, values):
        if field in {"year", "month"}:
            numbers = [str(int(value)) for value in values if str(value).isdigit()]
            return {"terms": {"f": field, "query": ",".join(numbers) or "-1"}}
        if field == "date":
            return lucene("*:*")
        resolved = self.resolver.resolve(field, values, self.notices)
        # terms splits on commas; our labels (slugs, codes) never hold one.
        return {"terms": {"f": KEYWORD_FIELDS[field], "query": ",".join(resolved) or "\u0000"}}


def date_overlap(start, end):
    upper = date_number(end) if end is not None else "*"
    lower = date_number(start) if start is not None else "*"
    return {"bool": {"filter": [lucene(f"date_start:[1 TO {upper}]"), lucene(f"date_end:[{lower} TO *]")]}}


SORTS = {
    "relevance": "score desc, date_start desc, pk desc",
    "newest": "date_start desc, pk desc",
    "oldest": "date_oldest asc, pk asc",
}


def search_body(request, translator, facet_fields, start=0, size=20):
    """POST /<core>/query body: query, tagged filters, facets excluding their own tag, histogram."""
    filters = {name: translator.filter(name, values) for name, values in request.filters.items() if values}
    if request.date_from or request.date_to:
        filters["date"] = date_overlap(request.date_from, request.date_to)
    facets = {}
    for name in facet_fields:
        if name == "month" and len(request.filters.get("year", [])) != 1:
            continue
        facets[name] = {
            "type": "terms",
            "field": KEYWORD_FIELDS.get(name, name),
            "limit": FACET_SIZES.get(name, 100),
            "mincount": 1,
            "domain": {"excludeTags": [name]},
        }
    facets["histogram"] = {
        "type": "terms",
        "field": "month",
        "limit": -1,
        "mincount": 1,
        "sort": "index asc",
        "domain": {"filter": "date_start:[1 TO *]"},
    }
    return {
        "query": translator.query(request.query.tree),
        "filter": [{f"#{name}": clause} for name, clause in filters.items()],
        "facet": facets,
        "sort": SORTS.get(request.sort, SORTS["relevance"]),
        "offset": start,
        "limit": size,
        "fields": "pk",
        "params": {"q.op": "AND"},
    }
