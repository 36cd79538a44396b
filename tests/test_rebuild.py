import re

import pytest
from django.core.management import call_command

from archive.search.outbox import drain_all
from archive.search.whoosh.rebuild import write_generation
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

    monkeypatch.setattr("archive.search.whoosh.rebuild.whoosh_document", crash)
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

    monkeypatch.setattr("archive.search.whoosh.rebuild.write_generation", write_while_editors_work)
    call_command("rebuild_search_index", "--no-progress")
    assert titles(client, "Narva") == ["Saved during the rebuild"]


def test_a_rebuild_writes_segments_in_worker_processes_and_saves_never_merge_them(client, search_index, monkeypatch):
    from archive.search.whoosh import backend as whoosh_backend
    from archive.search.whoosh import rebuild as rebuild_module

    monkeypatch.setattr(rebuild_module, "SEGMENT_DOCS", 3)
    monkeypatch.setattr(rebuild_module, "REBUILD_PROCS", 2)
    monkeypatch.setattr(whoosh_backend, "SMALL_SEGMENT_DOCS", 3)  # the rebuild's segments count as large
    for number in range(9):
        make_article(f"Old {number}", f"Jets over Šiauliai, flight {number}.")
    drain_all()
    call_command("rebuild_search_index", "--no-progress")
    rebuilt = {segment.segment_id() for segment in search_index.index.refresh()._segments()}
    assert len(rebuilt) == 3
    for number in range(12):  # one segment a save; the tenth small one triggers a merge
        make_article(f"New {number}", f"Jets over Šiauliai, sortie {number}.")
        drain_all()
    segments = search_index.index.refresh()._segments()
    assert rebuilt <= {segment.segment_id() for segment in segments}
    assert len(segments) < 3 + 12
    assert "21 articles" in client.get("/search/", {"q": "Šiauliai"}).content.decode()
    assert titles(client, "flight 8") == ["Old 8"] and titles(client, "sortie 11") == ["New 11"]


def test_a_rebuild_leaves_its_term_counts_and_did_you_mean_agrees_with_whoosh(client, search_index, monkeypatch):
    import os

    from archive.search.whoosh import backend as whoosh_backend
    from archive.search.whoosh import rebuild as rebuild_module
    from archive.search.whoosh import segments
    from archive.search.whoosh.searcher import snapshots

    monkeypatch.setattr(rebuild_module, "SEGMENT_DOCS", 3)
    monkeypatch.setattr(whoosh_backend, "SMALL_SEGMENT_DOCS", 3)
    for number in range(9):
        make_article(f"Old {number}", f"Sanctions over Šiauliai, flight {number}.")
    drain_all()
    call_command("rebuild_search_index", "--no-progress")
    counts, covered = segments.stored_term_counts(search_index.index_dir, "text")
    assert len(covered) == 3 and counts["sanction"] == 9
    make_article("New", "Sanctions again, and sanctions.")  # a one-document segment, counted apart
    drain_all()
    snapshot = snapshots.get(search_index)
    reader = snapshot.searcher.reader()
    expected = {term.decode(): info.doc_frequency() for term, info in reader.iter_field("text")}
    found = snapshot.document_frequencies("text")
    assert {term: found[term] for terms in found.term_lists() for term in terms} == expected
    assert "Did you mean" in client.get("/search/", {"q": "sanctoins"}).content.decode()
    os.remove(os.path.join(search_index.index_dir, segments.TERM_COUNTS_FILE))  # without the file: read per segment
    segments.segments.clear()
    snapshots.clear()
    found = snapshots.get(search_index).document_frequencies("text")
    assert {term: found[term] for terms in found.term_lists() for term in terms} == expected


def test_an_index_written_before_the_search_package_split_still_opens():
    import pickle

    from archive.search.whoosh.arrays import PreAnalysedPositions

    # Whoosh's table of contents pickles the schema; before the split the format lived here.
    assert pickle.loads(b"carchive.search.whoosh_backend\nPreAnalysedPositions\n.") is PreAnalysedPositions
