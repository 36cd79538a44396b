"""Our search, translated for Solr 9: the schema and config we add through the Schema and
Config APIs and the JSON Request API bodies for a SearchRequest.

Documents are the ones every engine indexes (archive.search.document): terms from our
own analysis in whitespace-split fields, so matching is the same on every engine.
Filters are tagged and each facet excludes its own tag, so a facet's counts ignore its
own filter, as on the Whoosh path.
"""

from archive.search import query as q
from archive.search.analysis import analysed_as, fold, query_forms, query_forms_by_language
from archive.search.document import TEXT_FIELD_BOOSTS, VECTOR_FIELD, VECTOR_STAMP_FIELD, date_number, text_fields
from archive.search.facets import FACETS, KEYWORDS, NUMBER
from archive.search.semantic import DIMENSIONS

LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/ ')
SPELL_HANDLER = "/archive-spell"
MAX_DATE_BUCKETS = 20_000
# What a cursor reads back (ids, index_doctor's versions, vectors), and the text fields: the
# indexer adds a vector by an atomic update, which rebuilds the document from its stored
# (or docValues) fields, so a text field not stored would be lost.
STORED_FIELDS = {"pk", "dup_of", "updated", "content_hash", "title", "text", "author", VECTOR_FIELD, VECTOR_STAMP_FIELD}
VECTOR_TYPE = {
    "name": "archive_vector",
    "class": "solr.DenseVectorField",
    "vectorDimension": DIMENSIONS,
    "similarityFunction": "cosine",
}
# "All languages": the words' score plus MEANING_BOOST × the k-NN score ((1 + cos)/2) of
# the topK nearest documents (see elastic.py). Solr's knn clause inside a boolean query
# finds the nearest in the whole collection, then the filters apply.
MEANING_BOOST = 10.0
MEANING_ADDS, MEANING_RANKS = 20, 100


def schema_commands():
    """POST /<collection>/schema: the field type and fields our documents use."""
    terms_type = {
        "name": "archive_terms",
        "class": "solr.TextField",
        "positionIncrementGap": "100",
        "analyzer": {"tokenizer": {"class": "solr.WhitespaceTokenizerFactory"}},
    }
    return {"add-field-type": [terms_type, VECTOR_TYPE], "add-field": field_definitions()}


def field_definitions():
    """Every field of our documents, as the Schema API's add-field takes them."""
    fields = [
        ("pk", "plong", False),
        ("title", "archive_terms", False),
        ("text", "archive_terms", False),
        ("author", "archive_terms", False),
        ("date_start", "pint", False),
        ("date_end", "pint", False),
        ("date_oldest", "pint", False),
        ("dup_of", "plong", False),
        ("updated", "plong", False),
        ("content_hash", "string", False),
        (VECTOR_FIELD, VECTOR_TYPE["name"], False),
        (VECTOR_STAMP_FIELD, "plong", False),
    ]
    fields += [(facet.field, "pint" if facet.kind == NUMBER else "string", facet.kind == KEYWORDS) for facet in FACETS]
    return [
        {
            "name": name,
            "type": type_,
            "multiValued": multi,
            "stored": name in STORED_FIELDS,
            "indexed": True,
            # More-like-this reads an article's terms from its term vectors.
            "termVectors": name in TEXT_FIELD_BOOSTS,
        }
        for name, type_, multi in fields
    ]


def config_commands():
    """POST /<collection>/config: a spellchecker over our text terms and a handler that asks it."""
    return {
        "add-searchcomponent": {
            "name": "archive_spellcheck",
            "class": "solr.SpellCheckComponent",
            "spellchecker": {
                "name": "archive",
                "field": "text",
                "classname": "solr.DirectSolrSpellChecker",
                "maxEdits": 2,
                "minQueryLength": 3,
            },
        },
        "add-requesthandler": {
            "name": SPELL_HANDLER,
            "class": "solr.SearchHandler",
            "defaults": {"spellcheck": "true", "spellcheck.dictionary": "archive", "spellcheck.count": 5, "rows": 0},
            "last-components": ["archive_spellcheck"],
        },
    }


def escape(term):
    """A term safe inside a Lucene query string."""
    return "".join(f"\\{ch}" if ch in LUCENE_SPECIAL else ch for ch in str(term))


def lucene(text):
    return {"lucene": {"query": text}}


