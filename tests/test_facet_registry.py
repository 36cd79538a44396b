"""A facet is one registry entry plus its index field: registering one makes the search
page, the form, the API and every engine count and filter it."""

import pytest

from archive.search.facets import FACETS, Facet
from archive.search.outbox import drain_all
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def section_facet(engine):
    """Registered before anything is indexed: the index (schema or mapping) is made with its field."""
    facet = FACETS.register(Facet("section", "Section", "section", size=10, article_value=lambda a: a.section))
    yield facet
    FACETS.unregister("section")


@pytest.fixture
def sectioned(section_facet):
    source = make_source("Yle News")
    for title, section in [("Riga speech", "Speeches"), ("Vilnius speech", "Speeches"), ("Riga note", "Press")]:
        make_article(title, f"{title} about Baltic security.", source=source, section=section, date="2023-05-04")
    drain_all()


def test_a_registered_facet_is_counted_and_shown_on_the_search_page(client, sectioned):
    page = client.get("/search/", {"q": "baltic"}).content.decode()
    assert 'id="facet-section"' in page and ">Section<" in page
    assert "section=Speeches" in page and "section=Press" in page


def test_a_registered_facet_filters_and_ignores_its_own_filter(client, sectioned):
    answer = client.get("/api/articles/", {"q": "baltic", "section": "Speeches"}).json()
    assert answer["count"] == 2
    assert {entry["value"]: entry["count"] for entry in answer["facets"]["section"]} == {"Speeches": 2, "Press": 1}


def test_a_registered_facets_bad_value_is_dropped_with_a_notice(client, sectioned):
    answer = client.get("/api/articles/", {"q": "baltic", "section": "<script>"}).json()
    assert answer["count"] == 3 and any("section" in notice for notice in answer["notices"])


def test_a_registered_facet_is_a_parameter_in_the_api_schema(client, section_facet):
    schema = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/articles/"]["get"]["parameters"]}
    assert parameters["section"]["schema"]["type"] == "array" and "source" in parameters
