"""Talking to a search cluster (Elasticsearch 7 / OpenSearch, or Solr) over plain HTTP.

No client library: the requests are the JSON bodies archive.search.cluster.elastic and
archive.search.cluster.solr build, so what the tests check is exactly what is sent.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from archive.search.cluster import elastic, solr


class ClusterUnreachable(Exception):
    """No search server answers at the configured address."""


@dataclass
class Cluster:
    kind: str  # "elastic" or "solr"
    base: str  # http(s)://host:port for Elasticsearch, …/solr/<core> for Solr
    index: str = ""
    timeout: float = 5.0

    @classmethod
    def from_search_url(cls, search_url):
        parts = urlsplit(search_url)
        scheme = parts.scheme.lower()
        transport = "https" if "tls=1" in parts.query else "http"
        if scheme == "solr":
            return cls("solr", f"{transport}://{parts.netloc}/{parts.path.strip('/')}")
        if scheme in {"elasticsearch", "elasticsearch7", "opensearch"}:
            return cls("elastic", f"{transport}://{parts.hostname}:{parts.port or 9200}", parts.path.strip("/"))
        return None

    @property
    def address(self):
        return f"{self.base}/{self.index}".rstrip("/")

    def request(self, method, path, body=None, ndjson=None):
        data = None if body is None else json.dumps(body).encode()
        content_type = "application/json"
        if ndjson is not None:
            data = "".join(json.dumps(line) + "\n" for line in ndjson).encode()
            content_type = "application/x-ndjson"
        request = urllib.request.Request(
            f"{self.address}{path}", data=data, method=method, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode(errors="replace")
            raise RuntimeError(f"{method} {path} → HTTP {error.code}: {detail}") from error
        except (urllib.error.URLError, OSError) as error:
            raise ClusterUnreachable(f"no search server answers at {self.address}: {error}") from error

    def ping(self):
        if self.kind == "solr":
            return self.request("GET", "/admin/ping")
        return self.request("GET", "")

    def create_index(self):
        if self.kind == "solr":
            return self.request("POST", "/schema", solr.schema_commands())
        return self.request("PUT", "", elastic.index_definition())

    def index_documents(self, documents):
        if self.kind == "solr":
            return self.request("POST", "/update?commit=true", documents)
        lines = []
        for document in documents:
            lines += [{"index": {"_id": document["id"]}}, document]
        return self.bulk(lines)

    def remove_documents(self, identifiers):
        if self.kind == "solr":
            return self.request("POST", "/update?commit=true", {"delete": list(identifiers)})
        return self.bulk([{"delete": {"_id": identifier}} for identifier in identifiers])

    def bulk(self, lines):
        if not lines:
            return None
        response = self.request("POST", "/_bulk?refresh=wait_for", ndjson=lines)
        failed = [
            item
            for item in response.get("items", [])
            for result in item.values()
            if result.get("status", 200) >= 300 and result.get("status") != 404
        ]
        if failed:
            raise RuntimeError(f"the cluster refused {len(failed)} document(s): {failed[0]}")
        return response

    def search(self, body):
        if self.kind == "solr":
            return self.request("POST", "/query", body)
        return self.request("POST", "/_search", body)

    def drop_index(self):
        if self.kind == "elastic":
            return self.request("DELETE", "")
        return self.request("POST", "/update?commit=true", {"delete": {"query": "*:*"}})


def hit_pks(cluster, response):
    if cluster.kind == "solr":
        return [int(doc["pk"]) for doc in response["response"]["docs"]]
    return [int(hit["_source"]["pk"]) for hit in response["hits"]["hits"]]


def total(cluster, response):
    if cluster.kind == "solr":
        return response["response"]["numFound"]
    return response["hits"]["total"]["value"]


def facet_counts(cluster, response, name):
    if cluster.kind == "elastic":
        return dict(elastic.facet_counts(response, name))
    buckets = response.get("facets", {}).get(name, {}).get("buckets", [])
    return {bucket["val"]: bucket["count"] for bucket in buckets}


def month_histogram(cluster, response):
    """[(yyyymm, count)] of the dated hits, in date order."""
    if cluster.kind == "elastic":
        return elastic.histogram(response)
    buckets = response.get("facets", {}).get("histogram", {}).get("buckets", [])
    return sorted((int(bucket["val"]), bucket["count"]) for bucket in buckets)


def translator(cluster, languages, resolver):
    module = solr if cluster.kind == "solr" else elastic
    return module.Translator(languages, resolver), module.search_body
