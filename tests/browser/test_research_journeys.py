"""What researchers, journalists and editors take away, done in a real browser (Debian's Chromium)."""

import csv
import importlib
import io

import bibtexparser
import feedparser
import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from archive.models import Actor, Article, ArticleActor
from tests.factories import make_actor

pytestmark = pytest.mark.browser

EDITOR_PASSWORD = "a-long-editor-password"


def test_search_facet_article_cite(page, seed_content, screenshot):
    """1. search → facet → article → cite, and the downloaded BibTeX parses."""
    page.goto("/")
    page.locator("#home-q").fill("NATO")
    page.locator("#home-q").press("Enter")
    expect(page.locator(".result").first).to_be_visible()
    page.locator(".facet a", has_text="The Baltic Times").click()
    expect(page.locator(".result")).to_have_count(1)
    page.locator(".result-title").first.click()
    expect(page.locator("h1")).to_have_text("NATO calls on Russia to renew dialogue with the alliance")
    cite = page.locator("#cite")
    expect(cite).to_contain_text("LETA/TBT Staff. “NATO calls on Russia to renew dialogue with the alliance.”")
    expect(cite).to_contain_text("The Baltic Times, 1 December 2021.")
    article = Article.objects.get(title__startswith="NATO calls on Russia")
    expect(cite).to_contain_text(article.content_hash)
    screenshot("journey-cite-box")
    with page.expect_download() as download:
        cite.get_by_role("link", name="BibTeX").click()
    library = bibtexparser.parse_string(download.value.path().read_text(encoding="utf-8"))
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry.fields_dict["date"].value == "2021-12-01"
    assert article.content_hash in entry.fields_dict["note"].value


def test_actor_page_feed_link(page, seed_content, screenshot):
    """2. actor page → feed link, and the feed holds the actor's articles."""
    # The shipped registry may already tag him; the journey works either way.
    stoltenberg = Actor.objects.filter(slug="jens-stoltenberg").first() or make_actor("Jens Stoltenberg", kind="person")
    article = Article.objects.get(title__startswith="NATO calls on Russia")
    ArticleActor.objects.get_or_create(article=article, actor=stoltenberg)
    expected = list(Article.objects.published().mentioning(stoltenberg).newest_first().values_list("title", flat=True))
    page.goto(stoltenberg.get_absolute_url())
    expect(page.locator("h1")).to_have_text(stoltenberg.name)
    feed_link = page.locator("a.feed-link")
    expect(feed_link).to_contain_text("Atom feed")
    discovery = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    expect(discovery).to_have_attribute("href", "/feeds/actors/jens-stoltenberg/")
    screenshot("journey-actor-feed-link")
    response = page.request.get(feed_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == expected and article.title in expected


def editors_group():
    """The migration's Editors group; browser tests flush the database, so it is made again here."""
    migration = importlib.import_module("archive.migrations.0002_editors_group")
    group, _ = Group.objects.get_or_create(name="Editors")
    codenames = [f"{action}_{model}" for model, actions in migration.EDITOR_PERMISSIONS.items() for action in actions]
    group.permissions.set(Permission.objects.filter(content_type__app_label="archive", codename__in=codenames))
    return group


def test_editor_adds_finds_edits_and_sees_history(page, seed_content, screenshot):
    """3. editor login → add article → find it in search → edit → the history shows the old version."""
    editor = User.objects.create_user("editor", password=EDITOR_PASSWORD, is_staff=True)
    editor.groups.add(editors_group())
    page.goto("/admin/login/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill(EDITOR_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()

    page.goto("/admin/archive/article/add/")
    page.locator("#id_title").fill("Estonia hosts Baltic defence ministers in Tallinn")
    page.locator("#id_body").fill("Defence ministers of the Baltic states met in Tallinn on Friday to discuss drones.")
    page.locator(".field-source .select2-selection").click()
    page.locator(".select2-search__field").fill("Yle")
    page.locator(".select2-results__option", has_text="Yle News").click()
    page.locator("#id_language").fill("en")
    page.locator("#id_published_on").fill("03/05/2024")
    page.locator("#id_date_precision").select_option("day")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.goto("/search/?q=tallinn+drones")
    expect(page.locator(".result-title")).to_have_text(["Estonia hosts Baltic defence ministers in Tallinn"])

    article = Article.objects.get(title__startswith="Estonia hosts")
    page.goto(f"/admin/archive/article/{article.pk}/change/")
    page.locator("#id_title").fill("Estonia hosts Baltic and Nordic defence ministers")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="History").click()
    history = page.locator("#change-history")
    expect(history).to_contain_text("Estonia hosts Baltic defence ministers in Tallinn")
    expect(history).to_contain_text("Estonia hosts Baltic and Nordic defence ministers")
    screenshot("journey-editor-history")

    page.goto("/search/?q=nordic")
    expect(page.locator(".result-title")).to_have_text(["Estonia hosts Baltic and Nordic defence ministers"])


def test_export_a_filtered_search_and_read_the_csv(page, seed_content, screenshot):
    """4. export a filtered search, then open the CSV and check its rows."""
    page.goto("/search/?q=nato&sort=oldest")
    page.locator(".facet a", has_text="News outlet").click()
    expect(page.locator(".chips")).to_contain_text("Source kind: News outlet")
    expect(page.locator(".result")).to_have_count(2)
    shown = page.locator(".result-title").all_inner_texts()
    screenshot("journey-export-links")
    with page.expect_download() as download:
        page.locator(".export-links").get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["title"] for row in rows] == shown
    for row in rows:
        article = Article.objects.get(title=row["title"])
        assert row["source"] == article.source.name and row["content_hash"] == article.content_hash
        assert row["permalink"].endswith(f"/articles/{article.pk}/")
        assert article.source.kind == "news"
