"""With SEARCH_URL naming a cluster, saves reach it through the outbox and pages search it.

The cluster is a small HTTP server in this process that records what we send and answers
like Elasticsearch 7; the contract with a real cluster is `manage.py search_contract`.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from haystack import connections

from archive.models import IndexTask
from archive.search.config import haystack_connections
from archive.search.outbox import drain_all
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


class FakeElasticsearch(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.received.append((self.path, body))
        if self.path.endswith("/_bulk?refresh=wait_for"):
            return self.answer({"errors": False, "items": [{"index": {"status": 201}}]})
        return self.answer(self.server.search_response)

    def answer(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def cluster(settings, search_index):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeElasticsearch)
    server.received, server.search_response = [], {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    use_search_url(settings, f"elasticsearch7://127.0.0.1:{server.server_port}/archive")
    yield server
    server.shutdown()
    server.server_close()


def use_search_url(settings, url):
    settings.SEARCH_URL = url
    settings.HAYSTACK_CONNECTIONS = haystack_connections(url)
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")


def test_a_save_is_sent_to_the_cluster_as_our_document(cluster):
    article = make_article("Riga summit", "Allies met in Riga.", source=make_source("Yle News"), date="2023-05-04")
    drain_all()
    path, body = cluster.received[-1]
    action, document = (json.loads(line) for line in body.splitlines())
    assert path == "/archive/_bulk?refresh=wait_for"
    assert action == {"index": {"_id": f"archive.article.{article.pk}"}}
    assert document["pk"] == article.pk and document["source"] == "yle-news" and document["month"] == 202305
    assert "riga" in document["title"].split()
    assert not IndexTask.objects.exists()


def test_search_pages_show_cluster_hits_with_escaped_snippets(client, cluster):
    article = make_article("Markup <b>in</b> text", "NATO said <script>x</script> nothing.", source=make_source())
    drain_all()
    cluster.search_response = {
        "hits": {"total": {"value": 1}, "hits": [{"_source": {"pk": article.pk}}]},
        "aggregations": {
            "source": {"values": {"buckets": [{"key": article.source.slug, "doc_count": 1}]}},
            "histogram": {"months": {"buckets": []}},
        },
    }
    html = client.get("/search/", {"q": "nato"}).content.decode()
    assert "Markup &lt;b&gt;in&lt;/b&gt; text" in html
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert "<mark>NATO</mark>" in html
    sent = json.loads(cluster.received[-1][1])
    asked = {next(iter(clause["term"].values()))["value"] for clause in sent["query"]["bool"]["should"]}
    assert "nato" in asked


def test_when_the_cluster_is_down_search_says_so_and_saves_wait(client, settings, search_index):
    use_search_url(settings, "elasticsearch7://127.0.0.1:9/archive")  # nothing listens on the discard port
    response = client.get("/search/", {"q": "nato"})
    assert response.status_code == 503 and "cannot be read right now" in response.content.decode()
    make_article("Saved while the cluster is down")
    with pytest.raises(Exception, match="no search server answers"):
        drain_all()
    assert IndexTask.objects.get().attempts == 1  # kept, to be retried
