"""Connections to a search cluster through its official client, configured from SEARCH_URL.

  elasticsearch://[user:password@]host[:port][,host2…]/index      Elasticsearch 8 (elasticsearch-py 8.x)
  opensearch://[user:password@]host[:port]/index                   OpenSearch 2 (opensearch-py)
  solr://[user:password@]host[:port]/solr/collection               Solr 9, SolrCloud (JSON API over requests)

Options in the query string: tls=1 (https), verify=0 (do not check the certificate),
ca=/path/ca.pem, api_key=… (Elasticsearch/OpenSearch), timeout=seconds (default 10),
retries=N (default 3; connection failures, timeouts and 429/502/503/504 are retried).
The index or collection named is an alias: rebuilds write a new one and move the alias.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from archive.search.errors import IndexUnavailable

ELASTIC_SCHEMES = {
    "elasticsearch": "elasticsearch",
    "elasticsearch8": "elasticsearch",
    "elasticsearch7": "elasticsearch",
    "opensearch": "opensearch",
}
DEFAULT_PORTS = {"elasticsearch": 9200, "opensearch": 9200, "solr": 8983}


class ClusterUnreachable(IndexUnavailable):
    """No search server answers at the configured address (after the retries)."""


class ClusterRefused(IndexUnavailable):
    """The cluster answered with an error."""


@dataclass
class ClusterSettings:
    engine: str  # elasticsearch, opensearch or solr
    hosts: list  # [(host, port)]
    name: str  # the index (alias) or collection (alias)
    tls: bool = False
    verify: bool = True
    ca: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    timeout: float = 10.0
    retries: int = 3
    solr_path: str = "solr"
    options: dict = field(default_factory=dict)

    @classmethod
    def from_search_url(cls, search_url):
        """The settings SEARCH_URL names, or None for a URL that names no cluster (whoosh://…)."""
        parts = urlsplit(search_url)
        scheme = parts.scheme.lower()
        engine = "solr" if scheme == "solr" else ELASTIC_SCHEMES.get(scheme)
        if engine is None:
            return None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        netloc = parts.netloc.rsplit("@", 1)[-1]
        hosts = [_host_port(entry, DEFAULT_PORTS[engine]) for entry in netloc.split(",") if entry]
        path = [segment for segment in parts.path.split("/") if segment]
        return cls(
            engine=engine,
            hosts=hosts,
            name=path[-1] if path else "",
            tls=options.get("tls") == "1",
            verify=options.get("verify", "1") != "0",
            ca=options.get("ca"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            api_key=options.get("api_key"),
            timeout=float(options.get("timeout", 10)),
            retries=int(options.get("retries", 3)),
            solr_path="/".join(path[:-1]) or "solr",
            options=options,
        )

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    def urls(self):
        return [f"{self.scheme}://{host}:{port}" for host, port in self.hosts]


def _host_port(entry, default_port):
    host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    return (host or entry), int(port) if port else default_port


def connect(search_url):
    """The cluster SEARCH_URL names, through its official client (None for Whoosh)."""
    settings = ClusterSettings.from_search_url(search_url)
    if settings is None:
        return None
    if settings.engine == "solr":
        from archive.search.cluster.solr_cluster import SolrCluster

        return SolrCluster(settings)
    from archive.search.cluster.elastic_cluster import ElasticCluster

    return ElasticCluster(settings)
