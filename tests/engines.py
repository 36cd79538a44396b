"""Run a test against every engine: Whoosh, and a stand-in for each cluster engine reached
through its official client (tests/standins). `use_search_url` switches the whole
project (settings, haystack, archive.search.engine) to another SEARCH_URL."""

from haystack import connections

from archive.search.config import haystack_connections
from tests.standins.elastic import ElasticStandIn
from tests.standins.server import serve
from tests.standins.solr import SolrStandIn

ENGINES = ("whoosh", "elasticsearch", "opensearch", "solr")
CLUSTER_ENGINES = ENGINES[1:]
RUNNING = {}  # port → the stand-in serving it, for tests that look inside


def running_standin(cluster):
    """The stand-in a cluster client talks to."""
    return RUNNING[cluster.settings.hosts[0][1]]


def use_search_url(settings, url):
    settings.SEARCH_URL = url
    settings.HAYSTACK_CONNECTIONS = haystack_connections(url)
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")


def start_standin(name):
    """(server, SEARCH_URL) of a fresh stand-in for engine `name`."""
    if name == "solr":
        server = serve(SolrStandIn())
        url = f"solr://127.0.0.1:{server.server_port}/solr/archive?retries=0&timeout=5"
    else:
        server = serve(ElasticStandIn(name))
        url = f"{name}://127.0.0.1:{server.server_port}/archive?retries=0&timeout=5"
    RUNNING[server.server_port] = server.standin
    return server, url
