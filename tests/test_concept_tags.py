"""Concept tags: "all languages" finds a concept by one posting list, never other articles than its terms find."""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from archive.models import Article, Concept, ConceptTerm
from archive.search import query as q
from archive.search.concept_tags import ConceptTagger
from archive.search.concepts import ConceptRegistry, current_registry, localised
from archive.search.outbox import drain_all
from archive.search.resolve import DatabaseResolver
from archive.search.whoosh import tags
from archive.search.whoosh.searcher import Evaluator, snapshots
from tests.factories import make_source
from tests.test_xlang import SANCTIONS, searched

# Inflections, phrases split by a title, words of one language inside another's text, and
# near misses: each concept of the real registry must find the same articles by its tags as
# by its terms.
TEXTS = [
    ("en", "EU widens sanctions", "The EU adopted new sanctions against Russian banks and air defence systems."),
    ("ru", "Новые санкции", "Евросоюз ввёл санкциями новые меры; противовоздушной обороны хватает."),
    ("sv", "Nya sanktioner", "EU har infört nya sanktionerna mot ryska banker och luftvärn."),
    ("ro", "Noi sancțiuni", "UE a adoptat noi sancțiuni împotriva băncilor rusești; apărare aeriană."),
    ("de", "Luftverteidigung", "Die Bundeswehr stärkt die Luftverteidigung und die Flugabwehr an der Ostflanke."),
    ("fi", "Pakotteet", "EU hyväksyi uudet pakotteet Venäjälle. Ilmapuolustus vahvistuu, Nato laajenee."),
    ("pl", "Sankcje", "Unia przyjęła nowe sankcje wobec Rosji; obrona powietrzna i rozszerzenie NATO."),
    ("uk", "Санкції", "ЄС ухвалив нові санкції проти Росії; протиповітряна оборона посилюється."),
    ("lv", "Sankcijas", "ES pieņēma jaunas sankcijas pret Krieviju. Gaisa aizsardzība."),
    ("lt", "Sankcijos", "ES priėmė naujas sankcijas Rusijai. Oro gynyba stiprinama."),
    ("et", "Sanktsioonid", "EL võttis vastu uued sanktsioonid Venemaa vastu. Õhukaitse."),
    ("fr", "Sanctions", "L'UE a adopté de nouvelles sanctions contre la Russie; la défense aérienne."),
    ("en", "Air", "The air was cold; defence lawyers met. A ceasefire held in Donbas; mobilisation began."),
    ("en", "Grain", "The grain corridor reopened after the ceasefire talks; disinformation spread."),
    ("ru", "Комрат", "В Комрате прошёл фестиваль народной музыки; sanctions не обсуждались."),
]


def tagger(rows=SANCTIONS):
    return ConceptTagger(ConceptRegistry(rows))


def test_a_text_is_tagged_with_each_concept_whose_terms_it_holds_once_per_occurrence():
    counts = tagger().counts("the eu adopt new sanction and air defenc air defenc", "en")
    assert counts == {"sanctions": 1, "air-defence": 2}


def test_a_stem_counts_only_in_its_own_languages_texts_and_the_plain_word_in_any():
    # "санкциями" stems (Russian) to "санкц": a Russian text's indexed term.
    assert tagger().counts("санкц", "ru") == {"sanctions": 1}
    assert tagger().counts("санкц", "uk") == {}
    assert tagger().counts("санкции", "uk") == {"sanctions": 1}  # the plain folded word


def test_a_phrase_term_needs_its_words_next_to_each_other_in_order():
    assert tagger().counts("air and defenc", "en") == {}
    assert tagger().counts("defenc air", "en") == {}
    assert tagger().field_value("air defenc air defenc", "en") == "air-defence air-defence"


def test_an_empty_registry_tags_nothing():
    assert ConceptTagger(ConceptRegistry([])).field_value("sanction", "en") == ""


@pytest.fixture
def tagged_archive(db):
    call_command("load_concepts", verbosity=0)
    source = make_source("Tagging desk")
    articles = [Article.objects.create(title=t, body=b, language=lang, source=source) for lang, t, b in TEXTS]
    drain_all()
    return articles


