"""The front page's counts, the /sources/ directory and the /api/ index."""

import re
from pathlib import Path

import pytest

from archive.models import Actor, Source
from archive.search.outbox import drain_all
from archive.search.whoosh.searcher import snapshots
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def source_names(response):
    return re.findall(r'<td><a href="/sources/[^"]+/">([^<]+)</a></td>', response.content.decode())


@pytest.fixture
def sources():
    nato = make_source("NATO", kind=Source.Kind.INTERNATIONAL, country="be")
    mfa = make_source("Ministry of Foreign Affairs of Russia", kind=Source.Kind.MINISTRY, country="ru")
    make_source("Arms Control Association", kind=Source.Kind.ANALYSIS, country="us")
    for _ in range(3):
        make_article(source=nato)
    make_article(source=mfa)
    make_article(source=mfa, is_published=False)


def test_the_directory_lists_every_source_with_kind_country_and_published_count(client, sources):
    response = client.get("/sources/")
    html = response.content.decode()
    assert response.status_code == 200
    assert source_names(response) == ["Arms Control Association", "Ministry of Foreign Affairs of Russia", "NATO"]
    row = html[html.index(">Ministry of Foreign Affairs of Russia<") :].split("</tr>")[0]
    assert "Ministry / government" in row and ">RU<" in row and '"number count">1<' in row


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("count", ["NATO", "Ministry of Foreign Affairs of Russia", "Arms Control Association"]),
        ("kind", ["Arms Control Association", "NATO", "Ministry of Foreign Affairs of Russia"]),
        ("country", ["NATO", "Ministry of Foreign Affairs of Russia", "Arms Control Association"]),
        ("name", ["Arms Control Association", "Ministry of Foreign Affairs of Russia", "NATO"]),
    ],
)
def test_the_directory_sorts_by_a_column(client, sources, sort, names):
    assert source_names(client.get("/sources/", {"sort": sort})) == names


def test_the_directory_filters_by_kind(client, sources):
    assert source_names(client.get("/sources/", {"kind": "international"})) == ["NATO"]


@pytest.mark.parametrize(("params", "notice"), [({"sort": "sideways"}, "no order"), ({"kind": "<b>"}, "no kind")])
def test_an_unknown_sort_or_kind_is_a_notice_not_an_error(client, sources, params, notice):
    response = client.get("/sources/", params)
    html = response.content.decode()
    assert response.status_code == 200 and notice in html and "<b>" not in html
    assert len(source_names(response)) == 3


def test_the_header_links_the_directories_and_the_api(client):
    html = client.get("/").content.decode()
    assert 'href="/sources/"' in html and 'href="/api/"' in html


def test_the_api_index_links_the_docs_and_lists_every_endpoint(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="header-q"' in html
    assert 'href="/api/docs/"' in html and 'href="/api/openapi.json"' in html
    for endpoint in ["GET /api/articles/", "GET /api/articles/{article_id}/", "GET /api/actors/", "GET /api/sources/"]:
        assert f"<dt>{endpoint}</dt>" in html
    assert 'href="/api/articles/?q=nato+lang:en&amp;sort=newest"' in html


def test_the_api_index_answers_a_program_in_json(client):
    data = client.get("/api/", HTTP_ACCEPT="application/json").json()
    assert data["docs"] == "/api/docs/" and data["openapi"] == "/api/openapi.json"
    schema_paths = set(client.get("/api/openapi.json").json()["paths"])
    assert {endpoint["path"] for endpoint in data["endpoints"]} == schema_paths


def front_page_counts(html, heading):
    section = html.split(f"<h2>{heading}</h2>", 1)[1].split("</ul>", 1)[0]
    return dict(re.findall(r'<a href="[^"]+">([^<]+)</a> <span class="count">([\d,]+)</span>', section))


def test_the_front_page_counts_published_articles_by_source_language_year_and_actor(client, sources):
    lavrov = Actor.objects.create(name="Sergey Lavrov", kind=Actor.Kind.PERSON)
    make_article(source=Source.objects.get(name="NATO"), language="ru", date="2022-02-24", actors=[lavrov])
    drain_all()
    html = client.get("/").content.decode()
    assert "5 press releases" in html
    assert front_page_counts(html, "By source") == {"NATO": "4", "Ministry of Foreign Affairs of Russia": "1"}
    assert front_page_counts(html, "By language") == {"English": "4", "Russian": "1"}
    assert front_page_counts(html, "By year") == {"2022": "1"}
    assert front_page_counts(html, "Most mentioned actors") == {"Sergey Lavrov": "1"}


def test_the_front_page_serves_the_newest_articles_when_the_index_is_unreadable(client, sources, search_index):
    drain_all()
    for toc in Path(search_index.path).rglob("*.toc"):
        toc.write_bytes(b"not an index")
    snapshots.clear()
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200 and "4 press releases" in html
    assert "back when the search index is" in html and "<h2>Recent articles</h2>" in html
