"""Elasticsearch, OpenSearch and Solr: every engine that runs as a separate cluster."""
