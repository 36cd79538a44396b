"""Browsing by date and by actor, timelines on pages, and the compare view, through real pages."""

import datetime
import re

import pytest

from archive.models import Article, DatePrecision, Event
from archive.search.outbox import drain_all
from tests.corpus import make_corpus, make_events
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db

MONTH, YEAR = DatePrecision.MONTH, DatePrecision.YEAR


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def titles(page):
    return re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', page)


def section(page, heading_id):
    """The HTML of the <section> labelled by `heading_id`."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def bar_links(page):
    """(aria-label, href) of each bar in the page's SVG charts."""
    return re.findall(r'<a href="([^"]*)" aria-label="([^"]*)">\s*<rect class="hit-area"', page)


@pytest.fixture
def archive():
    mod = make_source("Ministry of Defence of Latvia", kind="ministry")
    yle = make_source("Yle News")
    nato = make_actor("NATO", aliases=["НАТО", "OTAN"])
    lavrov = make_actor("Sergey Lavrov", kind="person", aliases=["Сергей Лавров"])
    latvia = make_actor("Latvia", kind="country", aliases=["Latvija"])
    made = {
        "riga": make_article("Ministers meet in Riga", source=mod, date="2021-12-01", actors=[nato, latvia]),
        "call": make_article("Video call", source=yle, date="2021-12-07", actors=[nato, lavrov]),
        "analysis": make_article("NATO meets to discuss Russia", source=yle, date="2021-12-01", precision=MONTH,
                                 actors=[nato]),
        "letter": make_article("Lavrov letter", source=yle, date="2022-01-01", precision=YEAR, actors=[lavrov, nato]),
        "old": make_article("Defence budget grows", source=mod, date="2018-11-28", actors=[latvia]),
        "undated": make_article("Features of the security environment", source=mod, actors=[latvia]),
    }  # fmt: skip
    drain_all()
    return made


def test_archive_index_shows_years_heat_strip_and_undated(client, archive):
    page = html(client.get("/archive/"))
    assert re.search(r'href="/archive/2021/">2021</a> <span class="count">3', page)
    assert re.search(r'href="/archive/2022/">2022</a> <span class="count">1 <span[^>]*>\(1 year only\)', page)
    assert 'aria-label="December 2021: 3 articles"' in page  # two to the day, one to the month
    row_2021 = re.search(r'<th scope="row">2021</th>(.*?)</tr>', page).group(1)
    assert re.findall(r"<td>(?:<a[^>]*>)?(\d+)", row_2021) == ["0"] * 11 + ["3"]
    assert 'href="/archive/12/"' not in page
    assert "Date unknown</a>: 1 article" in page


def test_year_page_lists_months_and_keeps_year_only_articles_apart(client, archive):
    page = html(client.get("/archive/2022/"))
    assert titles(section(page, "year-only")) == ["Lavrov letter"]
    assert "January 2022</a>" not in page  # the letter has no month: January is empty
    assert 'rel="prev" href="/archive/2021/"' in page
    page_2021 = html(client.get("/archive/2021/"))
    assert re.search(r'href="/archive/2021/12/">December 2021</a> <span class="count">3', page_2021)
    assert 'rel="prev" href="/archive/2018/"' in page_2021 and 'rel="next" href="/archive/2022/"' in page_2021


def test_month_page_puts_month_precision_articles_apart_from_the_days(client, archive):
    page = html(client.get("/archive/2021/12/"))
    assert titles(section(page, "month-only")) == ["NATO meets to discuss Russia"]
    days = page.split("Day by day", 1)[1]
    assert titles(days) == ["Ministers meet in Riga", "Video call"]
    assert "1 article from 2021" not in page
    assert 'rel="prev" href="/archive/2018/11/"' in page
    assert 'aria-label="1 Dec 2021: 1 article"' in page and 'href="/archive/2021/12/07/"' in page
    assert "known only to the month or year" in page


def test_day_page_lists_that_day_and_points_to_the_month(client, archive):
    page = html(client.get("/archive/2021/12/01/"))
    assert titles(page) == ["Ministers meet in Riga"]
    assert "1 more article from December 2021 is known only to the month" in page
    assert 'rel="next" href="/archive/2021/12/07/"' in page


