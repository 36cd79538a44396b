"""The sitemap, robots.txt, and permalinks that survive a title edit."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client):
    """Every page address the sitemap lists, following its index to each section's pages."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    locations = []
    for section in ET.fromstring(index.content).findall("s:sitemap/s:loc", SITEMAP_NS):
        page = client.get(section.text.removeprefix("http://testserver"))
        assert page.status_code == 200
        locations += [loc.text for loc in ET.fromstring(page.content).findall("s:url/s:loc", SITEMAP_NS)]
    return locations


def test_the_sitemap_lists_published_articles_sources_and_actors(client):
    nato = make_actor("NATO")
    source = make_source("Yle News")
    shown = make_article("Shown", source=source, actors=[nato])
    hidden = make_article("Hidden", source=source, is_published=False)
    locations = sitemap_locations(client)
    assert f"http://testserver{shown.get_absolute_url()}" in locations
    assert f"http://testserver{hidden.get_absolute_url()}" not in locations
    assert "http://testserver/sources/yle-news/" in locations and "http://testserver/actors/nato/" in locations
    assert "http://testserver/" in locations


def test_the_sitemap_lists_every_article_when_there_are_more_than_one_page_holds(client, monkeypatch):
    from archive.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article(f"Article {number}") for number in range(5)]
    locations = sitemap_locations(client)
    assert all(f"http://testserver{article.get_absolute_url()}" in locations for article in articles)


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_off_endless_pages(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert {"Disallow: /search/", "Disallow: /admin/", "Disallow: /api/"} <= set(lines)


def test_a_permalink_survives_title_edits_and_old_slugs_redirect(client):
    article = make_article("First title")
    old_url = article.get_absolute_url()
    article.title = "Second title"
    article.save()
    article.title = "Third title"
    article.save()
    new_url = article.get_absolute_url()
    assert new_url == f"/articles/{article.pk}/third-title/"
    for old in (old_url, f"/articles/{article.pk}/second-title/", f"/articles/{article.pk}/", "/a/first-title/"):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new_url, old
    assert client.get(new_url).status_code == 200
