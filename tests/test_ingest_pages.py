"""Real-world pages: bytes decoded like a browser, dates found and kept honest, publisher and source kind inferred.

The golden pages themselves are in tests/ingest_examples/pages/ (test_ingest_golden.py imports each).
"""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.ingest.dates import find_date_in_line
from archive.ingest.encoding import UndecodableText, decode_text
from archive.ingest.extract import SourceHint
from archive.ingest.html import main_text, meta_values, parse_html, parse_tree
from archive.ingest.page_dates import page_date
from archive.ingest.pipeline import Importer, find_or_create_source
from archive.ingest.publisher import copyright_holder, holder_of, title_suffix
from archive.ingest.readers import RawRecord
from archive.ingest.source_kinds import infer_kind
from archive.models import DatePrecision, Source
from tests.factories import make_source

BODY = (
    "<p>The defence ministers of the Baltic states met in Vilnius on Tuesday to agree on a common plan for the "
    "protection of their airspace, which the three countries want to put in place before the end of the year.</p>"
    "<p>The plan foresees joint procurement of short-range air defence systems and regular exercises with allies, "
    "the ministers said in a joint statement after the meeting in the Lithuanian capital.</p>"
)


def html_page(title="Ministers agree on air defence", head="", after_h1="", footer="", body=BODY):
    return (
        f"<html><head>{head}<title>{title}</title></head><body><header><a href='/'>Home</a></header>"
        f"<article><h1>{title.split(' | ')[0]}</h1>{after_h1}{body}</article><footer>{footer}</footer></body></html>"
    )


# Bytes to text


def test_a_byte_order_mark_wins_over_every_declaration():
    data = html_page(head='<meta charset="windows-1252">').encode("utf-16")
    decoded = decode_text(data, "iso-8859-1", html=True)
    assert decoded.encoding == "utf-16" and decoded.how == "byte-order mark" and "Vilnius" in decoded.text


def test_the_http_charset_wins_over_the_page_meta():
    data = html_page(head='<meta charset="windows-1252">', body="<p>Министры обороны</p>").encode("cp1251")
    decoded = decode_text(data, "windows-1251", html=True)
    assert (decoded.encoding, decoded.how) == ("cp1251", "HTTP header") and "Министры обороны" in decoded.text