def test_undated_articles_have_their_own_page(client, archive):
    assert titles(html(client.get("/archive/undated/"))) == ["Features of the security environment"]
    assert titles(html(client.get("/archive/undated/", {"page": "999"}))) == ["Features of the security environment"]


@pytest.mark.parametrize(
    "url", ["/archive/2021/13/", "/archive/2021/02/30/", "/archive/0/", "/archive/99999/", "/archive/2021/0/"]
)
def test_impossible_dates_are_404_not_500(client, url):
    assert client.get(url).status_code == 404


def test_an_empty_year_says_so(client, archive):
    page = html(client.get("/archive/1990/"))
    assert "0 articles dated to 1990" in page and 'rel="next" href="/archive/2018/"' in page


@pytest.mark.parametrize("url", ["/archive/1/", "/archive/9999/", "/archive/9999/12/", "/archive/9999/12/31/"])
def test_the_first_and_last_representable_dates_work(client, archive, url):
    assert client.get(url).status_code == 200


def test_an_actor_without_articles_has_an_empty_timeline(client):
    actor = make_actor("Nobody")
    page = html(client.get(actor.get_absolute_url()))
    assert "0 articles" in page and "<svg" not in page and "No article mentions Nobody yet." in page


def test_actor_directory_finds_any_alias_in_any_script_and_case(client, archive):
    for text in ["нато", "НАТО", "otan", "nato"]:
        page = html(client.get("/actors/", {"name": text}))
        assert re.findall(r'<a href="/actors/([^/]+)/">', page) == ["nato"], text
    assert re.findall(r'<a href="/actors/([^/]+)/">', html(client.get("/actors/", {"name": "лавров"}))) == [
        "sergey-lavrov"
    ]


def test_actor_directory_filters_by_kind_and_counts_articles(client, archive):
    page = html(client.get("/actors/", {"kind": "person"}))
    assert re.findall(r'<a href="/actors/([^/]+)/">', page) == ["sergey-lavrov"]
    counts = dict(
        re.findall(r'<a href="/actors/([^/]+)/">.*?class="count"[^>]*>(\d+)', html(client.get("/actors/")), re.S)
    )
    assert counts == {"latvia": "3", "nato": "4", "sergey-lavrov": "2"}
    by_articles = html(client.get("/actors/", {"sort": "articles"}))
    assert re.findall(r'<a href="/actors/([^/]+)/">', by_articles)[0] == "nato"


def test_actor_directory_answers_bad_filters_clearly(client, archive):
    page = html(client.get("/actors/", {"kind": "dragon", "page": "x", "name": "x" * 500}))
    assert "Select a valid choice" in page and "at most 100 characters" in page


def test_actor_page_has_aliases_timeline_co_mentions_and_sources(client, archive):
    event = Event.objects.create(name="NATO ministers meet in Riga", date=datetime.date(2021, 11, 30),
                                 end_date=datetime.date(2021, 12, 1))  # fmt: skip
    event.actors.add(archive["riga"].actors.get(name="NATO"))
    page = html(client.get("/actors/nato/", {"sort": "oldest"}))
    assert "НАТО" in page and "OTAN" in page
    assert titles(page) == ["Ministers meet in Riga", "NATO meets to discuss Russia", "Video call", "Lavrov letter"]
    bars = bar_links(page)
    assert [label for _, label in bars] == ["December 2021: 3 articles"]
    assert bars[0][0] == "/search/?actor=nato&amp;date_from=2021-12&amp;date_to=2021-12"
    assert "Not drawn as bars, because their date is known only to the month or year" in page
    assert 'class="event"' in page and "NATO ministers meet in Riga</strong>, <time" in page
    co = re.findall(r'<a href="/actors/([^/]+)/">[^<]*</a> <a class="count" href="([^"]*)"[^>]*>(\d+) in common', page)
    assert [(slug, n) for slug, _, n in co] == [("sergey-lavrov", "2"), ("latvia", "1")]
    assert re.findall(r'<ul class="counts top-sources">.*?</ul>', page, re.S)[0].count("<li>") == 2


def test_co_mention_link_finds_the_articles_in_common(client, archive):
    page = html(client.get("/actors/nato/"))
    link = re.search(r'<a class="count" href="([^"]*)"[^>]*>2 in common', page).group(1).replace("&amp;", "&")
    assert sorted(titles(html(client.get(link)))) == ["Lavrov letter", "Video call"]


