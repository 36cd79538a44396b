"""Error answers: styled pages that keep the header and search box and say what to do next;
JSON {"detail": …} with the right status for every error under /api/."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import Client

from archive.search.outbox import drain_all
from archive.search.whoosh.searcher import snapshots
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

HEADER_SEARCH_BOX = 'id="header-q"'


@pytest.fixture
def visitor():
    """A browser that gets the error page a real visitor would, not the test's traceback."""
    return Client(raise_request_exception=False)


@pytest.fixture
def one_article():
    article = make_article("NATO ministers meet in Riga", source=make_source("Yle News"), date="2021-12-02")
    drain_all()
    return article


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("database is locked")


def corrupt_the_index(search_index):
    for toc in Path(search_index.path).rglob("*.toc"):  # every index generation
        toc.write_bytes(b"not an index")
    snapshots.clear()


def assert_styled_page(response, status, *phrases):
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert HEADER_SEARCH_BOX in html and 'class="site-header"' in html, "the header and its search box stay"
    assert "What you can do" in html and 'href="/sources/"' in html
    for phrase in phrases:
        assert phrase in html, phrase


def test_an_unknown_address_is_a_styled_404_that_says_where_to_go(visitor):
    assert_styled_page(visitor.get("/no-such-page/"), 404, "There is nothing at this address", "front page")


def test_an_unknown_article_is_a_styled_404(visitor, one_article):
    assert_styled_page(visitor.get(f"/articles/{one_article.pk + 1000}/"), 404, "There is nothing at this address")


def test_a_results_page_past_the_end_is_a_404_that_links_the_first_page(visitor, one_article):
    response = visitor.get("/search/", {"q": "nato", "page": "999999"})
    assert_styled_page(response, 404, "There is no such page of results", 'href="?q=nato"')


def test_a_request_django_refuses_is_a_styled_400(visitor):
    assert_styled_page(visitor.get("/", HTTP_HOST="attacker.example"), 400, "cannot be answered as it is")


def test_a_page_an_editor_may_not_open_is_a_styled_403(visitor):
    visitor.force_login(User.objects.create(username="reader", is_staff=True))
    assert_styled_page(visitor.get("/admin/archive/article/add/"), 403, "not allowed", "sign in")


def test_an_expired_form_is_the_styled_403_not_djangos_bare_csrf_page():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/admin/login/", {"username": "editor", "password": "x"})
    assert_styled_page(response, 403, "expired", "Reload the page")


def test_too_many_searches_get_the_styled_429_with_retry_after(visitor, settings):
    settings.RATE_LIMITS = {"search": "1/60"}
    visitor.get("/search/")
    response = visitor.get("/search/")
    assert_styled_page(response, 429, "Please wait")
    assert int(response["Retry-After"]) > 0


def test_an_unreadable_index_is_the_styled_503(visitor, one_article, search_index):
    corrupt_the_index(search_index)
    assert_styled_page(visitor.get("/search/", {"q": "nato"}), 503, "Search is unavailable", "by date")


def test_a_crash_is_the_styled_500_even_when_the_database_is_down(visitor):
    with connection.execute_wrapper(refuse_every_query):
        response = visitor.get("/")
    assert_styled_page(response, 500, "Something went wrong on our side", "has been logged")


def test_the_500_page_falls_back_to_plain_html_if_even_its_template_fails(visitor, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]  # no errors/500.html any more
    with connection.execute_wrapper(refuse_every_query):
        response = visitor.get("/")
    assert response.status_code == 500 and b"Something went wrong on our side" in response.content


# --- the API: JSON for every error --------------------------------------------------------


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    return response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/articles/1/extra/", "/api/v2/"])
def test_an_unknown_api_path_is_a_json_404_that_points_to_the_index(visitor, path):
    assert "/api/" in assert_json_error(visitor.get(path), 404)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_a_wrong_method_on_the_api_is_a_json_405_with_allow(visitor, method):
    response = getattr(visitor, method)("/api/articles/")
    assert "GET" in assert_json_error(response, 405)
    assert response["Allow"] == "GET"


def test_a_crash_in_the_api_is_a_json_500(visitor):
    with connection.execute_wrapper(refuse_every_query):
        response = visitor.get("/api/sources/")
    assert "logged" in assert_json_error(response, 500)


def test_too_many_api_requests_are_a_json_429(visitor, settings):
    settings.RATE_LIMITS = {"api": "1/60"}
    visitor.get("/api/sources/")
    response = visitor.get("/api/sources/")
    assert "wait" in assert_json_error(response, 429)
    assert response.json()["retry_after"] == int(response["Retry-After"])


def test_an_unreadable_index_is_a_json_503_from_the_api(visitor, one_article, search_index):
    corrupt_the_index(search_index)
    assert "unavailable" in assert_json_error(visitor.get("/api/articles/", {"q": "nato"}), 503)


@pytest.mark.parametrize(("params", "status"), [({"q": "date:[2022 TO"}, 200), ({"q": "a*"}, 400)])
def test_a_malformed_query_through_the_api_is_json_with_a_note_or_a_400(visitor, one_article, params, status):
    response = visitor.get("/api/articles/", params)
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    assert response.json()["notices" if status == 200 else "detail"]


@pytest.mark.django_db
def test_an_admin_filter_by_an_id_past_64_bits_is_a_400_not_a_500(admin_client):
    response = admin_client.get("/admin/archive/article/", {"source": "9223372036854775808"})
    assert response.status_code == 400 and "larger than any id" in response.content.decode()
