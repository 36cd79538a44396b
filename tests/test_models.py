import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from archive.models import Article, DatePrecision, content_hash_of, iso_at_precision
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


def test_content_hash_ignores_spacing_and_case():
    assert content_hash_of("NATO  meets\n\nin Riga.") == content_hash_of("nato meets in riga.")
    assert content_hash_of("NATO meets in Riga.") != content_hash_of("NATO meets in Vilnius.")


def test_second_copy_is_refused_with_a_message_naming_the_original():
    original = make_article(title="NATO calls on Russia", body="The same body.\n\nTwo paragraphs.")
    copy = Article(title="Copy", body="the same   body. two paragraphs.", source=original.source, language="en")
    with pytest.raises(ValidationError) as error:
        copy.full_clean()
    message = str(error.value.message_dict["body"])
    assert "NATO calls on Russia" in message and f"#{original.pk}" in message
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_editing_an_article_keeps_its_own_hash_valid():
    article = make_article(body="Original text.")
    article.title = "A new title"
    article.full_clean()
    article.save()


@pytest.mark.parametrize(
    ("date", "precision", "problem_field"),
    [
        (datetime.date(2021, 12, 1), DatePrecision.UNKNOWN, "date_precision"),
        (None, DatePrecision.DAY, "published_on"),
        (datetime.date(2021, 12, 15), DatePrecision.MONTH, "published_on"),
        (datetime.date(2021, 3, 1), DatePrecision.YEAR, "published_on"),
    ],
)
def test_date_and_precision_must_agree(date, precision, problem_field):
    article = Article(
        title="t", body="b", source=make_source(), language="en", published_on=date, date_precision=precision
    )
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert problem_field in error.value.message_dict


def test_an_undated_article_is_never_given_the_import_day():
    article = make_article(date=None)
    assert article.published_on is None
    assert article.date_precision == DatePrecision.UNKNOWN
    assert article.date_display == "date unknown"


@pytest.mark.parametrize(
    ("date", "precision", "display", "iso"),
    [
        ("2018-11-28", DatePrecision.DAY, "28 Nov 2018", "2018-11-28"),
        ("2021-12-01", DatePrecision.MONTH, "December 2021", "2021-12"),
        ("2022-01-01", DatePrecision.YEAR, "2022", "2022"),
    ],
)
def test_dates_show_at_their_precision(date, precision, display, iso):
    article = make_article(date=date, precision=precision)
    assert article.date_display == display
    assert iso_at_precision(article.published_on, precision) == iso


def test_between_places_month_and_year_articles_in_their_whole_period():
    day = make_article(date="2021-12-15")
    month = make_article(date="2021-12-01", precision=DatePrecision.MONTH)
    year = make_article(date="2021-01-01", precision=DatePrecision.YEAR)
    undated = make_article()
    found = set(Article.objects.between(datetime.date(2021, 12, 10), datetime.date(2021, 12, 20)))
    assert found == {day, month, year}
    assert undated in Article.objects.undated()
    assert set(Article.objects.between(datetime.date(2022, 1, 1), None)) == set()


def test_querysets_filter_by_actor_language_and_source():
    nato = make_actor("NATO")
    source = make_source("Yle News")
    tagged = make_article(actors=[nato], language="fi", source=source)
    make_article(language="en")
    assert list(Article.objects.mentioning(nato)) == [tagged]
    assert list(Article.objects.in_language("fi")) == [tagged]
    assert list(Article.objects.from_source(source)) == [tagged]


def test_old_slugs_keep_working_after_a_title_edit(client):
    article = make_article(title="First title")
    old_url = article.get_absolute_url()
    article.title = "Second title"
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get("/a/first-title/").status_code == 301


def test_an_article_titled_in_cyrillic_gets_a_readable_address_not_a_generic_one(client):
    article = make_article(title="Звернення Президента України", language="uk")
    assert article.get_absolute_url() == f"/articles/{article.pk}/zvernennya-prezidenta-ukraini/"
    assert client.get(article.get_absolute_url()).status_code == 200


def test_edits_keep_history():
    article = make_article(title="Before")
    article.title = "After"
    article.save()
    assert [h.title for h in article.history.order_by("history_date")] == ["Before", "After"]
