"""The read-only JSON API: the search page's hits, facets and pages; JSON errors; a valid OpenAPI schema."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.http import QueryDict
from openapi_spec_validator import validate

from archive.forms import SearchForm
from archive.models import Source
from archive.search.outbox import drain_all
from archive.search.service import search
from archive.search.whoosh.searcher import snapshots
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    lavrov = make_actor("Sergey Lavrov", kind="person", aliases=["Лавров", "Sergei Lavrov"])
    nato = make_actor("NATO", aliases=["НАТО"])
    ministry = make_source("Ministry of Foreign Affairs of Russia", kind=Source.Kind.MINISTRY)
    news = make_source("Yle News", kind=Source.Kind.NEWS)
    articles = [
        make_article(f"NATO item {n}", f"NATO text number {n}.", source=news if n % 2 else ministry,
                     date=f"2021-0{n}-01", actors=[nato] + ([lavrov] if n < 3 else []))
        for n in range(1, 6)
    ]  # fmt: skip
    articles.append(make_article("Hidden draft", "NATO draft.", source=news, is_published=False))
    drain_all()
    return articles


def page_titles(query):
    results = search(SearchForm(QueryDict(query)).search_request())
    return [hit.article.title for hit in results[: results.count]]


@pytest.mark.parametrize("query", ["q=nato", "q=nato&sort=oldest", "source=yle-news", "actor=sergey-lavrov&lang=en"])
def test_articles_are_the_search_pages_hits(client, archive, query):
    data = client.get(f"/api/articles/?{query}&page_size=100").json()
    assert [item["title"] for item in data["results"]] == page_titles(query)
    assert data["count"] == len(page_titles(query))


def test_articles_page_with_links_and_facets(client, archive):
    first = client.get("/api/articles/", {"q": "nato", "sort": "newest", "page_size": 2}).json()
    assert first["count"] == 5 and first["num_pages"] == 3 and first["previous"] is None
    assert [item["title"] for item in first["results"]] == ["NATO item 5", "NATO item 4"]
    second = client.get(first["next"]).json()
    assert [item["title"] for item in second["results"]] == ["NATO item 3", "NATO item 2"]
    assert second["previous"].endswith("page=1")
    assert {"value": "yle-news", "label": "Yle News", "count": 3} in first["facets"]["source"]
    assert {"value": "sergey-lavrov", "label": "Sergey Lavrov", "count": 2} in first["facets"]["actor"]
    item = first["results"][0]
    assert item["date"] == "2021-05-01" and item["permalink"].endswith(f"/articles/{archive[4].pk}/")
    assert "<mark>NATO</mark>" in item["snippet"]


def test_one_article_with_actors_and_citation_links(client, archive):
    article = archive[0]
    data = client.get(f"/api/articles/{article.pk}/").json()
    assert data["title"] == "NATO item 1" and data["body"] == "NATO text number 1."
    assert data["content_hash"] == article.content_hash
    assert {actor["slug"] for actor in data["actors"]} == {"nato", "sergey-lavrov"}
    assert data["citations"]["bib"] == f"http://testserver/articles/{article.pk}/cite.bib"


def test_actors_match_any_alias(client, archive):
    data = client.get("/api/actors/", {"q": "Лавров"}).json()
    assert [actor["slug"] for actor in data["results"]] == ["sergey-lavrov"]
    assert data["results"][0]["article_count"] == 2 and "Sergei Lavrov" in data["results"][0]["aliases"]
    assert client.get("/api/actors/").json()["count"] == 2


def test_sources_with_counts_of_published_articles(client, archive):
    data = client.get("/api/sources/").json()
    counts = {source["slug"]: source["article_count"] for source in data["results"]}
    assert counts == {"ministry-of-foreign-affairs-of-russia": 2, "yle-news": 3}
    assert client.get("/api/sources/", {"kind": "news"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/articles/", {"page": "x"}, 400),
        ("/api/articles/", {"page_size": "500"}, 400),
        ("/api/articles/", {"page": "99"}, 404),
        ("/api/articles/", {"page": "0"}, 404),
        ("/api/articles/", {"q": "ab*"}, 400),
        ("/api/articles/", {"date_from": "yesterday"}, 400),
        ("/api/articles/999999/", {}, 404),
        ("/api/articles/abc/", {}, 400),
        ("/api/no-such-thing/", {}, 404),
        ("/api/actors/", {"page_size": "0"}, 400),
        ("/api/articles/", {"sort": "random"}, 400),
    ],
)
def test_errors_are_json_with_a_detail(client, archive, path, params, status):
    response = client.get(path, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_head_answers_as_get_without_the_body(client, archive):
    got = client.get("/api/articles/", {"q": "nato"})
    head = client.head("/api/articles/", {"q": "nato"})
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"] and int(head["Content-Length"]) == len(got.content)
    assert client.head("/api/no-such-thing/").status_code == 404
    refused = client.post("/api/articles/")
    assert refused.status_code == 405 and "use GET" in refused.json()["detail"]


def test_an_unpublished_article_is_not_served(client, archive):
    assert client.get(f"/api/articles/{archive[-1].pk}/").status_code == 404


def test_an_unreadable_index_is_a_503_in_json(client, archive, search_index):
    for toc in Path(search_index.path).rglob("*.toc"):  # every index generation
        toc.write_bytes(b"not an index")
    snapshots.clear()
    response = client.get("/api/articles/", {"q": "nato"})
    assert response.status_code == 503 and "unavailable" in response.json()["detail"]


def test_the_openapi_schema_validates(client):
    schema = client.get("/api/openapi.json").json()
    validate(schema)
    assert {"/api/articles/", "/api/articles/{article_id}/", "/api/actors/", "/api/sources/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/articles/"]["get"]["parameters"]}
    assert {"q", "sort", "source", "kind", "lang", "actor", "year", "month", "date_from", "page"} <= parameters


def test_the_docs_page_uses_no_outside_assets(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/") for asset in assets), assets
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert finders.find("ninja/swagger-ui-bundle.js")


def test_the_docs_list_the_endpoints_without_javascript(client):
    html = client.get("/api/docs/").content.decode()
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert "<code>GET /api/articles/</code>" in noscript and 'href="/api/openapi.json"' in noscript
