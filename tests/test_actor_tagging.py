"""Actor tagging: what counts as a mention, and whose body a generic name ("the Ministry of Defence") is."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.ingest.actors import INFLECTING, ActorTagger
from archive.models import Actor, Source
from tests.factories import make_actor, make_source

pytestmark = pytest.mark.django_db

COUNTRY, PERSON = Actor.Kind.COUNTRY, Actor.Kind.PERSON


@pytest.fixture
def registry():
    """Countries and national bodies named as the real registry names them (fixtures/actor_registry)."""
    country = {
        name: make_actor(name, kind=COUNTRY, aliases=aliases)
        for name, aliases in [
            ("Russia", [("Russian Federation", "en")]),
            ("Latvia", [("Republic of Latvia", "en")]),
            ("Finland", []),
            ("Georgia", []),
            ("Ukraine", [("Ukraina", "pl")]),
            ("United States", [("US", "")]),
        ]
    }
    bodies = [
        ("Ministry of Defence of Latvia", "Latvia", [("Latvian Ministry of Defence", "en")]),
        ("Ministry of Foreign Affairs of Latvia", "Latvia", []),
        ("Ministry of Defence of Russia", "Russia", [("Russian Ministry of Defence", "en"),
                                                     ("Russian Defence Ministry", "en")]),
        ("Ministry of Foreign Affairs of Russia", "Russia", [("Russian Foreign Ministry", "en")]),
        ("Ministry for Foreign Affairs of Finland", "Finland", [("Finnish Ministry for Foreign Affairs", "en"),
                                                               ("Finnish Foreign Ministry", "en")]),
    ]  # fmt: skip
    for name, owner, aliases in bodies:
        make_actor(name, aliases=aliases, country=country[owner])
    for name in ("Vladimir Putin", "Antony Blinken"):
        make_actor(name, kind=PERSON)


def tagged(text, language="en", source=None):
    slugs = dict(Actor.objects.values_list("pk", "slug"))
    return {slugs[pk]: n for pk, n in ActorTagger.from_registry().mentions(text, language, source).items()}


def test_a_name_counts_as_written_possessive_or_modifier_but_an_adjective_does_not(registry):
    assert tagged("Russia's army met the Russian side and Russians.") == {"russia": 1}
    assert tagged("Russian President Vladimir Putin") == {"vladimir-putin": 1}
    assert tagged("the president of Russia Vladimir Putin") == {"russia": 1, "vladimir-putin": 1}
    assert tagged("US Secretary of State Antony Blinken") == {"united-states": 1, "antony-blinken": 1}
    assert tagged("the Ministry of Defence of Russia") == {"ministry-of-defence-of-russia": 1}


def test_a_country_named_with_a_generic_body_name_is_that_countrys_body(registry):
    assert tagged("Russia's Ministry of Foreign Affairs said") == {
        "russia": 1,  # a possessive mentions its country, whatever follows it
        "ministry-of-foreign-affairs-of-russia": 1,
    }
    assert tagged("the Latvian and Russian Ministries of Defence met") == {
        "ministry-of-defence-of-latvia": 1,
        "ministry-of-defence-of-russia": 1,
    }
    # "Defence Ministry" is registered only for Russia's ministry; Latvia's is of the same kind.
    assert tagged("the Latvian Defence Ministry") == {"ministry-of-defence-of-latvia": 1}
    assert tagged("Finland's foreign ministry") == {"finland": 1, "ministry-for-foreign-affairs-of-finland": 1}


def test_a_body_the_registry_lacks_is_not_guessed(registry):
    latvian_ministry = make_source("Ministry of Defence of Latvia", kind=Source.Kind.MINISTRY)
    assert tagged("the Finnish Ministry of Defence", source=latvian_ministry) == {}
    assert tagged("Georgia's Ministry of Defence said", source=latvian_ministry) == {"georgia": 1}
    assert tagged("The Georgian Ministry of Defence said", source=latvian_ministry) == {}
    assert tagged("Georgian Ministry of Defence officials", source=latvian_ministry) == {}
    assert tagged("the Ministry of Defence of Georgia", source=latvian_ministry) == {"georgia": 1}
    assert tagged("the Russian Ministries of Defence") == {}  # a plural needs two owners


def test_a_generic_name_alone_is_the_body_of_the_sources_own_country(registry):
    text = "Ministry of Defence reminds that the Defence Ministry met the Ministry of Foreign Affairs."
    latvian_ministry = make_source("Ministry of Defence of Latvia", kind=Source.Kind.MINISTRY)
    assert tagged(text, source=latvian_ministry) == {
        "ministry-of-defence-of-latvia": 2,
        "ministry-of-foreign-affairs-of-latvia": 1,
    }
    assert tagged(text, source=make_source("Yle News")) == {}
    assert tagged(text) == {}


def test_endings_are_those_of_the_texts_language(registry):
    assert tagged("Ukrainian troops and Ukrainians", "en") == {}  # not Polish "Ukraina" with an ending
    assert tagged("Ukrainan ja Latvian joukot", "fi") == {"ukraine": 1, "latvia": 1}


@pytest.fixture
def cyrillic_registry():
    """Actors with Russian and Ukrainian names, as fixtures/actor_registry writes them."""
    make_actor("Russia", kind=COUNTRY, aliases=[("Россия", "ru"), ("Росія", "uk"), ("Российская Федерация", "ru")])
    make_actor("Ukraine", kind=COUNTRY, aliases=[("Украина", "ru"), ("Україна", "uk")])
    make_actor("Maia Sandu", kind=PERSON, aliases=[("Майя Санду", "ru"), ("Санду", "ru")])
    make_actor("Volodymyr Zelensky", kind=PERSON, aliases=[("Володимир Зеленський", "uk"), ("Зеленський", "uk")])
    make_actor("Jens Stoltenberg", kind=PERSON, aliases=[("Йенс Столтенберг", "ru"), ("Столтенберг", "ru")])
    make_actor("NATO", aliases=[("НАТО", "")])


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Позиция Майи Санду не изменилась.", "ru", {"maia-sandu": 1}),
        ("Встреча с Майей Санду и Санду снова.", "ru", {"maia-sandu": 2}),
        ("Під час зустрічі Зеленського з партнерами.", "uk", {"volodymyr-zelensky": 1}),
        ("Союзники підтримали Володимира Зеленського.", "uk", {"volodymyr-zelensky": 1}),
        ("Министр поговорил со Столтенбергом и генсеком НАТО.", "ru", {"jens-stoltenberg": 1, "nato": 1}),
        ("Санкции против Российской Федерации и России.", "ru", {"russia": 2}),
        ("Війна Росії проти України.", "uk", {"russia": 1, "ukraine": 1}),
    ],
)
def test_russian_and_ukrainian_names_are_found_in_every_case(cyrillic_registry, text, language, expected):
    assert tagged(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Российские войска и российская сторона.", "ru"),
        ("Українська армія і українські військові.", "uk"),
        ("Росіяни та українці, росіянин.", "uk"),
        ("Зелений коридор і зелена зона.", "uk"),
    ],
)
def test_an_adjective_or_demonym_in_russian_or_ukrainian_mentions_nothing(cyrillic_registry, text, language):
    assert tagged(text, language) == {}


def test_a_name_is_found_where_a_word_begins_and_never_inside_a_word(registry):
    assert tagged("Russia, Prussia, _Russia, Belarussia, 9Russia; the US-led USSR.") == {
        "russia": 1,
        "united-states": 1,
    }
    assert tagged("Russia's") == {"russia": 1}  # at the very start of the text
    assert tagged("Suomi ja Ukrainan sekä Neoukrainan joukot", "fi") == {"ukraine": 1}


def test_a_cyrillic_name_is_found_where_a_word_begins_and_never_inside_a_word(cyrillic_registry):
    assert tagged("антиНАТОвский митинг, НАТО и «НАТО».", "ru") == {"nato": 2}
    assert tagged("Війна Росії, а не Білоросії чи ПроРосії.", "uk") == {"russia": 1}
    assert tagged("Россия; Белороссия", "en") == {"russia": 1}  # in any text's language


NAMES = [(1, "Russia"), (2, "Russian Federation"), (3, "NATO"), (4, "NATO-Russia Council"), (5, "EU"),
         (6, "European Union"), (7, "Ukraine"), (8, "Ukraina"), (9, "Россия"), (10, "Ministry of Defence"),
         (11, "Latvija"), (12, "US"), (13, "United States"), (14, "Georgia"), (15, "Georgia")]  # fmt: skip
FRAGMENTS = ["Russia", "Russian", "russia", "Federation", "federation", "NATO", "-", "Council", "EU", "European",
             "Union", "Ukrain", "e", "a", "ian", "Росси", "я", "и", "ю", "ей", "Ministry", "of", "Defence",
             "defence", "Latvij", "as", "US", "United", "States", "Georgia", "'s", "’s", "s", "_", "x", "ä",
             " ", " ", "\n", ",", ".", "«", "0"]  # fmt: skip


def candidates_by_regex(tagger, text, inflecting):
    """What the tagger finds, by trying every name's pattern at every word start (no automaton)."""
    found = []
    for word in re.finditer(r"(?<!\w)\w", text):
        for entry in tagger.entries(inflecting):
            match = entry.pattern.match(text, word.start())
            found += [(match.start(), match.end(), entry.actor_id)] if match else []
    return found


@settings(max_examples=300)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join), st.sampled_from(["en", "fi"]))
def test_the_automaton_finds_what_every_names_pattern_tried_at_every_word_start_finds(text, language):
    tagger = ActorTagger(NAMES)
    found = [(start, end, entry.actor_id) for start, end, entry in tagger.candidates(text, language)]
    assert found == candidates_by_regex(tagger, text, language in INFLECTING)
