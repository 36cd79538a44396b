"""Elasticsearch 8 and OpenSearch 2 through their official clients (elasticsearch-py 8.x,
opensearch-py): bulk helpers, scroll scans, point-in-time + search_after, aliases.

The two APIs are the same for everything we ask except point-in-time, which OpenSearch
names differently (create_pit / delete_pit) and answers as {"pit_id": …}.
"""

import time
from contextlib import contextmanager

from archive.search.cluster import elastic
from archive.search.cluster.client import ClusterRefused, ClusterUnreachable
from archive.search.document import VECTOR_FIELD, VECTOR_STAMP_FIELD, indexed_version, story_fields
from archive.search.facets import FACETS

PAGE = 1000  # hits per page when streaming an export or scanning for index_doctor
KEEP_ALIVE = "2m"


def _client_library(engine):
    if engine == "opensearch":
        import opensearchpy as library

        return library, library.OpenSearch, library.helpers
    import elasticsearch as library
    from elasticsearch import helpers

    return library, library.Elasticsearch, helpers


def make_client(settings):
    _, client_class, _ = _client_library(settings.engine)
    options = {
        "hosts": settings.urls(),
        "max_retries": settings.retries,
        "retry_on_timeout": True,
        "verify_certs": settings.verify,
    }
    if settings.ca:
        options["ca_certs"] = settings.ca
    if settings.engine == "opensearch":
        options["timeout"] = settings.timeout
        options["retry_on_status"] = (429, 502, 503, 504)
        if settings.username:
            options["http_auth"] = (settings.username, settings.password or "")
        if settings.api_key:
            options["headers"] = {"Authorization": f"ApiKey {settings.api_key}"}
        if not settings.verify:
            options["ssl_show_warn"] = False
        return client_class(**options)
    options["request_timeout"] = settings.timeout
    options["retry_on_status"] = (429, 502, 503, 504)
    if settings.username:
        options["basic_auth"] = (settings.username, settings.password or "")
    if settings.api_key:
        options["api_key"] = settings.api_key
    return client_class(**options)


