"""Records (JSON/CSV) import clean: markup read away, bylines checked, a URL shared by translations and distinct
texts, headline items, speakers. The golden files in tests/ingest_examples/records/ show each rule end to end."""

import io
import json
import re

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.ingest.bylines import is_byline
from archive.ingest.markup import LEFTOVER, plain_line, plain_text
from archive.models import Actor, Article, ArticleActor
from tests.ingest_helpers import EXAMPLES, make_registry

TRANSLATIONS = EXAMPLES / "records" / "translations_sharing_a_url.jsonl"


def import_records(path, *options):
    out = io.StringIO()
    call_command("import_articles", str(path), "--quiet-progress", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write_records(path, records):
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def markup_left(text):
    return [name for name, pattern in LEFTOVER.items() if pattern.search(text)]


def test_markdown_emphasis_escapes_headings_links_and_inline_tags_leave_only_their_words():
    text = "**Bold** and [a link](https://example.org) with <sup>1</sup> and <u>underline</u>.\n\n\\#\\#\\#\n\n## Next"
    assert plain_text(text) == "Bold and a link with 1 and underline.\n\nNext"


def test_unpaired_asterisks_at_a_words_edge_go_but_inside_a_word_they_are_the_texts_own():
    assert plain_line("*Громадяни України.**") == "Громадяни України."
    assert plain_line("Tämä on hevonp**kaa") == "Tämä on hevonp**kaa"
    assert plain_text("countries.*** President") == "countries. President"


def test_plain_text_without_markup_keeps_one_paragraph_per_line():
    text = "First line, a paragraph.\nSecond line, another."
    assert plain_text(text) == text


def test_an_html_fragment_becomes_paragraphs_with_list_bullets_and_no_script():
    html = "<p>One<br>two</p><ul><li>Item</li></ul><script>alert(1)</script><p>Three &amp; four</p>"
    assert plain_text(html) == "One two\n\n- Item\n\nThree & four"


MARKUP_PIECES = st.sampled_from(["**", "*", "\\#", "### ", "<u>", "</u>", "<sup>", "</sup>", "[", "](http://x.y)",
                                 "\n", "\n\n", " ", "- ", "__"])  # fmt: skip
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöåжзиклмн", min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, MARKUP_PIECES), max_size=40))
def test_whatever_the_markup_no_emphasis_escape_heading_or_tag_is_left_and_every_word_stays(pieces):
    text = "".join(pieces)
    cleaned = plain_text(text)
    assert markup_left(cleaned) == []
    assert letters(cleaned) == letters(re.sub(r"\(http://x\.y\)|<[^>]*>", "", text))


def letters(text):
    return "".join(re.findall(r"[^\W\d_]", text))


@pytest.mark.parametrize(
    "line", ["Anna Kovalenko", "Марина ЛАВРОВА", "Office of the Press Secretary", "Прес-служба Президента",
             "John A. Smith Jr.", "LETA/TBT Staff"],
)  # fmt: skip
def test_a_name_or_credit_line_is_a_byline(line):
    assert is_byline(line)


@pytest.mark.parametrize(
    "line", ["Громадяни України.", "Dear friends!", "Українці! Українки!", "Шановні громадяни", "Ladies and Gentlemen",
             "Наші захисники, захисниці", "The ministers met in Riga on Monday.", ""],
)  # fmt: skip
def test_a_sentence_or_salutation_is_not_a_byline(line):
    assert not is_byline(line)


@pytest.mark.django_db
def test_translations_sharing_a_url_link_both_ways_and_the_page_says_also_in_english(client):
    import_records(TRANSLATIONS)
    ukrainian = Article.objects.get(title="Звернення щодо захисту неба")
    english = Article.objects.get(title="Address on protecting the sky")
    assert list(ukrainian.language_versions()) == [english, ukrainian]
    assert list(english.language_versions()) == [english, ukrainian]
    page = client.get(ukrainian.get_absolute_url()).content.decode()
    assert re.search(r'Also in: <a href="[^"]+" hreflang="en" lang="en">English</a>', page)
    assert "Also in" in client.get(english.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_distinct_texts_at_one_url_are_separate_articles_and_a_reimport_changes_nothing():
    import_records(TRANSLATIONS)
    assert Article.objects.filter(url="https://video.example.org/watch?v=abc123").count() == 4
    before = list(Article.objects.values_list("pk", "content_hash", "translation_of_id").order_by("pk"))
    assert "0 imported, 0 updated, 4 duplicate" in import_records(TRANSLATIONS)
    assert list(Article.objects.values_list("pk", "content_hash", "translation_of_id").order_by("pk")) == before


@pytest.mark.django_db
def test_a_headline_item_is_shown_as_such_in_results_and_on_its_page(client, tmp_path):
    path = write_records(tmp_path / "headlines.jsonl", [{"title": "Case: claims about the exercise", "text": "",
                         "date": "2020-11-03", "language": "en", "publisher": "Case Index"}])  # fmt: skip
    assert "1 imported" in import_records(path)
    article = Article.objects.get()
    assert article.is_headline and list(Article.objects.headlines()) == [article]
    assert (
        "Headline item: the source gives a title and a date, no text."
        in client.get(article.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_a_speaker_from_metadata_is_an_actor_with_the_speaker_role_and_an_unknown_one_is_added(tmp_path):
    make_registry()
    path = write_records(tmp_path / "speech.jsonl", [{"title": "Address", "text": "Today was a hard day; we hold on.",
                         "date": "2022-04-01", "language": "en", "publisher": "Desk",
                         "meta": {"speaker": ["Володимир Зеленський", "OLENA EXAMPLE"]}}])  # fmt: skip
    import_records(path)
    speakers = ArticleActor.objects.filter(role=ArticleActor.Role.SPEAKER).select_related("actor")
    assert sorted(mention.actor.name for mention in speakers) == ["Olena Example", "Volodymyr Zelensky"]
    assert Actor.objects.get(name="Olena Example").kind == Actor.Kind.PERSON
    assert import_records(path).startswith("0 imported")  # the added actor is found again, not added twice
    assert Actor.objects.filter(name="Olena Example").count() == 1


@pytest.mark.django_db
def test_the_export_keeps_speakers_and_translations_and_restores_them(tmp_path):
    import_records(TRANSLATIONS)
    make_registry()
    record = {"title": "Address", "text": "We hold on.", "date": "2022-04-01", "language": "en",
              "publisher": "Desk", "meta": {"speaker": "Volodymyr Zelensky"}}  # fmt: skip
    speech = write_records(tmp_path / "speech.jsonl", [record])
    import_records(speech)
    dump = tmp_path / "dump.jsonl"
    call_command("export_articles", "--format", "jsonl", "--output", str(dump), stdout=io.StringIO())
    before = list(Article.objects.values_list("pk", "translation_of_id").order_by("pk"))
    Article.objects.all().delete()
    import_records(dump)
    assert list(Article.objects.values_list("pk", "translation_of_id").order_by("pk")) == before
    assert ArticleActor.objects.get(role=ArticleActor.Role.SPEAKER).actor.name == "Volodymyr Zelensky"


def test_a_tag_broken_over_lines_goes_whole():
    text = 'Sec. 3. <span\nstyle="text-decoration: underline">Definitions.</span>\n<img\nsrc="x.png"\nwidth="8"/>\nEnd.'
    assert plain_text(text) == "Sec. 3. Definitions.\n\nEnd."


def test_a_list_of_asterisk_or_plus_items_becomes_bullets():
    text = "The allies agreed to:\n* deliver air defence\n* train pilots\n+ share intelligence"
    assert (
        plain_text(text) == "The allies agreed to:\n\n- deliver air defence\n\n- train pilots\n\n- share intelligence"
    )
    assert plain_text("A * B and 2 * 3 stay.") == "A * B and 2 * 3 stay."


CSV_CELLS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(CSV_CELLS, min_size=1, max_size=5), max_size=6),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "cp1251"]),
    st.binary(max_size=40),
)
def test_any_spreadsheet_csv_is_read_into_records_or_failures_never_an_error(rows, delimiter, encoding, noise):
    import tempfile
    from pathlib import Path

    from archive.ingest.readers import RawRecord, ReadFailure, read_path

    text = "\r\n".join(delimiter.join(["title", "text", *cells[:3]]) if n == 0 else delimiter.join(cells)
                       for n, cells in enumerate(rows or [[]]))  # fmt: skip
    data = text.encode(encoding, errors="replace") + noise
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "sheet.csv"
        path.write_bytes(data)
        items = list(read_path(path))
    assert all(isinstance(item, RawRecord | ReadFailure) for item in items)
