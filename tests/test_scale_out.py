"""Scale-out engines without a server: SEARCH_URL parsing, the mapping and schema we send,
and our queries, filters and facets translated into Elasticsearch/OpenSearch and Solr requests."""

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from archive.search.cluster import elastic, solr
from archive.search.cluster.client import ClusterSettings
from archive.search.config import haystack_connections
from archive.search.document import UNDATED_LAST, VECTOR_FIELD, VECTOR_STAMP_FIELD, indexed_document
from archive.search.facets import FACETS
from archive.search.query import parse_query
from archive.search.request import SearchRequest

LANGUAGES = ["en", "ru"]


class FakeResolver:
    """Resolution of labels is tested with the database elsewhere; here it is the identity."""

    def resolve(self, field, values, notices):
        return [str(value).lower() for value in values]


def es(text):
    return elastic.Translator(LANGUAGES, FakeResolver()).query(parse_query(text).tree)


def solr_query(text):
    return solr.Translator(LANGUAGES, FakeResolver()).query(parse_query(text).tree)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("elasticsearch://es.internal:9200/archive", {"engine": "elasticsearch", "hosts": [("es.internal", 9200)]}),
        ("opensearch://search:9201/press?tls=1&verify=0", {"engine": "opensearch", "name": "press", "tls": True,
                                                           "verify": False}),
        ("elasticsearch://elastic:s%3Acret@a:9200,b/archive?api_key=KEY&timeout=3&retries=5&ca=/etc/ca.pem",
         {"hosts": [("a", 9200), ("b", 9200)], "username": "elastic", "password": "s:cret", "api_key": "KEY",
          "timeout": 3.0, "retries": 5, "ca": "/etc/ca.pem"}),
        ("solr://solr.internal/solr/archive", {"engine": "solr", "hosts": [("solr.internal", 8983)], "name": "archive",
                                              "solr_path": "solr"}),
    ],
)  # fmt: skip
def test_search_url_names_the_engine_its_hosts_auth_tls_and_retries(url, expected):
    settings = ClusterSettings.from_search_url(url)
    assert {name: getattr(settings, name) for name in expected} == expected
    assert haystack_connections(url)["default"]["SEARCH_URL"] == url


def test_whoosh_urls_name_no_cluster():
    assert ClusterSettings.from_search_url("whoosh:///srv/index") is None
    assert haystack_connections("whoosh:///srv/index")["default"]["PATH"] == "/srv/index"


@pytest.mark.parametrize("url", ["elasticsearch://host-only", "ftp://x/y", "whoosh://"])
def test_a_bad_search_url_says_what_is_wrong(url):
    with pytest.raises(ImproperlyConfigured, match="SEARCH_URL"):
        haystack_connections(url)