@pytest.mark.parametrize(
    "encoding, declaration, words",
    [
        ("cp1251", '<meta charset="windows-1251">', "Министерство обороны сообщило"),
        ("cp1250", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">', "Ministerstwo Obrony"),
        ("cp1252", '<meta charset="windows-1252">', "„Verteidigung“ kostet 300 Mio. €"),
        ("cp1252", '<meta charset="iso-8859-1">', "Försvarsministern sade: „Vi är redo“"),
        ("cp1257", '<?xml version="1.0" encoding="windows-1257"?>', "Krašto apsaugos ministerija"),
    ],
)
def test_a_page_in_a_legacy_encoding_is_read_by_its_declaration(encoding, declaration, words):
    page = html_page(head=declaration, body=f"<p>{words}</p>")
    if declaration.startswith("<?xml"):
        page = declaration + page  # an XML declaration is only one at the very start
    data = page.encode(encoding)
    decoded = decode_text(data, html=True)
    assert words in decoded.text and decoded.encoding == encoding


def test_utf8_bytes_labelled_latin1_are_read_as_utf8():
    decoded = decode_text(html_page(head='<meta charset="iso-8859-1">', body="<p>Größe</p>").encode(), html=True)
    assert "Größe" in decoded.text and decoded.encoding == "utf-8"


def test_cyrillic_bytes_mislabelled_as_western_are_detected_not_shown_as_mojibake():
    body = "<p>" + "Министры обороны стран Балтии согласовали общий план защиты воздушного пространства. " * 3 + "</p>"
    decoded = decode_text(html_page(head='<meta charset="windows-1252">', body=body).encode("cp1251"), html=True)
    assert "Министры обороны" in decoded.text and decoded.how.startswith("charset detection")


def test_a_utf8_page_with_a_stray_latin1_byte_is_read_as_a_browser_shows_it():
    page = html_page(head='<meta charset="utf-8">', body="<p>Größe und Gewicht</p>" * 400).encode()
    page = page.replace(b"Gewicht</p>", "Gewicht für</p>".encode("latin-1"), 1)
    decoded = decode_text(page, html=True)
    assert decoded.how == "UTF-8, 1 stray bytes replaced" and "Größe" in decoded.text and "f\ufffdr" in decoded.text


def test_undeclared_legacy_text_is_detected():
    text = "Die Bundeswehr übernimmt ab März die Führung der Luftraumüberwachung über dem Baltikum, hieß es.\n" * 3
    decoded = decode_text(text.encode("cp1252"))
    assert decoded.text == text and decoded.guessed


def test_binary_data_is_refused_naming_every_encoding_tried():
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(UndecodableText) as refusal:
        decode_text(data, "koi8-r", html=True)
    assert str(refusal.value).startswith("cannot decode the text: tried koi8-r (HTTP header, control characters")
    assert "utf-8 (UTF-8, byte 0x89 at offset 0 does not fit)" in str(refusal.value)
    assert str(refusal.value).endswith("charset detection (no encoding fits)")


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(lambda t: t[0] != "\ufeff"))
def test_any_utf8_text_decodes_to_itself(text):  # a leading U+FEFF is a byte-order mark, and goes
    assert decode_text(text.encode("utf-8")).text == text


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя АБВГДЕЖЗИКЛМН.,", min_size=1))
def test_any_cyrillic_text_declared_as_windows_1251_decodes_to_itself(text):
    page = f'<meta charset="windows-1251"><p>{text}</p>'
    assert decode_text(page.encode("cp1251"), html=True).text == page


# Dates


@pytest.mark.parametrize(
    "line, expected",
    [
        ("12 March 2022", ("2022-03-12", "day")),
        ("Published 03.04.2024", ("2024-04-03", "day")),
        ("3. März 2022", ("2022-03-03", "day")),
        ("Stand: 3. März 2022, 14:05 Uhr", ("2022-03-03", "day")),
        ("Veröffentlicht am 14. Januar 2023", ("2023-01-14", "day")),
        ("12 сентября 2021", ("2021-09-12", "day")),
        ("Опубликовано: 5 октября 2022", ("2022-10-05", "day")),
        ("Опубліковано 24 лютого 2022", ("2022-02-24", "day")),
        ("Publicerad 12 mars 2022", ("2022-03-12", "day")),
        ("Julkaistu 12.3.2022 klo 10.15", ("2022-03-12", "day")),
        ("1. joulukuuta 2021", ("2021-12-01", "day")),
        ("Publié le 12 mars 2022", ("2022-03-12", "day")),
        ("Opublikowano: 3 marca 2022", ("2022-03-03", "day")),
        ("2022. gada 1. decembris", ("2022-12-01", "day")),
        ("By Jane Doe | 12 March 2022", ("2022-03-12", "day")),
        ("Von Anna Muster, 3. März 2022", ("2022-03-03", "day")),
        ("March 2022", ("2022-03-01", "month")),
        ("The ministers first met on 12 March 2022 in Riga, where they discussed the plan at length.", None),
        ("Nächste Sitzung: März 2022 (Termin folgt, bitte merken Sie sich den Termin vor)", None),
    ],
)
def test_a_visible_date_line_is_read_in_many_languages_at_its_precision(line, expected):
    stated = find_date_in_line(line)
    assert (stated.date.isoformat(), stated.precision) == expected if expected else stated is None


def dated(head="", after_h1="", captured_at=None, body=BODY):
    html = html_page(head=head, after_h1=after_h1, body=body)
    tree = parse_tree(html)
    return page_date(tree, meta_values(tree), html, captured_at=captured_at)


