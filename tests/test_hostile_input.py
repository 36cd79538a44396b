"""Any input, a clear answer: generated queries against the parser and every page that takes one.

Queries are built from the query language's own pieces (brackets, quotes, fields, operators,
dates and ranges, half-typed ranges such as `date:[2022 TO`), words in several scripts,
control characters, lone surrogates and random Unicode. Every answer must be a 2xx/3xx, or a
4xx with a message; never a 5xx, never an exception, never HTML from the API.
Examples are bounded (the CI profile in tests/conftest.py also fixes the seed).
"""

import json
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.search import query as q
from archive.search.outbox import drain_all
from tests.factories import make_actor, make_article, make_source

# --- strategies: the query language's symbols, fields and dates, words and noise ---------

SYMBOLS = ["[", "]", "(", ")", '"', "~", "~5", "~999", "*", "?", ":", "-", "+", "^", "\\", "{", "}", "/", "!", "&&"]
OPERATORS = ["AND", "OR", "NOT", "TO", "and", "or"]
FIELDS = [*sorted(q.KNOWN_FIELDS | set(q.FIELD_ALIASES)), "nosuchfield", "Title", "DATE", "_"]
# Latin (with the Baltic and Romanian letters), Cyrillic, Greek, CJK, Arabic
SCRIPTS = [(0x0041, 0x024F), (0x0400, 0x04FF), (0x0370, 0x03FF), (0x4E00, 0x4FFF), (0x0600, 0x06FF)]
KNOWN_WORDS = ["nato", "Rīga", "Łódź", "НАТО", "санкции", "ΝΑΤΟ", "北约", "الناتو", "arms-control", "U.S.", "sanction*"]

script_words = st.one_of(
    st.sampled_from(KNOWN_WORDS),
    *(st.text(st.characters(min_codepoint=low, max_codepoint=high), min_size=1, max_size=8) for low, high in SCRIPTS),
)
partial_dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()[: 4 + 3 * (day.day % 3)]),
    st.from_regex(r"\A-?\d{1,5}(-\d{1,3}(-\d{1,3})?)?\Z"),
    st.sampled_from(["*", "", "yesterday", "2022-02-30", "0000", "9999-12-31"]),
)
date_ranges = st.builds(
    lambda start, end, joiner, closing: f"date:[{start}{joiner}{end}{closing}",
    partial_dates,
    partial_dates,
    st.sampled_from([" TO ", " to ", " ", " TO", "TO"]),
    st.sampled_from(["]", "", "]]", ")"]),
)
noise = st.one_of(
    st.characters(categories=["Cc"]),  # control characters, NUL included
    st.characters(categories=["Cs"]),  # lone surrogates
    st.characters(categories=["Cf", "Zl", "Zp", "Co"]),  # bidi marks, separators, private use
    st.text(max_size=4),  # anything at all
)
field_values = st.one_of(script_words, partial_dates, st.just(""))
fielded = st.builds(lambda name, value: f"{name}:{value}", st.sampled_from(FIELDS), field_values)
pieces = st.one_of(
    st.sampled_from(SYMBOLS), st.sampled_from(OPERATORS), fielded, script_words, partial_dates, date_ranges, noise
)
queries = st.lists(st.tuples(pieces, st.sampled_from(["", " ", "  ", "\t"])), max_size=10).map(
    lambda parts: "".join(piece + gap for piece, gap in parts)
)

# --- the parser ------------------------------------------------------------------------


@settings(max_examples=300)
@given(queries)
def test_the_parser_reads_any_query_or_says_why(text):
    try:
        parsed = q.parse_query(text)
    except q.QuerySyntaxError as error:
        assert str(error)
    else:
        assert all(isinstance(notice, str) and notice for notice in parsed.notices)


@settings(max_examples=300)
@given(queries)
def test_a_lenient_parse_searches_the_words_of_any_query_or_refuses_it_as_too_broad(text):
    try:
        parsed = q.parse_leniently(text)
    except q.QueryTooBroad as error:
        assert "Too broad" in str(error)
    else:
        assert None not in nodes(parsed.tree)
        assert all(word for word in q.text_words(parsed.tree))


@pytest.mark.parametrize("text", ["[", "]", "date:[2022 TO", "date:[", "date:]", "title:[x]", "[2021 TO 2022]"])
def test_a_square_bracket_anywhere_is_explained_not_a_crash(text):
    with pytest.raises(q.QuerySyntaxError, match=r"bracket|date range"):
        q.parse_query(text)
    assert "Searched for the words instead" in q.parse_leniently(text).notices[0]


