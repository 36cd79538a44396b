"""The multilingual concept registry (fixtures/concept_registry): its data is complete and its fixture is current.

These tests read the data modules and the committed JSON only, so they need no database models.
"""

import importlib.util
import json
import unicodedata
from pathlib import Path

import pytest

LANGUAGES = ("en", "ru", "uk", "lv", "lt", "et", "fi", "sv", "de", "fr", "ro", "pl")
BUILD = Path(__file__).resolve().parent.parent / "fixtures" / "concept_registry" / "build.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("concept_registry_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def concepts(build):
    return build.load_all()


def concept(slug="ceasefire", **terms):
    every_language = {language: [f"{slug}-{language}"] for language in LANGUAGES}
    return {"slug": slug, "name": slug, "description": f"The {slug}.", "terms": every_language | terms}


def test_the_registry_data_passes_every_check_of_the_builder(build, concepts):
    assert build.validate(concepts) == []


def test_the_registry_has_at_least_300_concepts_each_named_in_all_twelve_languages(build, concepts):
    assert len(concepts) >= 300
    assert build.LANGUAGES == LANGUAGES
    assert all(all(concept["terms"][language] for language in build.LANGUAGES) for concept in concepts)


def test_the_registry_the_archive_loads_holds_every_term_of_the_data(build, concepts):
    registry = build.registry(concepts)
    assert sorted(registry) == sorted(concept["slug"] for concept in concepts)
    terms = sum(len(terms) for concept in concepts for terms in concept["terms"].values())
    assert sum(len(pairs) for _, pairs in registry.values()) == terms


def test_every_fixture_term_belongs_to_a_concept_of_the_fixture_and_fits_its_columns(build, concepts):
    records = json.loads(build.render(concepts))
    concept_ids = {record["pk"] for record in records if record["model"] == "archive.concept"}
    terms = [record["fields"] for record in records if record["model"] == "archive.conceptterm"]
    assert {record["model"] for record in records} == {"archive.concept", "archive.conceptterm"}
    assert {term["concept"] for term in terms} == concept_ids
    assert all(len(term["language"]) <= 8 and 0 < len(term["term"]) <= 200 for term in terms)
    pks = [(record["model"], record["pk"]) for record in records]
    assert len(pks) == len(set(pks))


def test_sanctions_is_named_in_russian_swedish_and_romanian(concepts):
    sanctions = next(concept for concept in concepts if concept["slug"] == "sanctions")
    assert "санкции" in sanctions["terms"]["ru"]
    assert "sanktioner" in sanctions["terms"]["sv"]
    assert "sancțiuni" in sanctions["terms"]["ro"]


def test_a_concept_missing_a_language_is_reported_by_name(build):
    incomplete = concept()
    del incomplete["terms"]["lt"]
    assert any("ceasefire" in problem and "lt" in problem for problem in build.validate([incomplete]))


def test_empty_blank_repeated_and_overlong_terms_are_reported(build):
    bad = concept(en=["", "  truce", "truce", "Truce", "x" * 201], fi=[])
    problems = "\n".join(build.validate([bad]))
    for expected in ("empty term", "stray whitespace", "listed twice", "longer than 200", "no fi term"):
        assert expected in problems


def test_a_decomposed_term_and_a_cedilla_in_romanian_are_reported(build):
    decomposed = unicodedata.normalize("NFD", "sancțiuni")
    problems = "\n".join(build.validate([concept(ro=[decomposed, "încetarea focului", "sancţiuni"])]))
    assert "not NFC-normalised" in problems
    assert "cedilla" in problems


def test_a_soft_hyphen_and_a_word_mixing_cyrillic_and_latin_are_reported(build):
    problems = "\n".join(build.validate([concept(fi=["ilmavalvonta\u00adkone"], lv=["Done\u0446ka"])]))
    assert "invisible character" in problems
    assert "mixes Cyrillic and Latin" in problems


def test_duplicate_slugs_and_a_term_shared_by_two_concepts_are_reported(build):
    twice = [
        concept("truce"),
        concept("truce"),
        concept("armistice", sv=["vapenvila"]),
        concept("pause", sv=["Vapenvila"]),
    ]
    problems = "\n".join(build.validate(twice))
    assert "truce: duplicate slug" in problems
    assert "'vapenvila': one term in several concepts" in problems


def test_a_term_shared_on_purpose_is_accepted(build, monkeypatch):
    monkeypatch.setitem(build.SHARED_TERMS, ("sv", "vapenvila"), {"armistice", "pause"})
    assert build.validate([concept("armistice", sv=["vapenvila"]), concept("pause", sv=["vapenvila"])]) == []


def test_a_slug_that_is_not_lowercase_hyphenated_ascii_is_reported(build):
    assert any("slug must be" in problem for problem in build.validate([concept("Air Defence")]))
