"""Search through the real page, on a real Whoosh index in a temporary directory."""

import re
from pathlib import Path

import pytest

from archive.models import DatePrecision
from archive.search.outbox import drain_all
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


def result_titles(response):
    return re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', response.content.decode())


@pytest.fixture
def archive():
    yle = make_source("Yle News", kind="news")
    mod = make_source("Ministry of Defence of Latvia", kind="ministry")
    nato = make_actor("NATO", aliases=["НАТО", "Nato"])
    lavrov = make_actor("Sergey Lavrov", kind="person", aliases=["Лавров", "Sergei Lavrov"])
    articles = {
        "letter": make_article("Lavrov letter on indivisible security", "Lavrov wrote to Nato states.", yle,
                               date="2022-01-01", precision=DatePrecision.YEAR, actors=[nato, lavrov]),
        "riga": make_article("NATO ministers meet in Riga", "Foreign ministers discussed arms control in Riga.", mod,
                             date="2021-12-02", actors=[nato]),
        "ru": make_article("Россия и НАТО", "Россия заявила о санкциях. Министр обороны России выступил.", yle,
                           language="ru", date="2021-12-01", precision=DatePrecision.MONTH, actors=[nato]),
        "old": make_article("Defence budget grows", "Latvia raises military spending to two percent.", mod,
                            date="2018-11-28"),
    }  # fmt: skip
    drain_all()
    return articles


def test_a_word_finds_its_articles_and_only_those(client, archive):
    response = client.get("/search/", {"q": "Riga"})
    assert response.status_code == 200
    assert result_titles(response) == ["NATO ministers meet in Riga"]


def test_empty_query_lists_recent_articles_newest_first(client, archive):
    titles = result_titles(client.get("/search/"))
    assert titles == ["Lavrov letter on indivisible security", "NATO ministers meet in Riga", "Россия и НАТО",
                      "Defence budget grows"]  # fmt: skip


def test_russian_inflections_find_each_other(client, archive):
    assert result_titles(client.get("/search/", {"q": "Россией"})) == ["Россия и НАТО"]
    assert result_titles(client.get("/search/", {"q": "санкция"})) == ["Россия и НАТО"]


def test_actor_aliases_cross_scripts(client, archive):
    latin = result_titles(client.get("/search/", {"q": "actor:NATO"}))
    cyrillic = result_titles(client.get("/search/", {"q": "actor:НАТО"}))
    assert latin == cyrillic and len(latin) == 3


def test_facets_count_the_current_query_with_other_filters(client, archive):
    response = client.get("/search/", {"q": "nato", "source": "yle-news"})
    facets = {facet.name: {entry.value: entry.count for entry in facet.entries} for facet in response.context["facets"]}
    assert facets["source"] == {"yle-news": 2, "ministry-of-defence-of-latvia": 1}
    assert facets["lang"] == {"en": 1, "ru": 1}
    assert facets["actor"] == {"nato": 2, "sergey-lavrov": 1}
    assert result_titles(response) == ["Lavrov letter on indivisible security", "Россия и НАТО"] or set(
        result_titles(response)
    ) == {"Lavrov letter on indivisible security", "Россия и НАТО"}


def test_values_of_one_facet_combine_with_or_and_facets_with_and(client, archive):
    both = client.get("/search/", {"source": ["yle-news", "ministry-of-defence-of-latvia"]})
    assert len(result_titles(both)) == 4
    narrowed = client.get("/search/", {"source": ["yle-news", "ministry-of-defence-of-latvia"], "lang": "ru"})
    assert result_titles(narrowed) == ["Россия и НАТО"]


def test_selected_filters_show_as_removable_chips(client, archive):
    html = client.get("/search/", {"q": "nato", "lang": "ru"}).content.decode()
    chip = re.search(r'<ul class="chips".*?</ul>', html, re.S).group()
    assert "Language: Russian" in chip and 'href="?q=nato"' in chip


def test_year_facet_drills_down_to_months(client, archive):
    response = client.get("/search/", {"year": "2021"})
    months = next(facet for facet in response.context["facets"] if facet.name == "month")
    assert [(entry.label, entry.count) for entry in months.entries] == [("December 2021", 2)]


def test_date_filters_take_partial_dates(client, archive):
    assert len(result_titles(client.get("/search/", {"date_from": "2021-12", "date_to": "2021"}))) == 2
    assert result_titles(client.get("/search/", {"q": "date:[2018 TO 2018-11]"})) == ["Defence budget grows"]


