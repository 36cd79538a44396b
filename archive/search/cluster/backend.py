"""A haystack backend and our search engine for a cluster (Elasticsearch 8, OpenSearch 2, Solr 9).

Writes go through the official clients (archive.search.cluster.client) with the documents
every engine indexes, so the outbox, index_doctor and rebuild_search_index work with a
cluster as they do with Whoosh.
"""

import time

from haystack import connections
from haystack.backends import BaseEngine, BaseSearchBackend, BaseSearchQuery
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier

from archive.models import Article
from archive.search.cluster.client import connect
from archive.search.cluster.results import ClusterResults
from archive.search.cluster.stories import same_story_pks
from archive.search.doctor import find_drift, repair
from archive.search.document import VECTOR_FIELD, VECTOR_STAMP_FIELD, article_identifier, indexed_document
from archive.search.engine import RebuildReport
from archive.search.errors import IndexUnavailable


class ClusterBackend(BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        self.cluster = connect(options["SEARCH_URL"])

    def update(self, index, iterable, commit=True):
        documents = list(self.documents(index, iterable))
        if documents:
            # A document indexed again keeps its vector if it was made from this version.
            self.cluster.index_documents(carried_vectors(self.cluster, documents))

    @staticmethod
    def documents(index, objects):
        for obj in objects:
            try:
                yield indexed_document(index.full_prepare(obj), obj)
            except SkipDocument:
                continue

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        self.cluster.remove_documents(list(identifiers))

    def clear(self, models=None, commit=True):
        self.cluster.drop_index()
        self.cluster.ensure_index()

    def search(self, query_string, **kwargs):
        raise NotImplementedError("the archive searches through archive.search.service, not SearchQuerySet")

    def archive_engine(self):
        return ClusterSearch(self)


class ClusterSearch:
    """archive.search.engine's interface over one cluster."""

    def __init__(self, backend):
        self.backend = backend
        self.cluster = backend.cluster
        self.name = self.cluster.engine

    def search(self, request):
        return ClusterResults(request, self, self.cluster)

    def related(self, article, limit=5):
        excluded = {article.pk, *article.near_duplicates.values_list("pk", flat=True)}
        if article.near_duplicate_of_id:
            excluded.add(article.near_duplicate_of_id)
        return self.cluster.related_pks(article_identifier(article.pk), sorted(excluded), limit)

    def vectors_pending(self, limit=None):
        """Documents without a current vector (the first `limit`, cheaply: those with none)."""
        if limit is not None:
            return self.cluster.unembedded_pks(limit)
        self.cluster.ensure_index()  # finds out whether the index can hold vectors
        if not self.cluster.vectors_ready:
            return []
        versions = self.cluster.vector_versions()
        return sorted(pk for pk, (updated, embedded) in versions.items() if embedded != updated)

    def write_vectors(self, pks, stamps, vectors):
        self.cluster.write_vectors([article_identifier(pk) for pk in pks], stamps, vectors)

    def same_story(self, article, per_language=1):
        """Ids of articles in other languages telling the story of `article` (archive.search.stories)."""
        return same_story_pks(self.cluster, article, per_language)

    def status(self):
        health = self.cluster.health()
        if health["status"] in {"red", "FAILED"}:
            raise IndexUnavailable(f"the {self.name} cluster reports {health['status']}")
        return health

    def indexed_versions(self):
        return self.cluster.scan_versions()

    def rebuild(self, batch_size=500, progress=None):
        started = time.perf_counter()
        article_index = connections["default"].get_unified_index().get_index(Article)
        articles = article_index.index_queryset().iterator(chunk_size=batch_size)
        count = 0

        def documents():
            nonlocal count
            for document in self.backend.documents(article_index, articles):
                count += 1
                if progress is not None:
                    progress.update(1)
                yield document

        name = self.cluster.rebuild(with_vectors(self.cluster, documents()))
        caught_up = repair(find_drift(self))
        return RebuildReport(count, time.perf_counter() - started, caught_up, name)


class ClusterEngine(BaseEngine):
    backend = ClusterBackend
    query = BaseSearchQuery


def carried_vector(document, held):
    """`document` with the vector `held` (an indexed document's vector fields) when it was made from this version."""
    if held and held.get(VECTOR_FIELD) and held.get(VECTOR_STAMP_FIELD) == document["updated"]:
        return {**document, VECTOR_FIELD: held[VECTOR_FIELD], VECTOR_STAMP_FIELD: held[VECTOR_STAMP_FIELD]}
    return document


def carried_vectors(cluster, documents):
    held = cluster.held_vectors(documents)
    return [carried_vector(document, held.get(document["id"])) for document in documents]


def with_vectors(cluster, documents, batch=500):
    """A rebuild's documents, each with its current vector from the index it replaces: a
    rebuild does not make the indexer embed the whole archive again (nor does indexing an
    unchanged article again, in `update`)."""
    chunk = []
    for document in documents:
        chunk.append(document)
        if len(chunk) >= batch:
            yield from carried_vectors(cluster, chunk)
            chunk = []
    if chunk:
        yield from carried_vectors(cluster, chunk)
