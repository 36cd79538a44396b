"""Solr 9 (SolrCloud) through its JSON Request API and Collections API, over a requests
session with connection pooling, retries (urllib3's Retry), timeouts, TLS and basic auth.

The collection SEARCH_URL names is an alias: the first write creates a collection
behind it; a rebuild creates a new collection, moves the alias (CREATEALIAS re-points
it atomically) and deletes the old one.
"""

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from archive.search.cluster import solr
from archive.search.cluster.client import ClusterRefused, ClusterUnreachable
from archive.search.document import VECTOR_FIELD, VECTOR_STAMP_FIELD, indexed_version, story_fields

PAGE = 1000
RETRY_STATUSES = (429, 502, 503, 504)


def make_session(settings):
    session = requests.Session()
    retry = Retry(
        total=settings.retries,
        backoff_factor=0.2,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=10)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if settings.username:
        session.auth = (settings.username, settings.password or "")
    session.verify = settings.ca or settings.verify
    return session


class SolrCluster:
    engine = "solr"

    def __init__(self, settings):
        self.settings = settings
        self.alias = settings.name
        self.session = make_session(settings)
        self.base = f"{settings.urls()[0]}/{settings.solr_path}"
        self.configset = settings.options.get("configset", "_default")
        self.fields_checked = False
        self.vectors_ready = True  # False: an older collection that cannot take vectors until a rebuild

    def call(self, method, path, doing, **kwargs):
        try:
            response = self.session.request(method, f"{self.base}{path}", timeout=self.settings.timeout, **kwargs)
        except requests.RequestException as error:
            raise ClusterUnreachable(f"no Solr answers at {self.base}: {error}") from error
        if response.status_code >= 400:
            raise ClusterRefused(f"Solr refused to {doing}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def collections(self, action, doing, **params):
        return self.call("GET", "/admin/collections", doing, params={"action": action, **params})

    # Collections and the alias ------------------------------------------------------

    def new_collection_name(self):
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10_000:04d}"

    def alias_target(self):
        aliases = self.collections("LISTALIASES", "list aliases").get("aliases", {})
        return aliases.get(self.alias)

    def create_collection(self, name):
        self.collections(
            "CREATE", "create a collection", name=name, numShards=1, **{"collection.configName": self.configset}
        )
        self.call("POST", f"/{name}/schema", "add our fields", json=solr.schema_commands())
        self.call("POST", f"/{name}/config", "add our spellchecker", json=solr.config_commands())

    def ensure_index(self):
        if self.alias_target() is not None:
            return self.add_missing_fields()
        existing = self.collections("LIST", "list collections").get("collections", [])
        if self.alias in existing:
            return self.add_missing_fields()  # a plain collection of that name: used as it is
        name = self.new_collection_name()
        self.create_collection(name)
        self.collections("CREATEALIAS", "create the alias", name=self.alias, collections=name)

    def add_missing_fields(self):
        """Add the fields a collection made by an older version lacks (content_hash, the
        vector), once per process: Solr refuses (or, schemaless, guesses a type for) an
        unknown field. A collection whose text fields are not stored cannot take a vector by
        an atomic update (it would lose them): it holds none until a rebuild."""
        if self.fields_checked:
            return
        listed = self.call("GET", f"/{self.alias}/schema/fields", "list the fields")
        held = {field["name"]: field for field in listed.get("fields", [])}
        missing = [field for field in solr.field_definitions() if field["name"] not in held]
        if missing:
            commands = {"add-field": missing}
            if any(field["name"] == VECTOR_FIELD for field in missing):
                commands["add-field-type"] = solr.VECTOR_TYPE
            self.call("POST", f"/{self.alias}/schema", "add our new fields", json=commands)
        self.vectors_ready = all(held.get(name, {}).get("stored", True) for name in solr.TEXT_FIELD_BOOSTS)
        self.fields_checked = True

    def drop_index(self):
        target = self.alias_target()
        if target is not None:
            self.collections("DELETEALIAS", "delete the alias", name=self.alias)
            for name in target.split(","):
                self.collections("DELETE", "delete a collection", name=name)

    # Writing -----------------------------------------------------------------------

    def index_documents(self, documents, collection=None, commit=True):
        if collection is None:
            self.ensure_index()
        batch = []
        for document in documents:
            batch.append(document)
            if len(batch) >= 500:
                self._update(collection, batch, commit)
                batch = []
        if batch:
            self._update(collection, batch, commit)

    def _update(self, collection, body, commit):
        params = {"commit": "true"} if commit else {}
        self.call("POST", f"/{collection or self.alias}/update", "index documents", json=body, params=params)

    def remove_documents(self, identifiers):
        self.ensure_index()
        self._update(None, {"delete": list(identifiers)}, True)

    # Reading -----------------------------------------------------------------------

    def search(self, body, doing="search"):
        return self.call("POST", f"/{self.alias}/query", doing, json=body)

    def count(self):
        return self.search({"query": "*:*", "limit": 0}, "count")["response"]["numFound"]

    def iter_docs(self, make_body, limit):
        """Each hit's stored fields, up to `limit`, page by page with cursorMark."""
        cursor, yielded = "*", 0
        while yielded < limit:
            response = self.search(make_body(min(PAGE, limit - yielded), cursor), "page through the hits")
            docs = response["response"]["docs"]
            yield from docs
            yielded += len(docs)
            following = response.get("nextCursorMark", cursor)
            if following == cursor or not docs:
                return
            cursor = following

    def scan_versions(self):
        self.ensure_index()

        def body(size, cursor):
            return {
                "query": "*:*",
                "fields": "pk,updated,content_hash",
                "sort": "id asc",
                "limit": size,
                "params": {"cursorMark": cursor},
            }

        return dict(indexed_version(doc) for doc in self.iter_docs(body, float("inf")))

    # Vectors (archive.search.semantic's embedding step) --------------------------------

    def unembedded_pks(self, limit):
        self.ensure_index()
        return self.page_pks_of(solr.unembedded_body(limit)) if self.vectors_ready else []

    def vector_versions(self):
        """{pk: (updated stamp, stamp of the version its vector was made from, or 0)}, page by page."""
        self.ensure_index()

        def body(size, cursor):
            fields = f"pk,updated,{VECTOR_STAMP_FIELD}"
            return {"query": "*:*", "fields": fields, "sort": "id asc", "limit": size, "params": {"cursorMark": cursor}}

        return {
            int(doc["pk"]): (int(doc.get("updated") or 0), int(doc.get(VECTOR_STAMP_FIELD) or 0))
            for doc in self.iter_docs(body, float("inf"))
        }

    def embedded_count(self):
        return self.search(solr.embedded_count_body(), "count")["response"]["numFound"]

    def write_vectors(self, identifiers, stamps, vectors):
        """Atomic updates; a document deleted meanwhile is skipped (a version conflict, not failed on)."""
        body = [solr.vector_update(*entry) for entry in zip(identifiers, stamps, vectors, strict=True)]
        params = {"commit": "true", "failOnVersionConflicts": "false"}
        self.call("POST", f"/{self.alias}/update", "add vectors", json=body, params=params)

    def held_vectors(self, documents):
        """{id: its indexed vector fields} of those of `documents` the index holds."""
        if not self.vectors_ready or not documents:
            return {}
        try:
            docs = self.search(solr.held_vectors_body([doc["id"] for doc in documents]), "read the indexed vectors")
        except ClusterRefused:  # no collection yet
            return {}
        return {doc["id"]: doc for doc in docs["response"]["docs"]}

    def nearest_docs(self, vector, k, other_than_language):
        """[(pk, language, vector)] of the `k` documents nearest to `vector` in other languages."""
        docs = self.search(solr.nearest_body(vector, k, other_than_language), "find the nearest")["response"]["docs"]
        return [story_fields(doc) for doc in docs]

    def language_vectors(self, size):
        """{language: up to `size` of its documents' vectors}."""
        languages = solr.facet_counts(self.search(solr.languages_body(), "list the languages"), "languages")
        return {
            language: [
                doc[VECTOR_FIELD] for doc in self.search(solr.language_sample_body(language, size))["response"]["docs"]
            ]
            for language, _ in languages
        }

    def ranked_docs(self, request, translator, start, size, hidden=()):
        """[(pk, language, vector or None)] of a page of hits, for collapsing retold stories."""
        body = solr.page_body(request, translator, start, size, hidden)
        body["fields"] = f"pk,lang,{VECTOR_FIELD}"
        return [story_fields(doc) for doc in self.search(body)["response"]["docs"]]

    def spellcheck(self, form):
        params = {"q": f"text:{solr.escape(form)}", "spellcheck.q": form}
        return self.call("GET", f"/{self.alias}{solr.SPELL_HANDLER}", "suggest a spelling", params=params)

    def health(self):
        ping = self.call("GET", f"/{self.alias}/admin/ping", "answer a ping")
        return {"engine": "solr", "status": ping.get("status", ""), "documents": self.count()}

    # What results ask (archive.search.cluster.results) ---------------------------------

    def summary(self, request, translator, hidden=()):
        response = self.search(solr.summary_body(request, translator, hidden))
        names = [name for name in response.get("facets", {}) if name not in {"count", "dates"}]
        counts = {name: solr.facet_counts(response, name) for name in names}
        return response["response"]["numFound"], counts, solr.date_pairs(response)

    def page_pks_of(self, body):
        return [int(doc["pk"]) for doc in self.search(body)["response"]["docs"]]

    def page_pks(self, request, translator, start, size, hidden=()):
        return self.page_pks_of(solr.page_body(request, translator, start, size, hidden))

    def iter_pks(self, request, translator, limit, hidden=()):
        def body(size, cursor):
            return solr.cursor_body(request, translator, size, cursor, hidden)

        return (int(doc["pk"]) for doc in self.iter_docs(body, limit))

    def archive_date_pairs(self):
        return solr.date_pairs(self.search(solr.archive_dates_body()))

    def copies(self, request, translator):
        docs = self.search(solr.copies_body(request, translator))["response"]["docs"]
        return [(int(doc["pk"]), int(doc["dup_of"])) for doc in docs]

    def hits_among(self, request, translator, pks):
        return set(self.page_pks_of(solr.hits_among_body(request, translator, pks)))

    def related_pks(self, identifier, excluded, limit):
        return self.page_pks_of(solr.related_body(identifier, excluded, limit))

    def first_pk_with(self, forms):
        pks = self.page_pks_of({**solr.known_terms_body(forms), "limit": 1, "fields": "pk"})
        return pks[0] if pks else None

    def suggestions(self, forms):
        return [found for form in forms for found in solr.suggestions(self.spellcheck(form))]

    # Rebuilding --------------------------------------------------------------------

    def rebuild(self, documents):
        name = self.new_collection_name()
        previous = self.alias_target()
        self.create_collection(name)
        self.index_documents(documents, collection=name, commit=False)
        self.call("POST", f"/{name}/update", "commit", json={"commit": {}})
        self.collections("CREATEALIAS", "move the alias", name=self.alias, collections=name)
        for old in (previous or "").split(","):
            if old:
                self.collections("DELETE", "delete the old collection", name=old)
        self.fields_checked, self.vectors_ready = False, True  # the new collection has every field
        return name
