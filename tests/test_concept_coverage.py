"""The corpus coverage check (benchmarks/concept_coverage.py) counts documents the way search matches words."""

import gzip
import json

import pytest

from benchmarks import concept_coverage

CONCEPTS = [
    {
        "slug": "sanctions",
        "terms": {"ru": ["санкции", "санкций"], "sv": ["sanktioner"], "ro": ["sancțiuni"], "en": ["sanctions"]},
    },
    {"slug": "air-defence", "terms": {"en": ["air defence", "Patriot"], "sv": ["luftvärn"], "ru": ["ПВО"]}},
]
DOCUMENTS = [
    {"language": "ru", "title": "Новые САНКЦИИ", "text": "ЕС ввел пакет санкций."},
    {"language": "ru", "title": "Санкционный режим", "text": "Ничего о теме."},
    {"language": "sv", "title": "Sanktioner mot Ryssland", "text": "Regeringen stöder luftvärn."},
    {"language": "ro", "title": "Noi sancţiuni", "text": "Scris cu sedilă, ca pe site-urile din Moldova."},
    {"language": "en", "title": "Air defence", "text": "The air is clear; defence spending rose."},
    {"language": "en", "title": "Defence of the air base", "text": "No sanctions-related news."},
    {"language": None, "title": "sanctions", "text": "undetermined language is skipped"},
]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "sample.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as lines:
        for document in DOCUMENTS:
            lines.write(json.dumps(document, ensure_ascii=False) + "\n")
    return path


def test_a_document_counts_once_per_concept_whatever_the_case_of_its_words(corpus):
    docs, term_docs, concept_docs = concept_coverage.count(CONCEPTS, [corpus])
    assert docs == {"ru": 2, "sv": 1, "ro": 1, "en": 2}
    assert concept_docs["ru", "sanctions"] == 1
    assert term_docs["ru", ("санкции",)] == 1


def test_a_word_that_only_starts_like_a_term_does_not_count(corpus):
    _, term_docs, _ = concept_coverage.count(CONCEPTS, [corpus])
    assert term_docs["ru", ("санкций",)] == 1  # "санкционный" in the second document is another word


def test_a_romanian_cedilla_spelling_counts_as_the_comma_below_term(corpus):
    _, _, concept_docs = concept_coverage.count(CONCEPTS, [corpus])
    assert concept_docs["ro", "sanctions"] == 1


def test_a_multi_word_term_counts_only_when_its_words_are_adjacent(corpus):
    _, term_docs, concept_docs = concept_coverage.count(CONCEPTS, [corpus])
    assert term_docs["en", ("air", "defence")] == 1
    assert concept_docs["en", "air-defence"] == 1
    assert concept_docs["en", "sanctions"] == 1  # "sanctions-related" still contains the word


def test_the_summary_lists_terms_found_nowhere_in_the_languages_the_corpus_has(corpus):
    docs, term_docs, concept_docs = concept_coverage.count(CONCEPTS, [corpus])
    lines, never = concept_coverage.summary(CONCEPTS, docs, term_docs, concept_docs)
    assert never["en"] == ["Patriot"]
    assert never["ru"] == ["ПВО"]
    assert any(line.startswith("en ") and "66.7%" in line for line in lines)


def test_the_command_prints_a_table_and_writes_every_count_to_json(corpus, tmp_path, capsys):
    report = tmp_path / "report.json"
    assert concept_coverage.main([str(corpus), "--json", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "never found in ru" in printed
    assert "%found" in printed
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["documents"]["ru"] == 2


def test_a_malformed_line_is_reported_and_the_rest_still_counted(tmp_path, capsys):
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"language": "sv", "title": "Sanktioner", "text": ""})
    path.write_text(f"{good}\n{{not json\n[1, 2]\n\n{good}\n", encoding="utf-8")
    docs, _, concept_docs = concept_coverage.count(CONCEPTS, [path])
    assert docs["sv"] == 2
    assert concept_docs["sv", "sanctions"] == 2
    assert "skipped 2 lines" in capsys.readouterr().err


def test_a_missing_corpus_file_is_a_usage_error_not_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        concept_coverage.main([str(tmp_path / "absent.jsonl.gz")])
    assert exit_.value.code == 2
    assert "no such file" in capsys.readouterr().err