def test_histogram_bar_narrows_the_search_to_its_period(client, archive):
    page = html(client.get("/search/", {"q": "actor:nato"}))
    bars = {label: href for href, label in bar_links(page)}
    assert list(bars) == ["December 2021: 3 articles"]  # month bins; the 2022 letter is year-only
    narrowed = html(client.get("/search/" + bars["December 2021: 3 articles"].replace("&amp;", "&")))
    assert sorted(titles(narrowed)) == ["Ministers meet in Riga", "NATO meets to discuss Russia", "Video call"]
    assert '2022</a> <span class="count">1</span>' in page


def test_narrowed_to_a_month_the_search_shows_days_and_sets_month_only_hits_apart(client, archive):
    page = html(client.get("/search/", {"q": "actor:nato", "date_from": "2021-12", "date_to": "2021-12"}))
    labels = [label for _, label in bar_links(page)]
    assert labels == ["1 Dec 2021: 1 article", "7 Dec 2021: 1 article"]
    assert re.search(r'December 2021</a> <span class="count">1</span>', page)
    assert page.count('<th scope="row">') == 31  # every day of the month in the data table


def test_search_without_dated_hits_has_no_chart_but_says_why(client, archive):
    page = html(client.get("/search/", {"q": "features"}))
    assert "<svg" not in page and "1 article with an unknown date is not on the timeline" in page


def test_source_page_has_the_same_timeline(client, archive):
    page = html(client.get("/sources/yle-news/"))
    assert [label for _, label in bar_links(page)] == ["December 2021: 2 articles"]
    assert titles(page) == ["Lavrov letter", "Video call", "NATO meets to discuss Russia"]


def test_compare_charts_counts_and_shares(client, archive):
    page = html(client.get("/compare/", {"s": ["actor:nato", "actor:latvia"]}))
    assert page.count('class="series-line"') == 4  # two series, in the counts and the shares chart
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S))
    cell = r'<td>(?:<a href="[^"]*">)?(\d+)(?:</a>)? <span class="meta">\(([\d.]+%)\)'
    assert re.findall(cell, rows["December 2021"]) == [("3", "100%"), ("1", "33%")]
    assert re.findall(cell, rows["November 2018"]) == [("0", "0%"), ("1", "100%")]
    assert "1 not charted" in page  # NATO's year-only letter of 2022
    assert ">NATO</a>" in page and ">Latvia</a>" in page


def test_compare_takes_at_most_five_and_explains_bad_series(client, archive):
    page = html(client.get("/compare/", {"s": ["a1", "b2", "c3", "d4", "e5", "f6"]}))
    assert "Only the first 5 series are charted." in page
    page = html(client.get("/compare/", {"s": ['"riga', "ri*"]}))
    assert "Searched for the words instead" in page and "was left out" in page
    assert html(client.get("/compare/")).count('name="s"') == 5


def test_names_are_escaped_in_charts_and_pages(client):
    actor = make_actor("<script>alert(1)</script>", aliases=["<b>x</b>"])
    make_article(date="2021-05-05", actors=[actor])
    drain_all()
    page = html(client.get(actor.get_absolute_url()))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    compare = html(client.get("/compare/", {"s": "<script>alert(2)</script>"}))
    assert "<script>alert(2)" not in compare


def test_pages_work_on_a_corpus_of_hundreds_over_ten_years(client):
    actors = make_corpus(300)
    riga, _ = make_events()
    riga.actors.add(actors["nato"])  # the ministers' meeting is NATO's: marked on NATO's timeline
    drain_all()
    published = Article.objects.published()
    index = html(client.get("/archive/"))
    years = [int(n) for n in re.findall(r'href="/archive/\d{4}/">\d{4}</a> <span class="count">(\d+)', index)]
    assert sum(years) + published.undated().count() == published.count() == 300
    for url in ["/archive/2022/", "/archive/2022/02/", "/archive/undated/", "/actors/", "/actors/nato/",
                "/compare/?s=actor:nato&s=actor:russia&s=actor:latvia", "/search/?q=security"]:  # fmt: skip
        assert "<svg" in html(client.get(url)) or url in {"/archive/undated/", "/actors/"}, url
    nato = html(client.get("/actors/nato/"))
    placed = sum(int(n.replace(",", "")) for n in re.findall(r"<td>([\d,]+)</td>", nato))
    coarser = sum(
        int(n) for n in re.findall(r'</a> <span class="count">(\d+)</span>(?:, |\.)', nato.split("Not drawn")[1])
    )
    undated = published.mentioning(actors["nato"]).undated().count()
    assert placed + coarser + undated == published.mentioning(actors["nato"]).count()
    assert riga.name.replace("'", "&#x27;") in nato


