"""Search: an engine-neutral core here, one sub-package per engine family.

Pages call archive.search.service.search() and related_articles(); SEARCH_URL picks the
engine (whoosh/ embedded, cluster/ for Elasticsearch, OpenSearch and Solr) and callers
never ask which one answered.
"""
