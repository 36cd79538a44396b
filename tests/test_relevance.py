"""Relevance: each query must bring its expected articles into the top few results."""

import datetime

import pytest
from django.core.management import call_command

from archive.forms import SearchForm
from archive.models import Article, DatePrecision
from archive.search.outbox import drain_all
from archive.search.service import search
from tests.factories import make_source
from tests.relevance_corpus import ARTICLES, EXPECTATIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    source = make_source("Relevance desk")
    keys = {}
    for key, language, title, body, date in ARTICLES:
        article = Article.objects.create(
            title=title, body=body, language=language, source=source,
            published_on=datetime.date.fromisoformat(date), date_precision=DatePrecision.DAY,
        )  # fmt: skip
        keys[article.pk] = key
    drain_all()
    return keys


def top_keys(keys, query, n):
    form = SearchForm(data=_query_dict(query))
    return [keys.get(hit.article.pk) for hit in search(form.search_request())[0:n]]


def _query_dict(query):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data["q"] = query
    return data


@pytest.mark.parametrize(("query", "expected", "n"), EXPECTATIONS, ids=[e[0] for e in EXPECTATIONS])
def test_expected_articles_rank_in_the_top(corpus, query, expected, n):
    top = top_keys(corpus, query, n)
    assert set(expected) <= set(top), f"{query!r}: top {n} were {top}"


def test_title_matches_outrank_passing_mentions(corpus):
    top = top_keys(corpus, "sanctions", 10)
    assert top.index("sanctions-mention") > top.index("sanctions-en")


def test_recency_breaks_ties(corpus):
    top = top_keys(corpus, '"sanctions debate"', 2)
    assert top == ["sanctions-title-new", "sanctions-title-old"]


SEED_EXPECTATIONS = [
    ("Stoltenberg", {3, 4}, 2),
    ("Lavrov letter", {5}, 1),
    ("Latvian Russian Ministries of Defence", {1}, 1),
    ("CSDP", {2}, 1),
    ("Mindrutescu", {4}, 1),
    ('"indivisible security"', {5}, 1),
    ("NATO-Russia Council", {3}, 1),
]


def test_seed_queries(transactional_db):
    call_command("load_seed_content", verbosity=0)
    drain_all()
    for query, expected_pks, n in SEED_EXPECTATIONS:
        hits = search(SearchForm(data=_query_dict(query)).search_request())[0:n]
        assert expected_pks <= {hit.article.pk for hit in hits}, query