class Translator:
    """Our query tree → Solr JSON Query DSL."""

    def __init__(self, languages, resolver, notices=None):
        self.languages = languages
        self.resolver = resolver
        self.notices = notices if notices is not None else []
        self.meaning = None  # semantic.QueryMeaning of an "all languages" search that ranks by meaning

    def ranked_query(self, tree):
        """The query of a search body: the words, and with their meaning the nearest documents beside them."""
        words = self.query(tree)
        if self.meaning is None:
            return words
        top_k = MEANING_ADDS if self.meaning.adds_hits else MEANING_RANKS
        vector = "[" + ",".join(f"{x:.6f}" for x in self.meaning.vector) + "]"
        nearest = {
            "boost": {"b": f"{MEANING_BOOST:g}", "query": {"knn": {"f": VECTOR_FIELD, "topK": top_k, "query": vector}}}
        }
        if self.meaning.adds_hits:
            return {"bool": {"should": [words, nearest]}}
        return {"bool": {"must": [words], "should": [nearest]}}

    def query(self, node):
        if isinstance(node, q.MatchAll):
            return lucene("*:*")
        if isinstance(node, q.Term):
            return self._any(
                in_languages(lucene(f"{field}:{escape(form)}^{TEXT_FIELD_BOOSTS.get(field, 1.0):g}"), languages)
                for field in text_fields(node.field)
                for form, languages in query_forms_by_language(node.word, self.languages).items()
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
        text = f'{field}:"{" ".join(steps)}"~{node.slop}^{TEXT_FIELD_BOOSTS.get(field, 1.0):g}'
        return {"complexphrase": {"query": text, "inOrder": node.slop == 0}}

    def filter(self, name, values):
        if name == "date":
            return lucene("*:*")
        facet = FACETS[name]
        if facet.numeric:
            resolved = [str(number) for number in facet.resolve(values, self.notices)]
            return {"terms": {"f": facet.field, "query": ",".join(resolved) or "-1"}}
        resolved = self.resolver.resolve(name, values, self.notices)
        # terms splits on commas; our labels (slugs, codes) never hold one.
        return {"terms": {"f": facet.field, "query": ",".join(resolved) or "\u0000"}}


def date_overlap(start, end):
    upper = date_number(end) if end is not None else "*"
    lower = date_number(start) if start is not None else "*"
    return {"bool": {"filter": [lucene(f"date_start:[1 TO {upper}]"), lucene(f"date_end:[{lower} TO *]")]}}


SORTS = {
    "relevance": "score desc, date_start desc, pk desc",
    "newest": "date_start desc, pk desc",
    "oldest": "date_oldest asc, pk asc",
}


def request_filters(request, translator, hidden_copies=()):
    filters = {name: translator.filter(name, values) for name, values in request.filters.items() if values}
    if request.date_from or request.date_to:
        filters["date"] = date_overlap(request.date_from, request.date_to)
    if hidden_copies:
        hidden = ",".join(str(pk) for pk in hidden_copies)
        filters["collapse"] = {"bool": {"must": [lucene("*:*")], "must_not": [{"terms": {"f": "pk", "query": hidden}}]}}
    return [{f"#{name}": clause} for name, clause in filters.items()]


def dates_facet():
    return {
        "type": "terms",
        "field": "date_start",
        "limit": MAX_DATE_BUCKETS,
        "mincount": 1,
        "facet": {"ends": {"type": "terms", "field": "date_end", "limit": 100, "mincount": 1}},
        "domain": {"filter": "date_start:[1 TO *]"},
    }


def summary_body(request, translator, hidden_copies=()):
    """Count, facets excluding their own tag, and the hits' (start, end) dates."""
    facets = {
        facet.name: {
            "type": "terms",
            "field": facet.field,
            "limit": facet.size,
            "mincount": 1,
            "domain": {"excludeTags": [facet.name]},
        }
        for facet in FACETS.shown(request.filters)
    }
    facets["dates"] = dates_facet()
    return {
        "query": translator.ranked_query(request.query.tree),
        "filter": request_filters(request, translator, hidden_copies),
        "facet": facets,
        "limit": 0,
        "params": {"q.op": "AND"},
    }


def page_body(request, translator, start, size, hidden_copies=()):
    return {
        "query": translator.ranked_query(request.query.tree),
        "filter": request_filters(request, translator, hidden_copies),
        "sort": SORTS[request.checked_sort],
        "offset": start,
        "limit": size,
        "fields": "pk",
        "params": {"q.op": "AND"},
    }


def cursor_body(request, translator, size, cursor, hidden_copies=()):
    """A page of a cursorMark walk: the sort ends with the unique key, as cursors require."""
    body = page_body(request, translator, 0, size, hidden_copies)
    body["sort"] += ", id asc"
    body["params"]["cursorMark"] = cursor
    return body


def archive_dates_body():
    return {"query": "*:*", "limit": 0, "facet": {"dates": dates_facet()}}


def copies_body(request, translator):
    body = page_body(request, translator, 0, 10_000)
    body["filter"].append({"#copies": lucene("dup_of:[1 TO *]")})
    body.update(fields="pk,dup_of", sort="pk asc")
    return body


def hits_among_body(request, translator, pks):
    body = page_body(request, translator, 0, len(pks))
    body["filter"].append({"#among": {"terms": {"f": "pk", "query": ",".join(str(pk) for pk in pks)}}})
    body["sort"] = "pk asc"
    return body


def facet_counts(response, name):
    buckets = response.get("facets", {}).get(name, {}).get("buckets", [])
    return [(bucket["val"], bucket["count"]) for bucket in buckets]


def date_pairs(response):
    starts = response.get("facets", {}).get("dates", {}).get("buckets", [])
    return [
        (int(start["val"]), int(end["val"]), end["count"])
        for start in starts
        for end in start.get("ends", {}).get("buckets", [])
    ]


def related_body(identifier, excluded_pks, limit):
    excluded = " ".join(str(pk) for pk in excluded_pks)
    return {
        "query": f"{{!mlt qf=title,text mintf=1 mindf=1 maxqt=15}}{identifier}",
        "filter": [f"-pk:({excluded})"],
        "limit": limit,
        "fields": "pk",
    }


def known_terms_body(forms):
    return {"query": {"terms": {"f": "text", "query": ",".join(forms)}}, "limit": 0}


def suggestions(response):
    """[(0, frequency or 0, term)] of every suggestion (flat or map JSON named lists)."""
    listed = response.get("spellcheck", {}).get("suggestions", [])
    entries = listed.values() if isinstance(listed, dict) else listed[1::2]
    found = []
    for entry in entries:
        for option in entry.get("suggestion", []):
            word, frequency = (option["word"], option.get("freq", 0)) if isinstance(option, dict) else (option, 0)
            found.append((0.0, frequency, word))
    return found


def in_languages(clause, languages):
    """The clause, for texts in `languages` only (None: any): a stem stands for the word in its own language."""
    if languages is None:
        return clause
    return {
        "bool": {
            "must": [clause],
            "filter": [{"terms": {"f": FACETS["lang"].field, "query": ",".join(sorted(languages))}}],
        }
    }


# Vectors (written by the embedding step, archive.search.semantic) ---------------------


def unembedded_body(size):
    return {
        "query": "*:*",
        "filter": [f"-{VECTOR_STAMP_FIELD}:[* TO *]"],
        "fields": "pk",
        "sort": "pk asc",
        "limit": size,
    }


def embedded_count_body():
    return {"query": f"{VECTOR_STAMP_FIELD}:[* TO *]", "limit": 0}


def vector_update(identifier, stamp, vector):
    """An atomic update of the vector fields; _version_ 1: only if the document still exists."""
    return {
        "id": identifier,
        "_version_": 1,
        VECTOR_FIELD: {"set": [float(x) for x in vector]},
        VECTOR_STAMP_FIELD: {"set": int(stamp)},
    }


def held_vectors_body(identifiers):
    return {
        "query": {"terms": {"f": "id", "query": ",".join(identifiers)}},
        "fields": f"id,{VECTOR_FIELD},{VECTOR_STAMP_FIELD}",
        "limit": len(identifiers),
    }


def vector_text(vector):
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


def nearest_body(vector, k, other_than_language):
    """The knn parser as the main query: Solr pre-filters it with the filters (fq)."""
    return {
        "query": {"knn": {"f": VECTOR_FIELD, "topK": k, "query": vector_text(vector)}},
        "filter": [f"-{FACETS['lang'].field}:{escape(other_than_language)}"],
        "fields": f"pk,{FACETS['lang'].field},{VECTOR_FIELD}",
        "limit": k,
    }


def languages_body():
    return {"query": "*:*", "limit": 0, "facet": {"languages": {"type": "terms", "field": FACETS["lang"].field}}}


def language_sample_body(language, size):
    return {
        "query": "*:*",
        "filter": [f"{FACETS['lang'].field}:{escape(language)}", f"{VECTOR_STAMP_FIELD}:[* TO *]"],
        "fields": VECTOR_FIELD,
        "limit": size,
    }