def test_an_editor_adds_an_event_in_the_admin_and_timelines_mark_it(client, archive):
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    nato = archive["riga"].actors.get(name="NATO")
    form = {"name": "Riga <meeting>", "when": "2021-11-30", "until": "2021-12-01",
            "actors": [nato.pk], "description": "Foreign ministers met.", "link": "nato.int"}  # fmt: skip
    response = client.post("/admin/archive/event/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.link == "https://nato.int" and list(event.actors.all()) == [nato]
    refused = client.post("/admin/archive/event/add/", {**form, "until": "2021-11-01"})
    assert refused.status_code == 200 and "The end is before the start." in refused.content.decode()
    for url in ["/actors/nato/", "/search/?q=riga", "/search/?q=nato", "/archive/2021/12/", "/compare/?s=actor:nato"]:
        page = html(client.get(url))
        assert "Riga &lt;meeting&gt;</strong>, <time" in page and 'class="event"' in page, url
    assert "Riga &lt;meeting&gt;" not in html(client.get("/archive/2018/11/"))


def test_seed_articles_sit_at_the_precision_their_texts_support(client):
    from django.core.management import call_command

    call_command("load_seed_content", verbosity=0)
    drain_all()
    december = html(client.get("/archive/2021/12/"))
    assert titles(section(december, "month-only")) == ["NATO meets to discuss Russia"]
    assert titles(december.split("Day by day", 1)[1]) == ["NATO calls on Russia to renew dialogue with the alliance"]
    letter = "Russia publishes foreign minister&#x27;s letter on mutual security to Finland, other EU countries"
    assert titles(section(html(client.get("/archive/2022/")), "year-only")) == [letter]
    assert titles(html(client.get("/archive/undated/"))) == ["Features of international security environment"]
    assert titles(html(client.get("/archive/2018/11/28/"))) == [
        "Latvia invites Russia to ensure greater transparency and openness regarding military activities"
    ]
    for url in ["/archive/", "/actors/", "/sources/yle-news/", "/compare/?s=nato&s=russia", "/search/?q=nato"]:
        html(client.get(url))


def test_an_editor_gives_an_event_as_a_month_or_a_year(client, editor):
    for when, precision, start, end in [("2022-02", "month", "2022-02-01", "2022-02-28"),
                                        ("2014", "year", "2014-01-01", "2014-12-31")]:  # fmt: skip
        response = client.post("/admin/archive/event/add/", {"name": f"Event {when}", "when": when})
        assert response.status_code == 302, response.content.decode()[:2000]
        event = Event.objects.get(name=f"Event {when}")
        assert (event.date_precision, event.date.isoformat(), event.end.isoformat()) == (precision, start, end)
    event = Event.objects.get(name="Event 2022-02")
    form = html(client.get(f"/admin/archive/event/{event.pk}/change/"))
    assert 'name="when" value="2022-02"' in form
    refused = client.post("/admin/archive/event/add/", {"name": "Bad", "when": "Feb 2022"})
    assert refused.status_code == 200 and "is not a date" in refused.content.decode()


def test_an_event_without_actors_is_marked_only_where_a_search_asks_about_it(client, archive):
    Event.objects.create(name="Baltic storm floods Riga harbour", date=datetime.date(2021, 12, 1))
    nato = archive["riga"].actors.get(name="NATO")
    summit = Event.objects.create(name="Summit in Brussels", date=datetime.date(2021, 12, 2))
    summit.actors.add(nato)
    actor_page = html(client.get("/actors/nato/"))
    assert "Summit in Brussels" in actor_page and "Baltic storm" not in actor_page
    assert "Baltic storm" not in html(client.get("/search/?q=video"))
    assert "Baltic storm" in html(client.get("/search/?q=riga"))  # a word of its name
    assert "Summit in Brussels" in html(client.get("/search/?actor=nato"))
    assert "Baltic storm" not in html(client.get("/sources/ministry-of-defence-of-latvia/"))
    assert "Baltic storm" in html(client.get("/archive/2021/12/"))  # browsing by date shows every event
    assert "Baltic storm" not in html(client.get("/compare/?s=actor:nato"))


@pytest.mark.parametrize(
    "sort, first",
    [("", "Lavrov letter"), ("newest", "Lavrov letter"), ("oldest", "Ministers meet in Riga"), ("x", "Lavrov letter")],
)
def test_actor_pages_list_the_newest_first_unless_asked_otherwise(client, archive, sort, first):
    page = html(client.get("/actors/nato/", {"sort": sort}))
    assert titles(page)[0] == first
    assert "Newest first" in page and "Oldest first" in page and "Most relevant" in page


def test_relevance_on_an_actor_page_puts_the_texts_that_mention_it_most_first(client, archive):
    from archive.models import ArticleActor

    ArticleActor.objects.filter(article=archive["call"], actor__name="NATO").update(mention_count=9)
    assert titles(html(client.get("/actors/nato/", {"sort": "relevance"})))[0] == "Video call"


def test_source_pages_sort_newest_first_and_oldest_on_request(client, archive):
    url = "/sources/ministry-of-defence-of-latvia/"
    assert titles(html(client.get(url)))[:2] == ["Ministers meet in Riga", "Defence budget grows"]
    assert titles(html(client.get(url, {"sort": "oldest"})))[0] == "Defence budget grows"
    assert titles(html(client.get(url, {"sort": "relevance"})))[0] == "Ministers meet in Riga"  # two actors


def test_the_actor_directory_lists_an_exact_or_alias_match_first(client):
    make_actor("Anatoly Antonov", kind="person", aliases=["Анатолий Антонов"])
    nato = make_actor("NATO", aliases=["НАТО"])
    for filler in range(3):
        make_article(f"Antonov speaks {filler}", actors=[nato.__class__.objects.get(name="Anatoly Antonov")])
    page = html(client.get("/actors/", {"name": "нато"}))
    names = re.findall(r'<a href="/actors/[^/]+/">([^<]+)</a>', page)
    assert names[:2] == ["NATO", "Anatoly Antonov"], names
    by_name = re.findall(
        r'<a href="/actors/[^/]+/">([^<]+)</a>', html(client.get("/actors/", {"name": "нато", "sort": "name"}))
    )
    assert by_name[0] == "NATO"


def test_the_facet_expander_says_how_many_more_values_there_are(client):
    actors = [make_actor(f"Actor {n:02d}") for n in range(25)]
    make_article("Everyone at the table", actors=actors, date="2022-01-01")
    drain_all()
    page = html(client.get("/search/", {"q": "table"}))
    assert "Show 5 more" in page and "Show all 0" not in page


def test_compare_offers_monthly_bins_and_marks_shares_of_few_articles_uncertain(client, archive):
    page = html(client.get("/compare/", {"s": ["actor:nato"], "bins": "month"}))
    assert "per month" in page
    assert "uncertain" in page  # a handful of articles per month: every share is uncertain here
    assert 'class="series-point uncertain"' in page
    by_year = html(client.get("/compare/", {"s": ["actor:nato"], "bins": "year"}))
    assert "per year" in by_year
    assert "Ignored an unknown choice" in html(client.get("/compare/", {"s": ["actor:nato"], "bins": "fortnight"}))


def test_an_actor_page_lists_the_texts_they_speak_in_apart_from_those_that_mention_them(client, archive):
    from archive.models import ArticleActor

    lavrov = archive["call"].actors.get(name="Sergey Lavrov")
    speech = make_article("Lavrov's address", date="2022-02-01", actors=[])
    ArticleActor.objects.create(article=speech, actor=lavrov, role=ArticleActor.Role.SPEAKER)
    drain_all()
    page = html(client.get("/actors/sergey-lavrov/"))
    assert "Sergey Lavrov speaking (1)" in page and "Mentioning Sergey Lavrov (2)" in page
    assert "Lavrov&#x27;s address" not in "".join(titles(page)) and set(titles(page)) == {"Lavrov letter", "Video call"}
    speaking = html(client.get("/actors/sergey-lavrov/", {"role": "speaker"}))
    assert titles(speaking) == ["Lavrov&#x27;s address"]
    assert "3 articles" in page  # the heading counts every text that names him
    assert html(client.get("/actors/sergey-lavrov/", {"role": "nonsense"}))  # an unknown role lists mentions
