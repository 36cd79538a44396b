"""A reader searches, narrows by a facet and opens an article, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_facet_article(page, seed_content, screenshot):
    page.goto("/")
    page.locator("#home-q").fill("Stoltenberg")
    page.locator("#home-q").press("Enter")
    expect(page.locator(".result")).to_have_count(2)
    screenshot("search-results")
    page.locator(".facet a", has_text="The Baltic Times").click()
    expect(page.locator(".result")).to_have_count(1)
    expect(page.locator(".chips")).to_contain_text("Source: The Baltic Times")
    page.locator(".result-title").first.click()
    expect(page.locator("h1")).to_have_text("NATO calls on Russia to renew dialogue with the alliance")
    expect(page).to_have_url(re.compile(r"/articles/3/"))
    screenshot("article-page")