def concept_nodes(registry=None):
    registry = registry or current_registry()
    for concept in registry.concepts.values():
        terms = tuple(localised(words, 0, None, language) for language, _, words in concept.terms)
        yield q.Concept(terms, concept.slug, concept.digest)


def found(node, backend):
    snapshot = snapshots.get(backend)
    evaluator = Evaluator(snapshot, django_settings.ARCHIVE_LANGUAGES, DatabaseResolver())
    return set(snapshot.pk[evaluator.evaluate(node).mask].tolist())


def test_every_concept_finds_the_same_articles_by_its_tags_as_by_its_terms(tagged_archive, search_index):
    nodes = list(concept_nodes())
    by_terms = {node.slug: found(q.Or(node.children), search_index) for node in nodes}
    assert not tags.tagged(nodes[0], search_index.index_dir)  # indexed before any re-tagging: terms are read
    tags.retag(search_index)
    assert all(tags.tagged(node, search_index.index_dir) for node in nodes)
    by_tags = {node.slug: found(node, search_index) for node in nodes}
    assert by_tags == by_terms
    assert len(by_tags["sanctions"]) >= 10  # the texts do hold concepts: the comparison is not of empty sets


def test_a_rebuild_records_the_concepts_it_tagged(tagged_archive, search_index):
    call_command("rebuild_search_index", "--no-progress")
    search_index.ensure_current()
    assert tags.stale_concepts(search_index.index_dir) == []


def add_term(slug, language, term):
    concept = Concept.objects.get(slug=slug)
    ConceptTerm.objects.create(concept=concept, language=language, term=term)


def test_a_term_added_in_the_registry_is_found_at_once_and_by_the_tags_after_re_tagging(
    tagged_archive, search_index, settings
):
    settings.SEARCH_EMBEDDINGS = False
    tags.retag(search_index)
    festival = Article.objects.get(title="Комрат")
    assert festival.pk not in {hit.article.pk for hit in searched(q="ceasefire", xlang="1")}
    add_term("ceasefire", "ru", "фестиваль")
    assert [concept.slug for concept in tags.stale_concepts(search_index.index_dir)] == ["ceasefire"]
    assert festival.pk in {hit.article.pk for hit in searched(q="ceasefire", xlang="1")}  # by its terms
    assert tags.retag(search_index) >= 1
    assert tags.stale_concepts(search_index.index_dir) == []
    assert festival.pk in {hit.article.pk for hit in searched(q="ceasefire", xlang="1")}  # by its tags
    ConceptTerm.objects.filter(term="фестиваль").delete()
    assert festival.pk not in {hit.article.pk for hit in searched(q="ceasefire", xlang="1")}
    tags.retag(search_index)
    assert festival.pk not in {hit.article.pk for hit in searched(q="ceasefire", xlang="1")}


def test_index_doctor_and_run_indexer_re_tag_the_articles_of_an_edited_concept(tagged_archive, search_index):
    call_command("index_doctor")
    assert tags.stale_concepts(search_index.index_dir) == []
    add_term("sanctions", "en", "lawyers")
    call_command("index_doctor", "--check")  # reports, changes nothing
    assert tags.stale_concepts(search_index.index_dir) != []
    call_command("run_indexer", "--once")
    assert tags.stale_concepts(search_index.index_dir) == []
    lawyers = Article.objects.get(title="Air").pk
    node = next(node for node in concept_nodes() if node.slug == "sanctions")
    assert tags.tagged(node, search_index.index_dir) and lawyers in found(node, search_index)


def test_a_title_query_reads_the_title_tags(tagged_archive, search_index, settings):
    settings.SEARCH_EMBEDDINGS = False
    tags.retag(search_index)
    titles = {hit.article.title for hit in searched(q="title:sanctions", xlang="1")}
    assert {"EU widens sanctions", "Новые санкции", "Nya sanktioner", "Noi sancțiuni", "Sanctions"} <= titles
    assert not titles & {"Комрат", "Air", "Grain"}
