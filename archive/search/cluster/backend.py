"""A haystack engine for a search cluster (Elasticsearch 7 / OpenSearch, or Solr).

It writes the documents archive.search.cluster.elastic.document builds, with the mapping or schema
we define, over plain HTTP (archive.search.cluster.client), so the outbox, index_doctor-style
repairs and haystack's own commands work with a cluster as they do with Whoosh.
"""

from haystack.backends import BaseEngine, BaseSearchBackend, BaseSearchQuery
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier

from archive.search.cluster.client import Cluster, ClusterUnreachable
from archive.search.cluster.elastic import document
from archive.search.whoosh.backend import IndexUnavailable


class ClusterBackend(BaseSearchBackend):
    def __init__(self, connection_alias, **options):
        super().__init__(connection_alias, **options)
        self.cluster = Cluster.from_search_url(options["SEARCH_URL"])

    def call(self, method, *args):
        try:
            return getattr(self.cluster, method)(*args)
        except ClusterUnreachable as error:
            raise IndexUnavailable(str(error)) from error

    def update(self, index, iterable, commit=True):
        documents = []
        for obj in iterable:
            try:
                documents.append(document(index.full_prepare(obj)))
            except SkipDocument:
                continue
        if documents:
            self.call("index_documents", documents)

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        self.call("remove_documents", list(identifiers))

    def clear(self, models=None, commit=True):
        self.call("drop_index")
        self.call("create_index")

    def search(self, query_string, **kwargs):
        raise NotImplementedError("the archive searches through archive.search.service, not SearchQuerySet")


class ClusterEngine(BaseEngine):
    backend = ClusterBackend
    query = BaseSearchQuery
