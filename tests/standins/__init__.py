"""In-process stand-ins for the search clusters no test machine can run (Elasticsearch 8,
OpenSearch 2, Solr 9): HTTP servers that answer the requests our code sends, through the
official clients, with each engine's documented response shapes. What they check and
what only a real cluster can (`manage.py search_contract`) is listed in docs/deployment.md.
"""