def test_declared_metadata_is_read_with_its_time_and_named_in_the_note():
    stated = dated(head='<meta property="article:published_time" content="2022-03-14T09:30:00+02:00">')
    assert (stated.date, stated.time) == (datetime.date(2022, 3, 14), datetime.time(9, 30))
    assert stated.how.startswith("the page's metadata (article:published_time)")


def test_the_visible_date_under_the_headline_is_read_when_nothing_is_declared():
    stated = dated(after_h1="<p class='meta'>Stand: 3. März 2022</p>")
    assert stated.date == datetime.date(2022, 3, 3) and "headline" in stated.how


def test_a_utc_timestamp_yields_to_the_local_day_the_page_shows():
    stated = dated(head='<meta property="article:published_time" content="2023-11-09T03:28:35Z">',
                   after_h1="<p>November 8, 2023</p>")  # fmt: skip
    assert stated.date == datetime.date(2023, 11, 8) and "is UTC" in stated.how


def test_a_date_after_the_capture_is_never_taken():
    captured = datetime.datetime(2022, 6, 30, tzinfo=datetime.UTC)
    stated = dated(head='<meta property="article:published_time" content="2022-07-15">',
                   after_h1="<p>Published 7 June 2022</p>", captured_at=captured)  # fmt: skip
    assert stated.date == datetime.date(2022, 6, 7)


def test_a_guess_of_the_capture_day_is_not_a_date():
    captured = datetime.datetime(2022, 6, 30, 12, tzinfo=datetime.UTC)
    footer_widget = "<div class='date'>Today: 2022-06-30</div>"
    assert dated(body=BODY * 3 + footer_widget, captured_at=captured) is None


def test_a_slash_date_is_read_day_first_on_a_page_not_in_american_english():
    html = html_page(after_h1="<p>08/11/2023</p>").replace("<html>", '<html lang="en-IE">')
    tree = parse_tree(html)
    stated = page_date(tree, meta_values(tree), html)
    assert stated.date == datetime.date(2023, 11, 8) and stated.how.endswith("read day first")
    assert dated(after_h1="<p>08/11/2023</p>").date == datetime.date(2023, 8, 11)


def test_a_month_stays_a_month():
    stated = dated(after_h1="<p>March 2022</p>")
    assert (stated.date, stated.precision) == (datetime.date(2022, 3, 1), DatePrecision.MONTH)


def test_a_date_inside_a_sentence_is_not_the_page_date():
    sentence = (
        "<p>As reported earlier, the ministers discussed the question on 12 March 2021 in Riga without a result.</p>"
    )
    assert dated(after_h1=sentence) is None


# Main text


def test_text_that_precise_extraction_misses_is_found_in_recall_mode():
    import trafilatura

    table = (
        "<html><body><table><tr><td>NATO and Latvia agreed on Monday to station more air defence units near Riga, "
        "the ministry said in a statement on its website.</td></tr><tr><td>The units will arrive in the spring and "
        "stay for at least two years, officials said.</td></tr></table></body></html>"
    )
    assert trafilatura.extract(table, favor_precision=True, include_tables=False) is None
    assert main_text(table).startswith("NATO and Latvia agreed on Monday")


# Publisher


@pytest.mark.parametrize(
    "line, holder",
    [
        ("© 2024 President of Russia", "President of Russia"),
        ("Copyright © 2005–2024 The Baltic Times. All rights reserved.", "The Baltic Times"),
        ("© Ministry of Defence of Latvia, 2023", "Ministry of Defence of Latvia"),
        ("© 2024 Yle | Privacy policy", "Yle"),
        ("© 2023", ""),
    ],
)
def test_the_footer_copyright_line_names_its_holder(line, holder):
    assert holder_of(line) == holder