# --- every page that takes user input ---------------------------------------------------

SEARCH_PAGES = ["/search/", "/search/kwic/", "/search/kwic.csv", "/api/articles/", "/feeds/search/", "/compare/"]
EXPORTS = [f"/search/export.{format}" for format in ("csv", "jsonl", "ris", "bib", "csl")]
QUERY_URLS = [f"{path}?{'s' if path == '/compare/' else 'q'}=" for path in SEARCH_PAGES + EXPORTS] + [
    "/api/actors/?q=",
    "/actors/?name=",
    "/compare/?s=nato&s=",
]
PARAMETER_URLS = [
    "/search/?date_from=",
    "/search/?q=nato&date_to=",
    "/search/?sort=",
    "/search/?source=",
    "/search/?year=",
    "/search/?month=",
    "/search/?page=",
    "/search/export.csv?date_from=",
    "/feeds/search/?sort=",
    "/api/articles/?date_to=",
    "/api/articles/?page=",
    "/api/articles/?page_size=",
    "/api/articles/?actor=",
    "/api/actors/?page=",
    "/api/sources/?page_size=",
    "/api/sources/?kind=",
    "/api/actors/?kind=",
    "/actors/?kind=",
    "/actors/?sort=",
    "/actors/?page=",
    "/archive/2022/?page=",
    "/archive/undated/?page=",
    "/sources/?sort=",
    "/sources/?kind=",
    "/sources/yle-news/?page=",
    "/actors/nato/?page=",
    "/actors/nato/?sort=",
    "/sources/yle-news/?sort=",
    "/compare/?s=nato&bins=",
    "/search/kwic/?q=nato&page=",
    "/searches/?q=",
]


def changelist_parameters(model, model_admin):
    """Every box and filter of one admin changelist: search, page, order, each list filter."""
    names = ["q", "p", "o", *(name for name in model_admin.list_filter if isinstance(name, str))]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return [f"/admin/{model._meta.app_label}/{model._meta.model_name}/?{name}=" for name in names]


ADMIN_URLS = [
    *(url for model, model_admin in admin.site._registry.items() for url in changelist_parameters(model, model_admin)),
    "/admin/autocomplete/?app_label=archive&model_name=article&field_name=source&term=",
]
page_numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["999999", "-1", "0", "abc", "1e3", "1.5", "", " 2", "NaN"]),
)


def percent_encoded(text):
    """What a browser or curl would send; a lone surrogate becomes bytes that are not UTF-8."""
    return quote(text, safe="", errors="surrogatepass")


@pytest.fixture
def small_archive(db):
    yle = make_source("Yle News", kind="news")
    nato = make_actor("NATO", aliases=["НАТО"])
    make_article("NATO ministers meet in Riga", "Arms control in Riga.", yle, date="2021-12-02", actors=[nato])
    make_article("Россия и НАТО", "Россия заявила о санкциях.", yle, language="ru", date="2022-01-01", actors=[nato])
    make_article("Undated note", "A note without a date.", yle)
    drain_all()


@pytest.fixture
def researcher(client, small_archive, settings):
    settings.RATE_LIMITS = {}  # thousands of requests from one address on purpose
    return client


@pytest.fixture
def site_admin(researcher):
    # No password: hashing one costs half a second, and force_login needs none.
    researcher.force_login(User.objects.create(username="root", is_staff=True, is_superuser=True))
    return researcher


def assert_a_clear_answer(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code < 500, (url, response.status_code, body[:500])
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), url
        if response.status_code >= 400:
            assert json.loads(body)["detail"], url
    elif response.status_code >= 400:
        assert body.strip(), url
    return response


HYPOTHESIS_WITH_DB = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)


@HYPOTHESIS_WITH_DB
@given(url=st.sampled_from(QUERY_URLS), text=queries)
def test_every_search_page_answers_any_query_clearly(researcher, url, text):
    assert_a_clear_answer(researcher, url + percent_encoded(text))


@HYPOTHESIS_WITH_DB
@given(url=st.sampled_from(PARAMETER_URLS), value=st.one_of(page_numbers, partial_dates, queries))
def test_every_filter_page_number_and_sort_answers_any_value_clearly(researcher, url, value):
    assert_a_clear_answer(researcher, url + percent_encoded(value))


