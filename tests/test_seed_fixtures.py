"""The five seed articles as shipped: clean bodies, true metadata, findable, counted right."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.models import Article
from archive.search.outbox import drain_all

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "seed_articles.json"
FURNITURE = [
    "Skip to content",
    "Verifica Menajeria",
    "Apasa Aici",
    "#Analize",
    "Photo source",
    "Image:",
    "istuu etualalla",
    "Latest:",
    "paketissa",
    "#Ultimele buletine",
    "#Te-ar mai putea interesa",
    "Information prepared by",
    "Telephone",
    "please click here",
    "blinken lavrov",
    "biden putin",
    "LETA/TBT Staff",
    "11/28/2018",
]


@pytest.fixture
def seeds(transactional_db):
    call_command("load_seed_content", verbosity=0)
    drain_all()


def titles(client, **params):
    html = client.get("/search/", params).content.decode()
    return re.findall(r'class="result-title" href="/articles/(\d+)/', html)


def fixture_records(model):
    return [record for record in json.loads(FIXTURE.read_text()) if record["model"] == model]


def test_no_page_furniture_in_any_body(seeds):
    for article in Article.objects.all():
        for furniture in FURNITURE:
            assert furniture not in article.body, f"{furniture!r} in article {article.pk}"
            assert furniture not in article.title


def test_metadata_is_what_each_text_supports(seeds):
    expected = {
        1: ("ministry-of-defence-of-latvia", "Daina Ozoliņa", "2018-11-28", "day", "17:43"),
        2: ("ministry-of-foreign-affairs-of-latvia", "", None, "unknown", None),
        3: ("the-baltic-times", "LETA/TBT Staff", "2021-12-01", "day", None),
        4: ("true-story-project", "Mălina Mîndruțescu", "2021-12-01", "month", None),
        5: ("yle-news", "", "2022-01-01", "year", None),
    }
    for pk, (source, author, date, precision, time) in expected.items():
        article = Article.objects.get(pk=pk)
        assert article.source.slug == source and article.author == author and article.language == "en"
        assert (article.published_on.isoformat() if article.published_on else None) == date
        assert article.date_precision == precision and article.date_note
        assert (article.published_time.strftime("%H:%M") if article.published_time else None) == time
    assert Article.objects.get(pk=4).captions.count("Photo source") == 3
    assert "67335224" in Article.objects.get(pk=1).contact
    assert Article.objects.get(pk=5).lede.startswith("The letter accuses EU and Nato countries")


def test_each_seed_is_found_by_a_word_of_its_title(client, seeds):
    for word, pk in [("transparency", "1"), ("environment", "2"), ("dialogue", "3"), ("discuss", "4"),
                     ("publishes", "5")]:  # fmt: skip
        assert pk in titles(client, q=word), word


def test_stoltenberg_finds_the_baltic_times_and_true_story_project_only(client, seeds):
    assert sorted(titles(client, q="Stoltenberg")) == ["3", "4"]


def test_mindrutescu_finds_the_true_story_project_article(client, seeds):
    assert titles(client, q="Mindrutescu") == ["4"]


def test_facet_counts_match_the_fixtures(client, seeds):
    articles = {record["pk"]: record["fields"] for record in fixture_records("archive.article")}
    kinds = {record["fields"]["slug"]: record["fields"]["kind"] for record in fixture_records("archive.source")}
    expected = {
        "source": Counter(fields["source"][0] for fields in articles.values()),
        "kind": Counter(kinds[fields["source"][0]] for fields in articles.values()),
        "lang": Counter(fields["language"] for fields in articles.values()),
        "year": Counter(
            int(fields["published_on"][:4]) for fields in articles.values() if fields["date_precision"] != "unknown"
        ),
        "actor": Counter(record["fields"]["actor"][0] for record in fixture_records("archive.articleactor")),
    }
    response = client.get("/search/")
    shown = {facet.name: facet.entries + facet.hidden for facet in response.context["facets"]}
    for name, counts in expected.items():
        assert {str(entry.value): entry.count for entry in shown[name]} == {str(k): v for k, v in counts.items()}, name
    assert expected["actor"]["nato"] == 5 and expected["year"] == Counter({2021: 2, 2018: 1, 2022: 1})


def test_actor_aliases_select_the_same_actor(client, seeds):
    assert titles(client, q="actor:НАТО") == titles(client, q="actor:NATO") != []
    assert sorted(titles(client, q="actor:Лавров")) == ["4", "5"]