def test_the_last_copyright_line_of_the_footer_is_taken():
    tree = parse_tree(html_page(footer="<p>Photos © Reuters</p><p>© 2024 President of Russia</p>"))
    assert copyright_holder(tree) == "President of Russia"


@pytest.mark.parametrize(
    "title, suffix",
    [("Headline | The White House", "The White House"), ("Talks continue – NATO", "NATO"),
     ("Wahl · tagesschau.de", "tagesschau.de"), ("A headline without one", "")],
)  # fmt: skip
def test_the_title_suffix_after_a_separator(title, suffix):
    assert title_suffix(title) == suffix


def test_a_title_suffix_counts_when_it_repeats_the_site_name_shown_on_the_page():
    page = parse_html(html_page(title="Statement | The White House", after_h1="<p>The White House</p>"))
    assert page.publishers == [("The White House", "the page title's suffix")]
    assert page.title == "Statement"


def test_a_title_suffix_counts_when_it_repeats_a_known_source():
    page = parse_html(html_page(title="Talks continue – NATO"), known_names=["NATO"])
    assert page.publishers[0][0] == "NATO" and page.title == "Talks continue"


@pytest.mark.parametrize("suffix", ["The White House", "Moldavskie Vedomosti", "OSCE", "Iltalehti"])
def test_a_title_suffix_that_is_a_proper_name_is_the_last_resort_publisher(suffix):
    page = parse_html(html_page(title=f"Talks continue | {suffix}"))
    assert page.publishers == [(suffix, "the page title's suffix")]


@pytest.mark.parametrize("suffix", ["Analysis", "News", "state officials"])
def test_a_title_suffix_the_page_does_not_repeat_is_not_a_publisher(suffix):
    page = parse_html(html_page(title=f"Talks continue – {suffix}"))
    assert page.publishers == [] and page.title == f"Talks continue – {suffix}"


def test_a_title_suffix_unconfirmed_by_anything_is_not_a_publisher():
    page = parse_html(html_page(title="Talks continue – Analysis"))
    assert page.publishers == [] and page.title == "Talks continue – Analysis"


@pytest.mark.django_db
def test_a_page_naming_only_its_footer_holder_imports_under_that_source():
    html = html_page(after_h1="<p>12 March 2022</p>", footer="<p>© 2024 President of Russia</p>")
    outcome = Importer().import_one(RawRecord(origin="page.html", html=html))
    assert outcome.status == "imported", outcome.message
    assert Source.objects.get().name == "President of Russia"
    assert Source.objects.get().kind == Source.Kind.MINISTRY


@pytest.mark.django_db
def test_a_page_naming_no_publisher_fails_pointing_to_the_metadata_option():
    outcome = Importer().import_one(RawRecord(origin="page.html", html=html_page()))
    assert outcome.status == "failed"
    assert outcome.message.startswith("cannot tell the source") and "--metadata" in outcome.message


@pytest.mark.django_db
def test_a_known_source_is_matched_by_a_signature_line():
    known = make_source("Office of the President of Ukraine", signatures="Press Service of the President")
    hint = SourceHint(alternatives=["Some site name", "press service of  the PRESIDENT"])
    assert find_or_create_source(hint) == known


@pytest.mark.django_db
def test_a_known_source_is_matched_by_a_parent_domain_when_the_page_names_no_known_source():
    known = make_source("Latvian Public Broadcasting", domain="lsm.lv")
    assert find_or_create_source(SourceHint(alternatives=["LSM English"], domain="eng.lsm.lv")) == known
    assert find_or_create_source(SourceHint(domain="notlsm.lv")).name == "notlsm.lv"


# Source kind


