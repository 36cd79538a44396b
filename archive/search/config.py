"""SEARCH_URL → HAYSTACK_CONNECTIONS, so a deployment changes engine by one setting."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from archive.search.cluster.client import ClusterSettings

WHOOSH_ENGINE = "archive.search.whoosh.backend.ArchiveWhooshEngine"
# Our own engine for every cluster: it sends our mapping/schema and documents through the
# engine's official client, so matching is the same as on Whoosh.
CLUSTER_ENGINE = "archive.search.cluster.backend.ClusterEngine"


def haystack_connections(search_url):
    """whoosh:///path | elasticsearch://host:9200/index | opensearch://… | solr://host:8983/solr/collection."""
    parts = urlsplit(search_url)
    scheme = parts.scheme.lower()
    if scheme == "whoosh":
        path = parts.path or parts.netloc
        if not path:
            raise ImproperlyConfigured("SEARCH_URL whoosh:///path needs the index directory.")
        return {"default": {"ENGINE": WHOOSH_ENGINE, "PATH": path}}
    cluster = ClusterSettings.from_search_url(search_url)
    if cluster is not None:
        if not cluster.hosts or not cluster.name:
            raise ImproperlyConfigured(f"SEARCH_URL {search_url!r} needs a host and an index (or collection) name.")
        return {"default": {"ENGINE": CLUSTER_ENGINE, "SEARCH_URL": search_url}}
    raise ImproperlyConfigured(
        f"SEARCH_URL scheme {scheme!r} is not supported: use whoosh, elasticsearch, opensearch or solr."
    )
