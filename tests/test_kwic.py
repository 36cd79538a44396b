"""Keyword in context: a search's occurrences with words either side, on a page and as CSV."""

import csv
import io
import re

import pytest

from archive.search.outbox import drain_all
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts():
    made = [
        make_article(
            "Sanctions package adopted",
            "The Council adopted new sanctions against Russia today. Sanctions relief was not discussed.",
            date="2023-06-23",
        ),
        make_article(
            "Санкции продлены", "ЕС продлил санкции против России на полгода.", language="ru", date="2023-07-01"
        ),
        make_article("Grain corridor", "Ships left Odesa under the grain corridor.", date="2023-07-02"),
    ]
    drain_all()
    return made


def rows(page):
    return re.findall(
        r'<td class="left"[^>]*>([^<]*)</td><td class="keyword"[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>', page
    )


def test_each_occurrence_is_a_line_aligned_on_the_keyword(client, texts):
    page = client.get("/search/kwic/", {"q": "sanctions", "sort": "oldest"}).content.decode()
    lines = rows(page)
    assert ("", "Sanctions", "package adopted") in lines  # the title: its own context
    assert (
        "The Council adopted new",
        "sanctions",
        "against Russia today. Sanctions relief was not discussed.",
    ) in lines
    assert (
        "The Council adopted new sanctions against Russia today.",
        "Sanctions",
        "relief was not discussed.",
    ) in lines
    assert all(keyword.lower() == "sanctions" for _, keyword, _ in lines)  # the grain text has none
    assert "Grain corridor" not in page


def test_a_stemmed_query_finds_inflected_forms_in_their_language(client, texts):
    lines = rows(client.get("/search/kwic/", {"q": "санкция"}).content.decode())
    assert {keyword for _, keyword, _ in lines} == {"Санкции", "санкции"}


def test_the_concordance_downloads_as_csv_with_provenance(client, texts):
    response = client.get("/search/kwic.csv", {"q": "sanctions", "lang": "en"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert [row["keyword"] for row in table] == ["Sanctions", "sanctions", "Sanctions"]
    assert table[0]["url"] == f"http://testserver/articles/{texts[0].pk}/"
    assert table[1]["left"] == "The Council adopted new" and table[0]["source"] == texts[0].source.name


def test_a_cell_that_would_run_as_a_formula_is_neutralised(client):
    make_article("Sanctions", "=HYPERLINK(evil) sanctions apply", date="2023-01-01")
    drain_all()
    body = b"".join(client.get("/search/kwic.csv", {"q": "sanctions"}).streaming_content).decode("utf-8-sig")
    assert all(not row["left"].startswith("=") for row in csv.DictReader(io.StringIO(body)))


def test_bad_or_empty_queries_answer_clearly(client, texts):
    assert client.get("/search/kwic.csv", {"q": ""}).status_code == 400
    assert client.get("/search/kwic.csv", {"q": "sanctions", "date_from": "soon"}).status_code == 400
    page = client.get("/search/kwic/", {"q": ""})
    assert page.status_code == 200 and "Type words to look for" in page.content.decode()
    assert client.get("/search/kwic/", {"q": "a*"}).status_code == 400


def test_the_search_page_links_to_its_concordance(client, texts):
    page = client.get("/search/", {"q": "sanctions"}).content.decode()
    assert '/search/kwic/?q=sanctions">Keyword in context</a>' in page


def test_a_word_that_only_stems_alike_in_another_language_is_not_an_occurrence(client):
    # Polish stems "NATO" to "nat", as Swedish stems "nätet": in a Swedish text only NATO is the keyword.
    make_article("Sverige och NATO", "Regeringen om NATO, om ett nät och om hat på nätet.", language="sv")
    drain_all()
    keywords = [keyword for _, keyword, _ in rows(client.get("/search/kwic/", {"q": "NATO"}).content.decode())]
    assert keywords and set(keywords) == {"NATO"}
