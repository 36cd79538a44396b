"""The help page, "did you mean", and related articles."""

import re

import pytest
from django.core.management import call_command

from archive.search.outbox import drain_all
from archive.search_help import SYNTAX_EXAMPLES
from tests.factories import make_article


def result_count(client, query):
    html = client.get("/search/", {"q": query}).content.decode()
    return len(re.findall(r'class="result-title"', html))


def test_every_help_example_finds_seed_articles(client, transactional_db):
    call_command("load_seed_content", verbosity=0)
    drain_all()
    html = client.get("/search/help/").content.decode()
    for _, query, _ in SYNTAX_EXAMPLES:
        assert result_count(client, query) > 0, query
        assert "<code>" + query.replace('"', "&quot;") + "</code>" in html


@pytest.mark.django_db
def test_a_misspelt_word_gets_a_suggestion(client):
    make_article("Military exercises near the border", "Large-scale military exercises were held.")
    make_article("Budget", "The military budget grows.")
    drain_all()
    html = client.get("/search/", {"q": "militray exercises"}).content.decode()
    assert "Did you mean" in html
    assert 'href="?q=military+exercises"' in html


@pytest.mark.django_db
def test_no_suggestion_when_the_query_finds_plenty(client):
    for n in range(5):
        make_article(f"Military item {n}", f"Military text {n}.")
    drain_all()
    assert "Did you mean" not in client.get("/search/", {"q": "military"}).content.decode()


@pytest.mark.django_db
def test_cyrillic_misspellings_are_corrected(client):
    make_article("Санкции", "Новые санкции против банков.", language="ru")
    drain_all()
    assert "Did you mean" in client.get("/search/", {"q": "санкцыи"}).content.decode()


@pytest.mark.django_db
def test_article_page_shows_related_articles(client):
    main = make_article("Baltic air policing rotation", "Fighter jets rotate in Šiauliai for Baltic air policing.")
    related = make_article("Air policing jets arrive", "New jets for the Baltic air policing mission at Šiauliai.")
    make_article("Farm subsidies", "Agriculture ministers discussed subsidies.")
    drain_all()
    html = client.get(main.get_absolute_url()).content.decode()
    section = html[html.index("Related articles") :]
    assert related.title in section and "Farm subsidies" not in section and main.title not in section
