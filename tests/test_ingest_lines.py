"""Short lines in another language than the body: a banner or teaser is dropped, the body's own lines stay."""

from archive.ingest.clean import clean_text
from archive.ingest.language import detect_language, differs_from

PROSE = (
    "The ministers met in Riga on Tuesday to discuss the situation on the eastern flank of the alliance, "
    "and they agreed that the next summit would adopt new regional defence plans for the Baltic states."
)


def cleaned(line, language="en"):
    return clean_text(f"{PROSE}\n\n{line}\n\n{PROSE}", title="Ministers meet in Riga", language=language)


def test_a_short_line_in_another_language_inside_the_text_is_dropped():
    for line, language in [("Подписывайтесь на наш канал в Телеграме", "en"),
                           ("Lue myös: hallitus päätti uusista puolustusmäärärahoista", "en"),
                           ("Read the full statement in English here", "sv")]:  # fmt: skip
        result = cleaned(line, language)
        assert line in result.removed and line not in result.body


def test_a_short_line_in_the_bodys_language_stays_even_where_lingua_on_short_text_leans_elsewhere():
    # Hard-wrapped English (the UN debates) that lingua's high-accuracy mode takes for French at 0.73;
    # its low-accuracy mode, asked first, finds English.
    line = "Bicesse Accords, the Abidjan Protocol and the electoral"
    assert detect_language(line) == "fr" and detect_language(line, low_accuracy=True) == "en"
    assert not differs_from(line, "en")
    assert line in cleaned(line).body


def test_a_line_the_low_accuracy_mode_finds_foreign_is_dropped_only_if_the_full_detector_agrees():
    # A Swedish ambassador's CV line that lingua's low-accuracy mode takes for French.
    line = "2004 - 2007: Ambassadör i Norge"
    assert detect_language(line, low_accuracy=True) == "fr" and detect_language(line) == "sv"
    assert not differs_from(line, "sv")
    assert line in cleaned(line, "sv").body
