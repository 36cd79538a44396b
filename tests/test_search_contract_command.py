"""`manage.py search_contract` against a cluster: the same checks, in a scratch index that is
deleted afterwards, with the database rolled back."""

import pytest
from django.core.management import call_command

from archive.models import Article
from tests.engines import CLUSTER_ENGINES, start_standin, use_search_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", CLUSTER_ENGINES)
def test_the_contract_command_passes_against_each_cluster_and_leaves_nothing_behind(name, settings, capsys):
    server, url = start_standin(name)
    try:
        use_search_url(settings, url)
        call_command("search_contract", "--require", "--rebuild")
        output = capsys.readouterr().out
        assert "Every contract check passed" in output and "FAIL" not in output
        assert "ok   did you mean" in output and "ok   a rebuild swaps in a new index" in output
        standin = server.standin
        assert not getattr(standin, "indices", None) and not getattr(standin, "collections", None)
        assert not Article.objects.exists()  # rolled back
    finally:
        server.shutdown()
        server.server_close()


def test_the_contract_command_says_why_it_skips(settings, capsys):
    use_search_url(settings, "opensearch://127.0.0.1:9/archive?retries=0&timeout=1")
    call_command("search_contract")
    assert "Contract suite skipped" in capsys.readouterr().out
