"""Scale-out engines without a server: SEARCH_URL parsing, the mapping and schema we send,
and our queries, filters and facets translated into Elasticsearch/OpenSearch and Solr requests."""

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from archive.search.cluster import elastic, solr
from archive.search.config import haystack_connections
from archive.search.query import parse_query
from archive.search.service import FACET_FIELDS, SearchRequest

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
        ("whoosh:///srv/index", {"PATH": "/srv/index"}),
        ("elasticsearch7://es.internal:9200/archive", {"URL": "http://es.internal:9200", "INDEX_NAME": "archive"}),
        ("opensearch://search:9201/press?tls=1", {"URL": "https://search:9201", "INDEX_NAME": "press"}),
        ("solr://solr.internal:8983/solr/archive", {"URL": "http://solr.internal:8983/solr/archive"}),
    ],
)
def test_search_url_picks_the_engine(url, expected):
    connection = haystack_connections(url)["default"]
    assert expected.items() <= connection.items()


@pytest.mark.parametrize("url", ["elasticsearch7://host-only", "ftp://x/y", "whoosh://"])
def test_a_bad_search_url_says_what_is_wrong(url):
    with pytest.raises(ImproperlyConfigured, match="SEARCH_URL"):
        haystack_connections(url)


def test_the_mapping_is_strict_and_splits_our_analysed_terms_on_spaces():
    mapping = elastic.index_definition()["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["text"]["analyzer"] == "whitespace"
    assert mapping["properties"]["actors"]["type"] == "keyword"
    document = elastic.document(
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
    assert set(document) == set(mapping["properties"])  # nothing the strict mapping would refuse
    assert document["actors"] == ["nato", "sergey-lavrov"] and document["month"] == 202112
    assert document["date_oldest"] == 20211201


def test_undated_articles_sort_last_when_oldest_first():
    assert elastic.document({"id": "a", "django_id": "1"})["date_oldest"] == elastic.UNDATED_LAST


def test_a_word_asks_for_every_stemmed_form_in_title_and_text():
    clauses = es("sanctions")["bool"]["should"]
    assert {"term": {"title": {"value": "sanction", "boost": 3.0}}} in clauses
    assert {"term": {"text": {"value": "sanction", "boost": 1.0}}} in clauses
    assert all(clause["term"].keys() <= {"title", "text"} for clause in clauses)


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


def test_search_body_facets_ignore_their_own_filter_and_include_the_histogram():
    request = SearchRequest(query=parse_query("nato"), filters={"lang": ["en"], "year": ["2021"]}, sort="newest")
    body = elastic.search_body(request, elastic.Translator(LANGUAGES, FakeResolver()), FACET_FIELDS, start=40)
    assert body["post_filter"]["bool"]["filter"] == [{"terms": {"lang": ["en"]}}, {"terms": {"year": [2021]}}]
    assert body["aggs"]["lang"]["filter"]["bool"]["filter"] == [{"terms": {"year": [2021]}}]
    assert "month" in body["aggs"]  # one year chosen: its months are a facet
    assert body["aggs"]["histogram"]["aggs"]["months"]["histogram"]["field"] == "month"
    assert body["sort"][0] == {"date_start": "desc"} and body["from"] == 40
    json.dumps(body)  # the body is plain JSON


def test_facet_counts_are_read_back_in_our_order():
    response = {
        "aggregations": {
            "source": {"values": {"buckets": [{"key": "b", "doc_count": 2}, {"key": "a", "doc_count": 2}]}},
            "histogram": {"months": {"buckets": [{"key": 202111.0, "doc_count": 3}]}},
        }
    }
    assert elastic.facet_counts(response, "source") == [("a", 2), ("b", 2)]
    assert elastic.histogram(response) == [(202111, 3)]


def test_solr_schema_and_queries():
    commands = solr.schema_commands()
    assert commands["add-field-type"]["analyzer"]["tokenizer"]["class"] == "solr.WhitespaceTokenizerFactory"
    assert {"name": "actors", "type": "string", "multiValued": True, "stored": False, "indexed": True} in commands[
        "add-field"
    ]
    should = solr_query("sanctions")["bool"]["should"]
    assert {"lucene": {"query": "title:sanction^3"}} in should
    phrase = solr_query('"arms control"~2')["bool"]["should"][0]["complexphrase"]
    assert phrase["query"].startswith('title:"') and phrase["query"].endswith('"~2^3') and not phrase["inOrder"]


def test_solr_escapes_what_a_user_typed():
    assert solr.escape('a:b"c') == 'a\\:b\\"c'
    clause = solr_query("title:c++")  # the parser keeps letters; nothing reaches Lucene unescaped
    assert "+" not in json.dumps(clause).replace("\\\\+", "")


def test_solr_body_tags_filters_and_facets_exclude_their_own():
    request = SearchRequest(query=parse_query("nato"), filters={"source": ["yle-news"]})
    body = solr.search_body(request, solr.Translator(LANGUAGES, FakeResolver()), FACET_FIELDS)
    assert body["filter"] == [{"#source": {"terms": {"f": "source", "query": "yle-news"}}}]
    assert body["facet"]["source"]["domain"] == {"excludeTags": ["source"]}
    assert body["facet"]["histogram"]["sort"] == "index asc"


def test_contract_suite_skips_with_a_reason_when_no_cluster_is_configured(capsys):
    call_command("search_contract")
    out = capsys.readouterr().out
    assert "skipped" in out.lower() and "whoosh" in out.lower()


def test_contract_suite_skips_when_the_cluster_is_unreachable(settings, capsys):
    settings.SEARCH_URL = "elasticsearch7://127.0.0.1:9/archive"  # discard port: nothing listens
    call_command("search_contract")
    out = capsys.readouterr().out
    assert "skipped" in out.lower() and "127.0.0.1:9" in out


@pytest.mark.django_db
def test_whoosh_meets_the_same_contract_as_a_cluster():
    from archive.models import Actor, Source
    from archive.search.cluster.contract import CASES, CORPUS, Case
    from archive.search.outbox import drain_all
    from archive.search.query import parse_leniently
    from archive.search.service import search
    from tests.factories import make_actor, make_article

    actors, sources, pk_of = {}, {}, {}
    for number, title, text, language, source, actor_slugs, date in CORPUS:
        if source not in sources:
            sources[source] = Source.objects.create(name=source, slug=source)
        for slug in actor_slugs:
            if slug not in actors:
                actors[slug] = Actor.objects.filter(slug=slug).first() or make_actor(slug.title(), slug=slug)
        article = make_article(title, text, source=sources[source], language=language, date=date,
                               actors=[actors[slug] for slug in actor_slugs])  # fmt: skip
        pk_of[number] = article.pk
    drain_all()
    for case in [*CASES, Case("a delete is gone", "arms", expected={1, 2})]:
        if case.name == "a delete is gone":
            from archive.models import Article

            Article.objects.filter(pk=pk_of[5]).delete()
            drain_all()
        results = search(SearchRequest(query=parse_leniently(case.query), filters=case.filters, sort=case.sort))
        found = [hit.article.pk for hit in results[0:20]]
        expected = [pk_of[n] for n in case.expected]
        assert (found if isinstance(case.expected, list) else set(found)) == (
            expected if isinstance(case.expected, list) else set(expected)
        ), case.name
        for name, counts in case.facets.items():
            assert dict(results.facets[name]) == counts, case.name
