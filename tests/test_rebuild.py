import re

import pytest
from django.core.management import call_command

from archive.search.outbox import drain_all
from archive.search.rebuild import write_generation
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def titles(client, query):
    html = client.get("/search/", {"q": query}).content.decode()
    return re.findall(r'class="result-title" href="[^"]*">([^<]*)</a>', html)


def test_rebuild_swaps_in_a_new_generation(client, search_index, capsys):
    make_article("Baltic air policing", "Jets over Šiauliai.")
    drain_all()
    old_dir = search_index.index_dir
    call_command("rebuild_search_index", "--no-progress")
    assert "Indexed 1 articles" in capsys.readouterr().out
    assert search_index.index_dir != old_dir
    assert titles(client, "Šiauliai") == ["Baltic air policing"]


def test_a_crashed_rebuild_leaves_the_live_index_serving(client, search_index, monkeypatch):
    make_article("Baltic air policing", "Jets over Šiauliai.")
    drain_all()
    live_dir = search_index.index_dir

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were killed mid-build

    monkeypatch.setattr("archive.search.rebuild.whoosh_document", crash)
    with pytest.raises(KeyboardInterrupt):
        call_command("rebuild_search_index", "--no-progress")
    assert search_index.current_index_dir() == live_dir
    assert titles(client, "Šiauliai") == ["Baltic air policing"]


def test_changes_made_during_a_rebuild_are_caught_up(client, search_index, monkeypatch):
    early = make_article("Written before", "Narva bridge.")
    drain_all()
    original = write_generation

    def write_while_editors_work(directory, batch_size, progress=None):
        documents = original(directory, batch_size, progress)
        make_article("Saved during the rebuild", "Narva ferry.")  # goes to the live generation
        early.delete()
        drain_all()
        return documents

    monkeypatch.setattr("archive.search.rebuild.write_generation", write_while_editors_work)
    call_command("rebuild_search_index", "--no-progress")
    assert titles(client, "Narva") == ["Saved during the rebuild"]