@settings(parent=HYPOTHESIS_WITH_DB, max_examples=60)
@given(url=st.sampled_from(ADMIN_URLS), value=st.one_of(queries, page_numbers))
def test_every_admin_search_box_answers_any_query_clearly(site_admin, url, value):
    assert_a_clear_answer(site_admin, url + percent_encoded(value))


numbers_in_paths = st.one_of(st.integers(min_value=0, max_value=10**25), st.sampled_from([0, 2, 12, 13, 29, 31, 9999]))
path_templates = st.sampled_from(
    [
        "/archive/{0}/",
        "/archive/{0}/{1}/",
        "/archive/{0}/{1}/{2}/",
        "/articles/{0}/",
        "/articles/{0}/x/",
        "/articles/{0}/cite.{3}",
        "/search/export.{3}?q=nato",
        "/api/articles/{0}/",
        "/feeds/sources/{3}/",
        "/feeds/actors/{3}/",
        "/feeds/saved/{3}/",
    ]
)


@HYPOTHESIS_WITH_DB
@given(template=path_templates, numbers=st.lists(numbers_in_paths, min_size=3, max_size=3), word=queries)
def test_every_address_with_a_date_an_id_or_a_format_in_it_answers_clearly(researcher, template, numbers, word):
    assert_a_clear_answer(researcher, template.format(*numbers, percent_encoded(word)))


# --- the bugs found by hand, kept as examples --------------------------------------------


@pytest.mark.parametrize("url", [u + "%5B" for u in QUERY_URLS] + ["/search/?q=date%3A%5B2022+TO"])
def test_one_square_bracket_is_never_a_server_error(researcher, url):
    assert_a_clear_answer(researcher, url)


def test_a_half_typed_date_range_is_searched_as_words_with_a_note(researcher):
    response = researcher.get("/search/", {"q": "nato date:[2022 TO"})
    assert response.status_code == 200
    assert "never closed" in response.content.decode()
    assert "NATO ministers meet in Riga" in response.content.decode()


@pytest.mark.parametrize("export", EXPORTS)
def test_an_export_refuses_a_bad_request_before_streaming_anything(researcher, export):
    response = researcher.get(export, {"q": "nato", "date_from": "yesterday"})
    assert response.status_code == 400 and not response.streaming
    assert "not a date" in response.content.decode()


def test_control_characters_in_a_query_are_searched_around(researcher):
    response = researcher.get("/search/", {"q": "riga\x00arms\x1b"})
    assert response.status_code == 200 and "NATO ministers meet in Riga" in response.content.decode()


def test_control_characters_in_a_feed_query_are_dropped_not_a_broken_feed(researcher):
    response = researcher.get("/feeds/search/", {"q": "nato\x01\x1b"})
    assert response.status_code == 200
    assert b"\x01" not in response.content and b"nato" in response.content


def nodes(tree):
    children = getattr(tree, "children", None) or ([tree.child] if isinstance(tree, q.Not) else [])
    return [tree, *(node for child in children for node in nodes(child))]


@pytest.mark.parametrize("text", ["!", "-!", "nato OR !", "title:!", "nosuchfield:!", "(!) nato"])
def test_a_part_without_words_is_left_out_not_evaluated(researcher, text):
    assert None not in nodes(q.parse_leniently(text).tree)
    assert researcher.get("/search/", {"q": text}).status_code == 200


def test_an_author_phrase_is_searched(researcher):
    assert researcher.get("/search/", {"q": 'author:"jens stoltenberg"'}).status_code == 200


@pytest.mark.parametrize("year", ["9999", "1" + "0" * 20, "-5", "0"])
def test_a_date_past_the_calendar_in_any_admin_list_is_a_400_not_a_crash(site_admin, year):
    for url in ["/admin/archive/article/?published_on__year=", "/admin/axes/accessattempt/?attempt_time__year="]:
        response = site_admin.get(url + year)
        assert response.status_code == 400 and "is not a year" in response.content.decode()


def test_a_nul_byte_in_any_parameter_is_never_a_server_error(site_admin):
    """PostgreSQL refuses NUL in a string; SQLite does not, so this is checked on purpose."""
    for url in QUERY_URLS + PARAMETER_URLS + ADMIN_URLS:
        assert_a_clear_answer(site_admin, url + "nato%00")


def test_a_nul_in_an_admin_filter_is_a_400_on_every_database(site_admin):
    response = site_admin.get("/admin/archive/source/?kind=news%00")
    assert response.status_code == 400 and "NUL" in response.content.decode()