def test_highlighted_snippets_are_escaped_before_marking(client):
    make_article("Hostile markup", "NATO <script>alert('x')</script> and <img src=x onerror=alert(1) unclosed")
    drain_all()
    html = client.get("/search/", {"q": "nato"}).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)" in html
    assert "<mark>NATO</mark>" in html


def test_diacritics_fold(client):
    make_article("NATO meets to discuss Russia", "An analysis.", author="Mălina Mîndruțescu")
    drain_all()
    assert result_titles(client.get("/search/", {"q": "Mindrutescu"})) == ["NATO meets to discuss Russia"]
    assert result_titles(client.get("/search/", {"q": "author:mindrutescu"})) == ["NATO meets to discuss Russia"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"unbalanced quote'},
        {"q": "(unbalanced bracket"},
        {"q": "bracket)"},
        {"q": "nosuchfield:x"},
        {"q": "date:[2022-13 TO 2021]"},
        {"source": "no-such-source"},
        {"actor": "nobody-at-all"},
        {"source": "<script>"},
        {"year": "twenty"},
        {"month": "2021-12"},
        {"sort": "sideways"},
        {"date_from": "last tuesday"},
        {"unknown_param": "x"},
    ],
)
def test_malformed_input_gets_a_page_never_a_500(client, archive, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="notice"' in html or 'class="error"' in html or "unknown_param" in params


@pytest.mark.parametrize("query", ["x" * 5000, "a*", " ".join(f"w{n}" for n in range(60))])
def test_queries_over_the_limits_get_a_clear_400(client, archive, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    assert "Too broad" in response.content.decode()


@pytest.mark.parametrize("page", ["999999", "0", "-1", "abc", "1e9"])
def test_absurd_page_numbers_are_404(client, archive, page):
    assert client.get("/search/", {"q": "nato", "page": page}).status_code == 404


def test_an_unreadable_index_answers_503_and_saves_still_succeed(client, archive, search_index):
    for toc in Path(search_index.index_dir).glob("*.toc"):
        toc.write_bytes(b"not an index")
    from archive.search.whoosh.searcher import snapshots

    snapshots.clear()
    response = client.get("/search/", {"q": "nato"})
    assert response.status_code == 503
    assert "cannot be read right now" in response.content.decode()
    make_article("Saved while the index is broken")  # the save itself must not fail


def test_article_page_shows_metadata_and_actors(client, archive):
    article = archive["letter"]
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Yle News" in html and "2022" in html and "Sergey Lavrov" in html and article.content_hash in html


def test_facet_values_and_their_links_are_escaped(client):
    make_article("Marked up source", "NATO exercise.", make_source('Riga <b>"Times"</b> & Co'))
    drain_all()
    html = client.get("/search/", {"q": "nato", "lang": "en", "x": '"><script>'}).content.decode()
    assert "<b>" not in html and "&lt;b&gt;&quot;Times&quot;&lt;/b&gt; &amp; Co" in html
    assert '"><script>' not in html and "x=%22%3E%3Cscript%3E" in html  # the link keeps the odd parameter, encoded


def test_a_word_stemmed_alike_in_another_language_does_not_find_unrelated_texts(client, engine):
    # Polish and Lithuanian stem "NATO" to "nat", as Swedish and German stem "nätet" (the net):
    # a query form made by one language's stemmer matches only texts in that language.
    make_article("NATO summit in Vilnius", "Allies met at the NATO summit.", language="en")
    make_article("Krafttag mot terrorismmaterial på nätet", "Innehåll på nätet ska tas bort.", language="sv")
    make_article("Sanktionen im Netz", "Die Inhalte im Netz, auf dem nätet Portal.", language="de")
    make_article("Szczyt NATO w Wilnie", "Sojusznicy spotkali się na szczycie NATO.", language="pl")
    drain_all()
    assert sorted(result_titles(client.get("/search/", {"q": "NATO"}))) == ["NATO summit in Vilnius",
                                                                           "Szczyt NATO w Wilnie"]  # fmt: skip
    assert sorted(result_titles(client.get("/search/", {"q": "nätet"}))) == [
        "Krafttag mot terrorismmaterial på nätet", "Sanktionen im Netz"]  # fmt: skip
