"""Journalists browse by actor and by date in a real browser, following timeline bars."""

import re

import pytest
from playwright.sync_api import expect

from archive.models import Article
from tests.corpus import make_corpus, make_events

pytestmark = pytest.mark.browser


@pytest.fixture
def corpus(transactional_db):
    actors = make_corpus(150)
    make_events()
    return actors


def test_home_actor_histogram_bar_narrowed_search_article(page, corpus, screenshot):
    page.goto("/")
    page.locator(".top-actors a", has_text="NATO").click()
    expect(page.locator("h1")).to_have_text("NATO")
    expect(page.locator(".aliases")).to_contain_text("НАТО")
    screenshot("actor-page")
    bar = page.locator("#actor-timeline-title ~ g.bars a").last
    label = bar.get_attribute("aria-label")
    period, count = re.match(r"(.+): (\d+) articles?", label).groups()
    bar.locator("rect.hit-area").click()
    expect(page).to_have_url(re.compile(r"/search/\?actor=nato&date_from=\d{4}-\d{2}&date_to=\d{4}-\d{2}$"))
    expect(page.locator(".summary")).to_be_visible()
    # The bar counts articles dated within its month; the search also lists those known only
    # to the year, whose period overlaps the month (they are set apart under the chart).
    times = page.locator(".result time").all_inner_texts()
    assert len([text for text in times if not re.fullmatch(r"\d{4}", text)]) == int(count)
    first = page.locator(".result-title").first
    title = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".article-meta")).to_contain_text(period.split()[-1])


def test_year_month_article(page, corpus, screenshot):
    page.goto("/archive/")
    expect(page.locator("svg.heat")).to_be_visible()
    page.locator(".period-list a", has_text="2021").click()
    expect(page.locator("h1")).to_have_text("2021")
    page.locator(".period-list a", has_text="December 2021").click()
    expect(page.locator("h1")).to_have_text("December 2021")
    expect(page.locator(".event-legend")).to_contain_text("NATO foreign ministers' meeting in Riga")
    screenshot("month-page")
    link = page.locator(".day-heading + .results .result-title").first
    title = link.inner_text()
    link.click()
    expect(page.locator("h1")).to_have_text(title)
    article = Article.objects.get(title=title)
    assert (article.published_on.year, article.published_on.month) == (2021, 12)


def test_compare_chart(page, corpus, screenshot):
    page.goto("/actors/russia/")
    page.get_by_role("link", name="Compare Russia with others").click()
    page.locator('input[name="s"]').nth(1).fill("actor:НАТО")
    page.locator('input[name="s"]').nth(2).fill("sanctions")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("svg.chart")).to_have_count(2)
    expect(page.locator(".series-legend").first).to_contain_text("NATO")
    screenshot("compare-chart")
