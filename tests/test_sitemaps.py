"""The sitemap, robots.txt, and permalinks that survive a title edit."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_the_sitemap_lists_published_articles_sources_and_actors(client):
    nato = make_actor("NATO")
    source = make_source("Yle News")
    shown = make_article("Shown", source=source, actors=[nato])
    hidden = make_article("Hidden", source=source, is_published=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = [loc.text for loc in ET.fromstring(response.content).findall("s:url/s:loc", SITEMAP_NS)]
    assert f"http://testserver{shown.get_absolute_url()}" in locations
    assert f"http://testserver{hidden.get_absolute_url()}" not in locations
    assert "http://testserver/sources/yle-news/" in locations and "http://testserver/actors/nato/" in locations
    assert "http://testserver/" in locations


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