def test_the_mapping_is_strict_and_holds_every_field_of_the_indexed_document():
    mapping = elastic.index_definition()["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["text"]["analyzer"] == "whitespace"
    assert mapping["properties"]["actors"]["type"] == "keyword"
    document = indexed_document(
        {
            "id": "archive.article.7",
            "django_id": "7",
            "title": "Ministers' statements",
            "text": "Мининдел России",
            "language": "ru",
            "actors": ["nato", "sergey-lavrov"],
            "date_start": datetime.date(2021, 12, 1),
            "date_end": datetime.date(2021, 12, 31),
        }
    )
    # Nothing the strict mapping would refuse; the vector fields are added later by the indexer.
    assert set(document) == set(mapping["properties"]) - {VECTOR_FIELD, VECTOR_STAMP_FIELD}
    assert document["actors"] == ["nato", "sergey-lavrov"] and document["month"] == 202112
    assert document["date_oldest"] == 20211201


def test_undated_articles_sort_last_when_oldest_first():
    assert indexed_document({"id": "a", "django_id": "1"})["date_oldest"] == UNDATED_LAST


def without_language_filter(clause):
    """A term clause, with the filter to the languages whose stemmer made its form taken off."""
    return clause["bool"]["must"][0] if "bool" in clause else clause


def test_a_word_asks_for_every_stemmed_form_in_title_and_text():
    clauses = es("sanctions")["bool"]["should"]
    terms = [without_language_filter(clause) for clause in clauses]
    assert {"term": {"title": {"value": "sanction", "boost": 3.0}}} in terms
    assert {"term": {"text": {"value": "sanction", "boost": 1.0}}} in terms
    assert all(term["term"].keys() <= {"title", "text"} for term in terms)
    # The stem is asked for in the languages that make it only; the word as written, anywhere.
    stem = next(
        clause
        for clause in clauses
        if without_language_filter(clause)["term"].get("title", {}).get("value") == "sanction"
    )
    assert "en" in stem["bool"]["filter"][0]["terms"]["lang"]
    assert {"term": {"title": {"value": "sanctions", "boost": 3.0}}} in clauses


def test_boolean_structure_is_kept():
    tree = es("(nato OR eu) AND russia -china")
    must = tree["bool"]["must"]
    assert must[0]["bool"]["minimum_should_match"] == 1
    assert "must_not" in must[-1]["bool"]


def test_phrases_become_span_queries_with_slop_and_order():
    exact = es('"arms control"')["bool"]["should"][0]["span_near"]
    assert exact["slop"] == 0 and exact["in_order"] is True and exact["boost"] == 3.0
    assert exact["clauses"][0]["span_or"]["clauses"][0] == {"span_term": {"title": "arm"}}
    near = es('"baltic security"~5')["bool"]["should"][1]["span_near"]
    assert near["slop"] == 5 and near["in_order"] is False


def test_prefix_is_folded_and_filters_use_keyword_fields():
    assert es("Mîndru*")["bool"]["should"][0] == {"prefix": {"title": {"value": "mindru"}}}
    assert es("actor:NATO") == {"terms": {"actors": ["nato"]}}
    assert es("year:2021") == {"terms": {"year": [2021]}}


def test_date_ranges_overlap_like_whoosh():
    clauses = es("date:[2021-11 TO 2022-02]")["bool"]["filter"]
    assert {"range": {"date_start": {"lte": 20220228}}} in clauses
    assert {"range": {"date_end": {"gte": 20211101}}} in clauses


def test_the_summary_body_counts_facets_without_their_own_filter_and_every_hit_date():
    request = SearchRequest(query=parse_query("nato"), filters={"lang": ["en"], "year": ["2021"]}, sort="newest")
    body = elastic.summary_body(request, elastic.Translator(LANGUAGES, FakeResolver()))
    assert body["post_filter"]["bool"]["filter"] == [{"terms": {"lang": ["en"]}}, {"terms": {"year": [2021]}}]
    assert body["aggs"]["lang"]["filter"]["bool"]["filter"] == [{"terms": {"year": [2021]}}]
    assert "month" in body["aggs"]  # one year chosen: its months are a facet
    assert body["aggs"]["dates"]["aggs"]["starts"]["aggs"]["ends"]["terms"]["field"] == "date_end"
    page = elastic.page_body(request, elastic.Translator(LANGUAGES, FakeResolver()), 40, 20)
    assert page["sort"][0] == {"date_start": "desc"} and page["from"] == 40
    json.dumps(body)  # the body is plain JSON


def test_facet_counts_and_hit_dates_are_read_back():
    response = {
        "aggregations": {
            "source": {"values": {"buckets": [{"key": "b", "doc_count": 2}, {"key": "a", "doc_count": 2}]}},
            "dates": {"starts": {"buckets": [{"key": 20211103, "doc_count": 3, "ends": {"buckets": [
                {"key": 20211103, "doc_count": 2}, {"key": 20211130, "doc_count": 1}]}}]}},
        }
    }  # fmt: skip
    assert elastic.facet_counts(response, "source") == [("b", 2), ("a", 2)]
    assert FACETS["source"].ordered(elastic.facet_counts(response, "source")) == [("a", 2), ("b", 2)]
    assert elastic.date_pairs(response) == [(20211103, 20211103, 2), (20211103, 20211130, 1)]


def test_solr_schema_and_queries():
    commands = solr.schema_commands()
    terms, vector = commands["add-field-type"]
    assert terms["analyzer"]["tokenizer"]["class"] == "solr.WhitespaceTokenizerFactory"
    assert vector["class"] == "solr.DenseVectorField"
    actors = next(field for field in commands["add-field"] if field["name"] == "actors")
    assert actors["type"] == "string" and actors["multiValued"] is True
    should = solr_query("sanctions")["bool"]["should"]
    assert {"lucene": {"query": "title:sanction^3"}} in [without_language_filter(clause) for clause in should]
    assert {"lucene": {"query": "title:sanctions^3"}} in should
    phrase = solr_query('"arms control"~2')["bool"]["should"][0]["complexphrase"]
    assert phrase["query"].startswith('title:"') and phrase["query"].endswith('"~2^3') and not phrase["inOrder"]


def test_solr_escapes_what_a_user_typed():
    assert solr.escape('a:b"c') == 'a\\:b\\"c'
    clause = solr_query("title:c++")  # the parser keeps letters; nothing reaches Lucene unescaped
    assert "+" not in json.dumps(clause).replace("\\\\+", "")


def test_solr_body_tags_filters_and_facets_exclude_their_own():
    request = SearchRequest(query=parse_query("nato"), filters={"source": ["yle-news"]})
    body = solr.summary_body(request, solr.Translator(LANGUAGES, FakeResolver()))
    assert body["filter"] == [{"#source": {"terms": {"f": "source", "query": "yle-news"}}}]
    assert body["facet"]["source"]["domain"] == {"excludeTags": ["source"]}
    assert body["facet"]["dates"]["facet"]["ends"]["field"] == "date_end"
    cursor = solr.cursor_body(request, solr.Translator(LANGUAGES, FakeResolver()), 100, "*")
    assert cursor["sort"].endswith("id asc") and cursor["params"]["cursorMark"] == "*"


def test_contract_suite_skips_with_a_reason_when_no_cluster_is_configured(capsys):
    call_command("search_contract")
    out = capsys.readouterr().out
    assert "skipped" in out.lower() and "whoosh" in out.lower()


def test_contract_suite_skips_when_the_cluster_is_unreachable(settings, capsys):
    settings.SEARCH_URL = "elasticsearch://127.0.0.1:9/archive?retries=0"  # discard port: nothing listens
    call_command("search_contract")
    out = capsys.readouterr().out
    assert "skipped" in out.lower() and "127.0.0.1:9" in out