@pytest.mark.parametrize(
    "name, domain, kind",
    [
        ("The White House", "whitehouse.gov", "ministry"),
        ("Ministry of Defence", "mod.gov.lv", "ministry"),
        ("Office of the President", "president.gov.ua", "ministry"),
        ("President of Russia", "kremlin.ru", "ministry"),
        ("Regeringskansliet", "regeringen.se", "ministry"),
        ("Valtioneuvosto", "valtioneuvosto.fi", "ministry"),
        ("Министерство обороны Российской Федерации", "", "ministry"),
        ("Bundesministerium der Verteidigung", "bmvg.de", "ministry"),
        ("Ministère des Armées", "defense.gouv.fr", "ministry"),
        ("Försvarsdepartementet", "", "ministry"),
        ("Ulkoministeriö", "um.fi", "ministry"),
        ("NATO", "nato.int", "international"),
        ("EEAS", "eeas.europa.eu", "international"),
        ("UN News", "news.un.org", "international"),
        ("Organization for Security and Co-operation in Europe", "osce.org", "international"),
        ("Yle News", "yle.fi", "news"),
        ("The Baltic Times", "baltictimes.com", "news"),
        ("tagesschau.de", "tagesschau.de", "other"),
        ("Frankfurter Allgemeine Zeitung", "faz.net", "news"),
        ("International Centre for Defence and Security", "icds.ee", "analysis"),
        ("Iltalehti", "", "news"),
        ("Aftonbladet", "aftonbladet.se", "news"),
        ("EUvsDisinfo (EEAS East StratCom Task Force)", "euvsdisinfo.eu", "international"),
        ("Golden Desk", "", "other"),
    ],
)
def test_a_source_kind_is_inferred_from_its_domain_and_name(name, domain, kind):
    assert infer_kind(name, domain) == kind


@pytest.mark.django_db
def test_an_imported_source_gets_its_inferred_kind_and_an_editor_can_change_it(admin_client):
    source = find_or_create_source(SourceHint(name="Ministry of Foreign Affairs of Latvia", domain="mfa.gov.lv"))
    assert source.kind == Source.Kind.MINISTRY
    form = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(source.pk),
            "form-0-kind": "international", "_save": "Save"}  # fmt: skip
    response = admin_client.post("/admin/archive/source/", form)
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.kind == Source.Kind.INTERNATIONAL


# Whatever arrives


@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_are_refused_with_a_reason(data):
    try:
        decoded = decode_text(data, html=True)
    except UndecodableText as refusal:
        assert str(refusal).startswith("cannot decode the text: tried ")
    else:
        assert isinstance(decoded.text, str) and decoded.how


MARKUP_PIECES = [
    "<h1>",
    "</h1>",
    "<p>",
    "</p>",
    "<time datetime='2022-03-1",
    "<meta charset=",
    "<title>",
    " | ",
    "©",
    "12 March 2022",
    "3. März ",
    "Published ",
    "<footer>",
    "<script>",
    " ",
    "x",
    "й",
    "\n",
    "2099-01-01",
]


@settings(deadline=None, max_examples=60)  # each example runs trafilatura and htmldate: tens of milliseconds
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=60).map("".join))
def test_any_markup_is_read_or_refused_never_crashes(html):
    from archive.ingest.extract import draft_from
    from archive.ingest.readers import UnreadableInput

    try:
        draft = draft_from(RawRecord(origin="fuzz.html", html=html), {}, "Desk", "en")
    except UnreadableInput:
        return
    assert draft.fields["title"] and draft.fields["body"].strip()


def test_short_cyrillic_in_windows_1251_that_is_also_valid_utf8_keeps_its_declared_encoding():
    page = '<meta charset="windows-1251"><p>Вё</p>'  # cp1251 bytes C2 B8 are UTF-8 for "¸"
    assert decode_text(page.encode("cp1251"), html=True).text == page


def test_utf8_cyrillic_mislabelled_as_windows_1251_is_read_as_utf8():
    page = '<meta charset="windows-1251"><p>Министерство обороны сообщило о начале учений.</p>'
    assert decode_text(page.encode("utf-8"), html=True).text == page
