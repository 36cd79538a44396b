"""Atom feeds for a search, an actor and a source, read back by feedparser."""

import feedparser
import pytest

from archive.models import Source
from archive.search.outbox import drain_all
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    lavrov = make_actor("Sergey Lavrov", kind="person")
    nato = make_actor("NATO")
    ministry = make_source("Ministry of Foreign Affairs of Russia", kind=Source.Kind.MINISTRY)
    news = make_source("Yle News", kind=Source.Kind.NEWS)
    articles = {
        "ministry_en": make_article("Lavrov: security guarantees", "Lavrov on guarantees.", source=ministry,
                                    date="2021-12-17", actors=[lavrov], author="Press service"),
        "ministry_ru": make_article("Лавров о гарантиях", "Лавров о гарантиях.", source=ministry, language="ru",
                                    date="2021-12-18", actors=[lavrov]),
        "news_en": make_article("Lavrov letter published", "Yle reports on the Lavrov letter.", source=news,
                                date="2022-01-20", actors=[lavrov, nato], lede="<b>Bold</b> & <script>x()</script>"),
    }  # fmt: skip
    drain_all()
    return articles


def parsed(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_journalist_subscribes_to_actor_language_and_source_kind(client, archive):
    feed = parsed(client.get("/feeds/search/", {"actor": "sergey-lavrov", "lang": "en", "kind": "ministry"}))
    assert [entry.title for entry in feed.entries] == ["Lavrov: security guarantees"]
    entry = feed.entries[0]
    assert entry.link.endswith(archive["ministry_en"].get_absolute_url())
    assert entry.id == f"http://testserver/articles/{archive['ministry_en'].pk}/"
    assert entry.author == "Press service"
    assert entry.published.startswith("2021-12-17")
    assert [tag.term for tag in entry.tags] == ["Sergey Lavrov"]
    assert "actor: sergey-lavrov" in feed.feed.title
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert "actor=sergey-lavrov" in self_link and "kind=ministry" in self_link


def test_a_search_feed_lists_the_newest_first_whatever_the_sort(client, archive):
    feed = parsed(client.get("/feeds/search/", {"q": "lavrov OR лавров", "sort": "oldest"}))
    assert [entry.title for entry in feed.entries] == [
        "Lavrov letter published", "Лавров о гарантиях", "Lavrov: security guarantees",
    ]  # fmt: skip


def test_an_actor_feed(client, archive):
    feed = parsed(client.get("/feeds/actors/nato/"))
    assert feed.feed.title == "NATO – Security Press Archive"
    assert [entry.title for entry in feed.entries] == ["Lavrov letter published"]


def test_a_source_feed(client, archive):
    feed = parsed(client.get("/feeds/sources/ministry-of-foreign-affairs-of-russia/"))
    assert {entry.title for entry in feed.entries} == {"Lavrov: security guarantees", "Лавров о гарантиях"}


def test_markup_in_a_text_is_shown_not_run(client, archive):
    feed = parsed(client.get("/feeds/actors/nato/"))
    # The summary is HTML whose text is the lede, tags and all: a reader shows them as characters.
    assert feed.entries[0].summary == "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;"
    raw = client.get("/feeds/actors/nato/").content.decode()
    assert "<script>" not in raw


def test_a_feed_id_survives_a_title_edit(client, archive):
    article = archive["news_en"]
    before = parsed(client.get("/feeds/actors/nato/")).entries[0].id
    article.title = "Lavrov letter published in full"
    article.save()
    after = parsed(client.get("/feeds/actors/nato/")).entries[0]
    assert after.id == before and after.title == "Lavrov letter published in full"


def test_unknown_actor_or_source_is_a_404(client, archive):
    assert client.get("/feeds/actors/nobody/").status_code == 404
    assert client.get("/feeds/sources/nowhere/").status_code == 404


@pytest.mark.parametrize("params", [{"q": "ab*"}, {"q": "nato", "date_to": "soon"}, {"sort": "random"}])
def test_a_bad_search_is_a_400_with_a_message(client, archive, params):
    response = client.get("/feeds/search/", params)
    assert response.status_code == 400 and response.content.decode().startswith("No feed:")


def test_actor_and_source_pages_link_their_feeds(client, archive):
    actor_page = client.get("/actors/sergey-lavrov/").content.decode()
    assert 'class="feed-link" href="/feeds/actors/sergey-lavrov/"' in actor_page
    assert 'rel="alternate" type="application/atom+xml"' in actor_page
    source_page = client.get("/sources/yle-news/").content.decode()
    assert 'href="/feeds/sources/yle-news/"' in source_page


def test_the_search_page_advertises_its_feed(client, archive):
    html = client.get("/search/", {"actor": "sergey-lavrov", "lang": "en", "page": "1"}).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" title="New articles for this search" ' in html
    assert 'href="/feeds/search/?actor=sergey-lavrov&amp;lang=en">' in html
