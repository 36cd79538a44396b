"""The search contract (archive/search/cluster/contract.py), check by check, on every engine:
Whoosh, and stand-ins for Elasticsearch 8, OpenSearch 2 and Solr 9 through their official clients."""

import pytest

from archive.search.cluster.contract import CHECKS, Corpus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("check", list(CHECKS))
def test_every_engine_keeps_the_search_contract(engine, check):
    corpus = Corpus()
    assert CHECKS[check](corpus) == []
