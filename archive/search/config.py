"""SEARCH_URL → HAYSTACK_CONNECTIONS, so a deployment changes engine by one setting."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

WHOOSH_ENGINE = "archive.search.whoosh_backend.ArchiveWhooshEngine"
ENGINES = {
    "elasticsearch7": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
    "elasticsearch": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
    "opensearch": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
    "solr": "haystack.backends.solr_backend.SolrEngine",
}


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
            return {"default": {"ENGINE": ENGINES[scheme], "URL": f"{transport}://{parts.netloc}/{index_or_core}"}}
        return {"default": {"ENGINE": ENGINES[scheme], "URL": base, "INDEX_NAME": index_or_core}}
    raise ImproperlyConfigured(
        f"SEARCH_URL scheme {scheme!r} is not supported: use whoosh, elasticsearch7, opensearch or solr."
    )
