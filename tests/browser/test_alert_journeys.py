"""A reader keeps a search and follows it from a feed reader, in a real browser (Debian's Chromium)."""

import feedparser
import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from archive.models import SavedSearch

pytestmark = pytest.mark.browser

READER_PASSWORD = "a-long-reader-password"


def test_a_reader_signs_in_saves_a_search_and_opens_its_private_feed(page, seed_content, screenshot):
    reader = User.objects.create_user("reader", email="reader@example.org", password=READER_PASSWORD)
    reader.groups.add(Group.objects.get(name="Readers"))

    page.goto("/search/?q=NATO")
    page.locator(".save-search").get_by_role("link", name="Sign in").click()
    page.locator("#id_username").fill("reader")
    page.locator("#id_password").fill(READER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".result").first).to_be_visible()  # back on the search, signed in
    titles = set(page.locator(".result-title").all_inner_texts())

    page.locator(".save-search input[name=name]").fill("NATO statements")
    page.get_by_role("button", name="Save this search").click()
    expect(page.locator("h1")).to_have_text("My searches")
    expect(page.locator(".messages")).to_contain_text("Saved “NATO statements”")
    screenshot("journey-my-searches")
    saved = SavedSearch.objects.get(user=reader)
    assert saved.query == "q=NATO"

    feed_href = page.get_by_role("link", name="Atom feed").get_attribute("href")
    assert feed_href == saved.get_feed_url()
    page.context.clear_cookies()  # a feed reader has no session
    response = page.request.get(feed_href)
    assert response.status == 200
    feed = feedparser.parse(response.body())
    assert feed.feed.title.startswith("NATO statements") and feed.entries
    assert {entry.title for entry in feed.entries} == titles

    page.goto("/searches/")
    expect(page.locator("h1")).to_have_text("Sign in")  # the list itself needs the session