class ElasticCluster:
    def __init__(self, settings):
        self.settings = settings
        self.engine = settings.engine
        self.alias = settings.name
        self.library, _, self.helpers = _client_library(settings.engine)
        self.client = make_client(settings)
        self.fields_checked = False
        self.vectors_ready = True  # False: an older index that cannot hold vectors until a rebuild

    @contextmanager
    def errors(self, doing):
        """Client errors as IndexUnavailable (pages answer 503; the outbox retries)."""
        try:
            yield
        except (self.library.ConnectionError, self.library.ConnectionTimeout) as error:
            raise ClusterUnreachable(f"no search server answers at {self.settings.urls()}: {error}") from error
        except Exception as error:
            if isinstance(error, ClusterRefused | ClusterUnreachable):
                raise
            refused = (self.library.TransportError, getattr(self.library, "ApiError", self.library.TransportError))
            if isinstance(error, refused):
                raise ClusterRefused(f"{self.engine} refused to {doing}: {str(error)[:500]}") from error
            raise

    # Indexes and the alias -------------------------------------------------------

    def new_index_name(self):
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10_000:04d}"

    def alias_targets(self):
        with self.errors("list the alias"):
            if not self.client.indices.exists_alias(name=self.alias):
                return []
            return sorted(self.client.indices.get_alias(name=self.alias))

    def ensure_index(self):
        """Create the first index behind the alias unless the alias (or a plain index of its name) exists."""
        with self.errors("create the index"):
            if self.client.indices.exists(index=self.alias):
                self.add_missing_fields()
                return
            self.client.indices.create(
                index=self.new_index_name(),
                body={**elastic.index_definition(self.engine), "aliases": {self.alias: {}}},
            )

    def add_missing_fields(self):
        """Map the fields an index made by an older version lacks (content_hash, the vector),
        once per process: the mapping is strict, so a document carrying them would be refused.
        OpenSearch takes a knn_vector only in an index made with index.knn: an older one
        holds no vectors until a rebuild (vectors_ready says so)."""
        if self.fields_checked:
            return
        wanted = elastic.index_definition(self.engine)["mappings"]["properties"]
        with self.errors("add fields to the mapping"):
            mappings = self.client.indices.get_mapping(index=self.alias)
            for name in mappings:
                held = mappings[name].get("mappings", {}).get("properties", {})
                missing = {field: spec for field, spec in wanted.items() if field not in held}
                vector = {field: missing.pop(field) for field in (VECTOR_FIELD, VECTOR_STAMP_FIELD) if field in missing}
                if missing:
                    self.client.indices.put_mapping(index=name, body={"properties": missing})
                if vector:
                    self.vectors_ready &= self._map_vector(name, vector)
        self.fields_checked = True

    def _map_vector(self, name, properties):
        try:
            with self.errors("map the vector field"):
                self.client.indices.put_mapping(index=name, body={"properties": properties})
        except ClusterRefused:  # OpenSearch: the index was made without index.knn
            return False
        return True

    def drop_index(self):
        with self.errors("delete the index"):
            for name in self.alias_targets() or ([self.alias] if self.client.indices.exists(index=self.alias) else []):
                self.client.indices.delete(index=name)

    # Writing ---------------------------------------------------------------------

    def index_documents(self, documents, index=None, refresh="wait_for"):
        self.ensure_index() if index is None else None
        actions = ({"_index": index or self.alias, "_id": doc["id"], "_source": doc} for doc in documents)
        self._bulk(actions, refresh)

    def remove_documents(self, identifiers):
        self.ensure_index()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": identifier} for identifier in identifiers)
        self._bulk(actions, "wait_for")

    def _bulk(self, actions, refresh):
        with self.errors("index documents"):
            _, failures = self.helpers.bulk(self.client, actions, chunk_size=500, raise_on_error=False, refresh=refresh)
        failures = [item for item in failures if next(iter(item.values())).get("status") != 404]
        if failures:
            raise ClusterRefused(f"the cluster refused {len(failures)} document(s): {str(failures[0])[:500]}")

    # Reading ---------------------------------------------------------------------

    def search(self, body, doing="search"):
        with self.errors(doing):
            return self.client.search(index=self.alias, body=body)

    def count(self):
        with self.errors("count"):
            return self.client.count(index=self.alias)["count"]

    def iter_sources(self, body, limit):
        """The `_source` of each hit of `body` (sorted), up to `limit`, page by page through a
        point-in-time with search_after, so a long export sees one consistent index."""
        pit = self._open_pit()
        body = {**body, "size": min(PAGE, limit), "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
        body.pop("from", None)
        yielded = 0
        try:
            while yielded < limit:
                with self.errors("page through the hits"):
                    response = self.client.search(body=body)
                hits = response["hits"]["hits"]
                for hit in hits[: limit - yielded]:
                    yield hit["_source"]
                yielded += len(hits)
                if len(hits) < body["size"]:
                    return
                body["search_after"] = hits[-1]["sort"]
                body["pit"]["id"] = response.get("pit_id", body["pit"]["id"])
        finally:
            self._close_pit(body["pit"]["id"])

    def _open_pit(self):
        with self.errors("open a point in time"):
            if self.engine == "opensearch":
                return self.client.create_pit(index=self.alias, params={"keep_alive": KEEP_ALIVE})["pit_id"]
            return self.client.open_point_in_time(index=self.alias, keep_alive=KEEP_ALIVE)["id"]

    def _close_pit(self, pit):
        try:
            if self.engine == "opensearch":
                self.client.delete_pit(body={"pit_id": [pit]})
            else:
                self.client.close_point_in_time(id=pit)
        except Exception:  # it expires by itself after KEEP_ALIVE
            pass

    def scan_versions(self):
        """{pk: IndexedVersion} of every indexed document, through a scroll."""
        self.ensure_index()
        query = {"query": {"match_all": {}}, "_source": ["pk", "updated", "content_hash"]}
        with self.errors("scroll through the index"):
            return dict(
                indexed_version(hit["_source"])
                for hit in self.helpers.scan(self.client, query=query, index=self.alias, size=PAGE, scroll="2m")
            )

    # Vectors (archive.search.semantic's embedding step) --------------------------------

    def unembedded_pks(self, limit):
        """Up to `limit` documents without a vector: what the indexer embeds next."""
        self.ensure_index()  # finds out, once per process, whether the index can hold vectors
        if not self.vectors_ready:
            return []
        return self.page_pks_of(elastic.unembedded_body(limit))

    def vector_versions(self):
        """{pk: (updated stamp, stamp of the version its vector was made from, or 0)}, through a scroll."""
        self.ensure_index()
        query = {"query": {"match_all": {}}, "_source": ["pk", "updated", VECTOR_STAMP_FIELD]}
        with self.errors("scroll through the index"):
            return {
                int(hit["_source"]["pk"]): (
                    int(hit["_source"].get("updated") or 0),
                    int(hit["_source"].get(VECTOR_STAMP_FIELD) or 0),
                )
                for hit in self.helpers.scan(self.client, query=query, index=self.alias, size=PAGE, scroll="2m")
            }

    def embedded_count(self):
        with self.errors("count"):
            return self.client.count(index=self.alias, body=elastic.embedded_count_body())["count"]

    def write_vectors(self, identifiers, stamps, vectors):
        """Partial updates; a document deleted meanwhile is skipped (its 404 is not an error)."""
        actions = (
            elastic.vector_update(self.alias, identifier, stamp, vector)
            for identifier, stamp, vector in zip(identifiers, stamps, vectors, strict=True)
        )
        self._bulk(actions, "wait_for")

    def held_vectors(self, documents):
        """{id: its indexed vector fields} of those of `documents` the index holds."""
        if not self.vectors_ready or not documents:
            return {}
        try:
            with self.errors("read the indexed vectors"):
                found = self.client.mget(
                    index=self.alias,
                    body={"ids": [doc["id"] for doc in documents]},
                    _source_includes=[VECTOR_FIELD, VECTOR_STAMP_FIELD],
                )
        except ClusterRefused:  # no index yet
            return {}
        return {item["_id"]: item["_source"] for item in found["docs"] if item.get("found")}

    def nearest_docs(self, vector, k, other_than_language):
        """[(pk, language, vector)] of the `k` documents nearest to `vector` in other languages."""
        response = self.search(elastic.nearest_body(self.engine, vector, k, other_than_language), "find the nearest")
        return [story_fields(hit["_source"]) for hit in response["hits"]["hits"]]

    def language_vectors(self, size):
        """{language: up to `size` of its documents' vectors}."""
        languages = self.search(elastic.languages_body(), "list the languages")["aggregations"]["languages"]["buckets"]
        return {
            bucket["key"]: [
                hit["_source"][VECTOR_FIELD]
                for hit in self.search(elastic.language_sample_body(bucket["key"], size))["hits"]["hits"]
            ]
            for bucket in languages
        }

    def ranked_docs(self, request, translator, start, size, hidden=()):
        """[(pk, language, vector or None)] of a page of hits, for collapsing retold stories."""
        body = elastic.page_body(request, translator, start, size, hidden)
        body["_source"] = ["pk", FACETS["lang"].field, VECTOR_FIELD]
        return [story_fields(hit["_source"]) for hit in self.search(body)["hits"]["hits"]]

    def health(self):
        with self.errors("report its health"):
            health = self.client.cluster.health(index=self.alias)
        return {
            "engine": self.engine,
            "cluster": health.get("cluster_name", ""),
            "status": health["status"],
            "documents": self.count(),
        }

    # What results ask (archive.search.cluster.results) ---------------------------------

    def summary(self, request, translator, hidden=()):
        """(count, {facet: [(value, count)]}, [(start, end, count)])."""
        response = self.search(elastic.summary_body(request, translator, hidden))
        counts = {name: elastic.facet_counts(response, name) for name in response.get("aggregations", {})}
        return response["hits"]["total"]["value"], counts, elastic.date_pairs(response)

    def page_pks(self, request, translator, start, size, hidden=()):
        response = self.search(elastic.page_body(request, translator, start, size, hidden))
        return [int(hit["_source"]["pk"]) for hit in response["hits"]["hits"]]

    def iter_pks(self, request, translator, limit, hidden=()):
        body = elastic.page_body(request, translator, 0, PAGE, hidden)
        return (int(source["pk"]) for source in self.iter_sources(body, limit))

    def archive_date_pairs(self):
        return elastic.date_pairs(self.search(elastic.archive_dates_body()))

    def copies(self, request, translator):
        response = self.search(elastic.copies_body(request, translator))
        return [(int(hit["_source"]["pk"]), int(hit["_source"]["dup_of"])) for hit in response["hits"]["hits"]]

    def hits_among(self, request, translator, pks):
        return set(self.page_pks_of(elastic.hits_among_body(request, translator, pks)))

    def page_pks_of(self, body):
        return [int(hit["_source"]["pk"]) for hit in self.search(body)["hits"]["hits"]]

    def related_pks(self, identifier, excluded, limit):
        return self.page_pks_of(elastic.related_body(self.alias, identifier, excluded, limit))

    def first_pk_with(self, forms):
        pks = self.page_pks_of(elastic.known_terms_body(forms))
        return pks[0] if pks else None

    def suggestions(self, forms):
        return elastic.suggestions(self.search(elastic.suggest_body(forms), "suggest a spelling"))

    # Rebuilding --------------------------------------------------------------------

    def rebuild(self, documents):
        """Index `documents` into a new index, then move the alias to it in one atomic step
        and delete the old index. Searches read the old index until the swap."""
        name = self.new_index_name()
        previous = self.alias_targets()
        with self.errors("create the new index"):
            self.client.indices.create(index=name, body=elastic.index_definition(self.engine))
        self.index_documents(documents, index=name, refresh=False)
        with self.errors("swap the alias"):
            self.client.indices.refresh(index=name)
            if not previous and self.client.indices.exists(index=self.alias):
                self.client.indices.delete(index=self.alias)  # a plain index in the alias's place
            actions = [{"remove": {"index": old, "alias": self.alias}} for old in previous]
            self.client.indices.update_aliases(
                body={"actions": [*actions, {"add": {"index": name, "alias": self.alias}}]}
            )
            for old in previous:
                self.client.indices.delete(index=old)
        self.fields_checked, self.vectors_ready = False, True  # the new index has every field
        return name
