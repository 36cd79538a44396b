"""SEARCH_URL → HAYSTACK_CONNECTIONS, so a deployment changes engine by one setting."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

WHOOSH_ENGINE = "archive.search.whoosh.backend.ArchiveWhooshEngine"
# Our own engine for every cluster: it sends our mapping/schema and documents over HTTP, so
# matching is the same as on Whoosh (and no engine client library is needed).
CLUSTER_ENGINE = "archive.search.cluster.backend.ClusterEngine"
ENGINES = {"elasticsearch7": CLUSTER_ENGINE, "elasticsearch": CLUSTER_ENGINE, "opensearch": CLUSTER_ENGINE,
           "solr": CLUSTER_ENGINE}  # fmt: skip


def haystack_connections(search_url):
    """whoosh:///path | elasticsearch7://host:9200/index | opensearch://… | solr://host:8983/solr/core."""
    parts = urlsplit(search_url)
    scheme = parts.scheme.lower()
    if scheme == "whoosh":
        path = parts.path or parts.netloc
        if not path:
            raise ImproperlyConfigured("SEARCH_URL whoosh:///path needs the index directory.")
        return {"default": {"ENGINE": WHOOSH_ENGINE, "PATH": path}}
    if scheme in ENGINES:
        transport = "https" if parts.query.find("tls=1") >= 0 else "http"
        index_or_core = parts.path.strip("/")
        if not parts.hostname or not index_or_core:
            raise ImproperlyConfigured(f"SEARCH_URL {search_url!r} needs a host and an index (or core) name.")
        base = f"{transport}://{parts.hostname}:{parts.port or 9200}"
        if scheme == "solr":
            return {"default": {"ENGINE": CLUSTER_ENGINE, "URL": f"{transport}://{parts.netloc}/{index_or_core}",
                                "SEARCH_URL": search_url}}  # fmt: skip
        return {
            "default": {"ENGINE": CLUSTER_ENGINE, "URL": base, "INDEX_NAME": index_or_core, "SEARCH_URL": search_url}
        }
    raise ImproperlyConfigured(
        f"SEARCH_URL scheme {scheme!r} is not supported: use whoosh, elasticsearch7, opensearch or solr."
    )
