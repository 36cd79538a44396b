"""With SEARCH_URL naming a cluster, saves reach it through the outbox and the official client.

The clusters are stand-ins in this process (tests/standins) that answer like the real
engines; the contract with a real cluster is `manage.py search_contract`.
"""

import pytest

from archive.models import IndexTask
from archive.search.outbox import drain_all
from tests.engines import CLUSTER_ENGINES, start_standin, use_search_url
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture(params=CLUSTER_ENGINES)
def cluster(request, settings, search_index):
    server, url = start_standin(request.param)
    use_search_url(settings, url)
    yield server.standin
    server.shutdown()
    server.server_close()


def stored_documents(standin):
    collections = getattr(standin, "indices", None) or standin.collections
    return {key: doc for collection in collections.values() for key, doc in collection.visible.items()}


def test_a_save_is_sent_to_the_cluster_as_the_indexed_document(cluster):
    article = make_article("Riga summit", "Allies met in Riga.", source=make_source("Yle News"), date="2023-05-04")
    drain_all()
    document = stored_documents(cluster)[f"archive.article.{article.pk}"]
    assert document["pk"] == article.pk and document["source"] == "yle-news" and document["month"] == 202305
    assert "riga" in document["title"].split()
    assert not IndexTask.objects.exists()


def test_the_first_save_creates_an_index_behind_the_alias(cluster):
    make_article("Riga summit")
    drain_all()
    if hasattr(cluster, "aliases") and hasattr(cluster, "indices"):
        assert list(cluster.aliases) == ["archive"] and cluster.aliases["archive"][0].startswith("archive-")
    else:
        assert cluster.aliases["archive"].startswith("archive-")


def test_a_deleted_article_leaves_the_cluster(cluster):
    article = make_article("Riga summit")
    drain_all()
    article.delete()
    drain_all()
    assert stored_documents(cluster) == {}


def test_bulk_writes_use_the_bulk_api(cluster):
    for n in range(3):
        make_article(f"Article {n}")
    drain_all()
    writes = [path for method, path, _, _ in cluster.requests if path.endswith(("_bulk", "/update"))]
    assert len(writes) == 1


def test_when_the_cluster_is_down_search_says_so_and_saves_wait(client, settings, search_index):
    use_search_url(settings, "elasticsearch://127.0.0.1:9/archive?retries=0")  # nothing listens on the discard port
    response = client.get("/search/", {"q": "nato"})
    assert response.status_code == 503 and "cannot be read right now" in response.content.decode()
    assert client.get("/healthz").status_code == 503
    make_article("Saved while the cluster is down")
    with pytest.raises(Exception, match="no search server answers"):
        drain_all()
    assert IndexTask.objects.get().attempts == 1  # kept, to be retried


def test_a_refused_query_is_a_503_not_a_500(client, cluster, monkeypatch):
    from tests.standins.server import Reply

    make_article("Riga summit")
    drain_all()

    def refuse(*args):
        raise Reply(400, {"error": {"type": "parsing_exception", "reason": "refused"}, "status": 400})

    monkeypatch.setattr(cluster, "route", refuse)
    response = client.get("/search/", {"q": "riga"})
    assert response.status_code == 503


def test_what_an_engine_cannot_do_is_a_501_with_its_reason(client, monkeypatch):
    from archive.search.errors import NotSupported
    from archive.search.whoosh.engine import WhooshEngine

    def refuse(self, request):
        raise NotSupported("this engine keeps no such index")

    monkeypatch.setattr(WhooshEngine, "search", refuse)
    for url in ["/search/?q=nato", "/search/export.csv?q=nato", "/feeds/search/?q=nato", "/compare/?s=nato"]:
        response = client.get(url)
        assert response.status_code == 501 and "keeps no such index" in response.content.decode(), url
    answer = client.get("/api/articles/", {"q": "nato"})
    assert answer.status_code == 501 and "keeps no such index" in answer.json()["detail"]
