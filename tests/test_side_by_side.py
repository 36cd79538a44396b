"""Editors and imports side by side: near-duplicate checks by key, short import transactions, an
outbox that serves editors first, an import that always ends with its summary, actors on every save."""

import io
import itertools
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from archive.ingest import pipeline
from archive.ingest.dedupe import fill_missing_keys, original_of, signature
from archive.management.commands.run_indexer import BATCH_SECONDS, MIN_BATCH, next_limit
from archive.models import Actor, Article, ArticleActor, IndexTask, NearDuplicateKeys
from archive.search import outbox
from archive.search.outbox import applied_in_bulk, drain, enqueue, indexer_presence, indexer_running, pending_tasks
from tests.factories import make_actor, make_article, make_source
from tests.ingest_helpers import make_registry

pytestmark = pytest.mark.django_db

STORY = (
    "Defence ministers of the Baltic states met in Tallinn on Thursday and agreed to buy air defence systems "
    "together. The ministers said the joint purchase would be faster and cheaper than three separate ones, and "
    "that the first batteries should arrive before the end of next year. They also discussed the training of "
    "crews, the protection of critical infrastructure and the support for Ukraine, which all three countries "
    "pledged to continue. "
) * 2


def records_file(tmp_path, count, first=0, name="records.jsonl"):
    rows = [{"title": f"Sanctions round {n}", "text": f"The council adopted sanctions round number {n} on Monday "
             f"after talks in Brussels.", "date": "2022-03-01", "language": "en", "publisher": "Desk",
             "url": f"https://desk.example.org/{n}"} for n in range(first, first + count)]  # fmt: skip
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def import_command(*args):
    out = io.StringIO()
    call_command("import_articles", *map(str, args), "--quiet-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


# Near-duplicates by key


def test_an_articles_near_duplicate_keys_are_written_with_it_and_follow_its_body():
    article = make_article("Wire", STORY)
    keys = NearDuplicateKeys.objects.get(article=article)
    assert keys.content_hash == article.content_hash
    article.body = " ".join(f"word{number}" for number in range(100))
    article.save()
    assert NearDuplicateKeys.objects.get(article=article).content_hash == article.content_hash
    article.body = "Too short."
    article.save()
    assert not NearDuplicateKeys.objects.filter(article=article).exists()


def test_a_near_duplicate_check_costs_the_same_few_queries_whatever_the_archive_holds(django_assert_max_num_queries):
    original = make_article("Wire", STORY)
    copy_text = STORY + "Reporting by the Tallinn desk."
    with django_assert_max_num_queries(2):
        assert original_of(copy_text)[0] == original.pk
    for number in range(30):
        make_article(f"Other {number}", f"Unrelated text number {number} " * 40)
    with django_assert_max_num_queries(2):
        assert original_of(copy_text)[0] == original.pk


def test_a_copy_of_a_copy_links_to_the_first_original():
    original = make_article("Wire", STORY)
    copy = make_article("Copy", STORY + "Reporting by the Tallinn desk.", near_duplicate_of=original)
    assert original_of(STORY + "Reporting by the Tallinn desk. Edited.", exclude=original.pk)[0] == original.pk
    assert copy.near_duplicate_of_id == original.pk


def test_keys_are_filled_in_for_articles_loaded_without_them():
    source = make_source()
    Article.objects.bulk_create([Article(title="Bulk", body=STORY, source=source, language="en", content_hash="x")])
    assert fill_missing_keys(Article, NearDuplicateKeys) == 1
    assert original_of(STORY + "Edited.")[0] == Article.objects.get(title="Bulk").pk
    assert fill_missing_keys(Article, NearDuplicateKeys) == 0


def test_importing_a_record_does_not_read_the_archive(tmp_path, var_dir, django_assert_max_num_queries):
    """The number of queries a record costs does not grow with the archive (it loaded every body before)."""
    import_command(records_file(tmp_path, 1, 0, "warm.jsonl"))  # sources and the actor registry exist now
    with django_assert_max_num_queries(200) as small:
        import_command(records_file(tmp_path, 1, 1, "one.jsonl"))
    for number in range(40):
        make_article(f"Grown {number}", f"Another text number {number} about air defence " * 20)
    outbox.drain_all()  # their own index changes are not the import's work
    with django_assert_max_num_queries(len(small.captured_queries)):
        import_command(records_file(tmp_path, 1, 2, "two.jsonl"))


def test_the_paste_page_links_a_near_duplicate_to_its_original(client, editor):
    original = make_article("Wire", STORY)
    form = {"title": "Copy", "body": STORY + "Reporting by our desk.", "source": original.source_id,
            "language": "en", "date_precision": "unknown", "confirm": "1", "offered_actors": ""}  # fmt: skip
    assert client.post("/admin/archive/article/add-from-text/", form).status_code == 302
    assert Article.objects.get(title="Copy").near_duplicate_of == original


# Short transactions


def test_an_import_extracts_tags_and_signs_outside_its_write_transactions(tmp_path, var_dir, monkeypatch,
                                                                         transactional_db):  # fmt: skip
    """An editor's save waits only for the import's writes, never for its extraction."""
    seen = []
    real_signature = pipeline.signature

    def watched(text):
        seen.append(connection.in_atomic_block)
        return real_signature(text)

    monkeypatch.setattr(pipeline, "signature", watched)
    assert "3 imported" in import_command(records_file(tmp_path, 3))
    assert seen == [False, False, False]


def test_sqlite_queues_writers_with_a_busy_timeout_in_wal_mode(settings):
    from config import settings as project_settings

    options = project_settings.DATABASES["default"].get("OPTIONS", {})
    if project_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["timeout"] >= 5 and "journal_mode=WAL" in options["init_command"]
        assert options["transaction_mode"] == "IMMEDIATE"


# The outbox serves editors first


def test_an_editors_change_is_applied_before_an_imports_backlog():
    articles = [make_article(f"Bulk {n}") for n in range(3)]
    editor_article = make_article("Edited")
    IndexTask.objects.all().delete()
    with applied_in_bulk():
        for article in articles:
            enqueue(article.pk, IndexTask.Action.UPDATE)
    enqueue(editor_article.pk, IndexTask.Action.UPDATE)
    first = pending_tasks()
    assert [task.article_id for task in first] == [editor_article.pk]  # alone: not in a bulk batch
    assert drain() == 1
    assert [task.priority for task in pending_tasks()] == [IndexTask.Priority.BULK] * 3
    assert len(pending_tasks(bulk_limit=2)) == 2


def test_the_indexer_sizes_bulk_batches_to_finish_in_half_a_second():
    assert next_limit(20, 20, 0.1) == 100
    assert next_limit(100, 100, 5.0) == 10
    assert next_limit(100, 3, 0.01) == 100  # the queue ran dry
    assert next_limit(10, 10, 60.0) == MIN_BATCH
    assert BATCH_SECONDS <= 1


# Imports beside a running indexer, and whatever the index does


def test_an_import_beside_a_running_indexer_leaves_the_index_to_it_and_yields_the_cores(
    tmp_path, var_dir, search_index, monkeypatch
):
    from archive.management.commands import import_articles

    niceness = []
    monkeypatch.setattr(import_articles.os, "nice", niceness.append)
    with indexer_presence():
        assert indexer_running()
        output = import_command(records_file(tmp_path, 3))
    assert not indexer_running()
    assert niceness == [import_articles.SERVING_NICENESS]
    assert "3 imported" in output and "3 index changes queued for the running indexer" in output
    search_index.ensure_current()
    assert search_index.index.refresh().doc_count() == 0
    assert set(IndexTask.objects.values_list("priority", flat=True)) == {IndexTask.Priority.BULK}
    import_command(records_file(tmp_path, 1, first=10, name="alone.jsonl"))
    assert niceness == [import_articles.SERVING_NICENESS]  # no site running: the import keeps its priority


def test_an_import_ends_with_its_summary_while_another_process_holds_the_index(tmp_path, var_dir, search_index,
                                                                              monkeypatch):  # fmt: skip
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend.ArchiveWhooshBackend, "lock_timeout", 0.1)
    search_index.ensure_current()
    lock = search_index.index.lock("WRITELOCK")
    assert lock.acquire()
    try:
        output = import_command(records_file(tmp_path, 3))
    finally:
        lock.release()
    assert "3 imported, 0 updated, 0 duplicate, 0 near-duplicate, 0 failed" in output
    assert "changes wait in the outbox for run_indexer or index_doctor" in output
    assert IndexTask.objects.count() == 3
    IndexTask.objects.update(not_before=timezone.now())  # due now, not after the retry delay
    outbox.drain_all()
    assert search_index.index.refresh().doc_count() == 3


def test_an_import_ends_with_its_summary_when_the_index_cannot_be_written(tmp_path, var_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(outbox, "apply", broken)
    output = import_command(records_file(tmp_path, 2))
    assert "2 imported" in output and "No space left on device" in output


def test_the_indexer_holds_its_presence_while_it_runs(var_dir, monkeypatch):
    from archive.management.commands import run_indexer

    seen = []
    monkeypatch.setattr(run_indexer, "drain", lambda **kwargs: seen.append(indexer_running()) or 0)
    call_command("run_indexer", "--once")
    assert seen == [True] and not indexer_running()


def article_form(source_id, **changes):
    form = {"title": "Saved beside an import", "lede": "", "body": "NATO and Russia met; NATO said so.",
            "source": str(source_id), "language": "en", "published_on": "", "date_precision": "unknown",
            "is_published": "on", "actor_mentions-TOTAL_FORMS": "0", "actor_mentions-INITIAL_FORMS": "0",
            "actor_mentions-MIN_NUM_FORMS": "0", "actor_mentions-MAX_NUM_FORMS": "1000"}  # fmt: skip
    form.update(changes)
    return form


# Actors on every save


def mentions(article):
    return {m.actor.name: m.mention_count for m in ArticleActor.objects.filter(article=article).select_related("actor")}


def test_an_article_saved_in_the_admin_gets_the_actors_its_text_names(client, editor):
    make_registry()
    source = make_source()
    assert client.post("/admin/archive/article/add/", article_form(source.pk)).status_code == 302
    article = Article.objects.get(title="Saved beside an import")
    assert mentions(article) == {"NATO": 2, "Russia": 1} and not article.actors_set_by_hand
    change = f"/admin/archive/article/{article.pk}/change/"
    edited = article_form(source.pk, body="Only Lavrov spoke.", **inline(article))
    assert client.post(change, edited).status_code == 302
    assert mentions(article) == {"Sergey Lavrov": 1}


def inline(article):
    """The actor inline as the change form shows it, unchanged."""
    rows = list(ArticleActor.objects.filter(article=article))
    form = {"actor_mentions-TOTAL_FORMS": str(len(rows)), "actor_mentions-INITIAL_FORMS": str(len(rows))}
    for number, row in enumerate(rows):
        form.update({f"actor_mentions-{number}-id": str(row.pk), f"actor_mentions-{number}-article": str(article.pk),
                     f"actor_mentions-{number}-actor": str(row.actor_id), f"actor_mentions-{number}-role": row.role,
                     f"actor_mentions-{number}-mention_count": str(row.mention_count)})  # fmt: skip
    return form


def test_actors_an_editor_set_by_hand_are_kept_on_later_saves(client, editor):
    make_registry()
    source = make_source()
    client.post("/admin/archive/article/add/", article_form(source.pk))
    article = Article.objects.get()
    finland = make_actor("Finnish Defence Forces")
    change = f"/admin/archive/article/{article.pk}/change/"
    by_hand = {"actor_mentions-TOTAL_FORMS": "1", "actor_mentions-INITIAL_FORMS": "0",
               "actor_mentions-0-actor": str(finland.pk), "actor_mentions-0-role": "mention",
               "actor_mentions-0-mention_count": "1"}  # fmt: skip
    assert client.post(change, article_form(source.pk, **by_hand)).status_code == 302
    article.refresh_from_db()
    assert article.actors_set_by_hand
    assert mentions(article) == {"NATO": 2, "Russia": 1, "Finnish Defence Forces": 1}
    edited = article_form(source.pk, body="Only Lavrov spoke.", actors_set_by_hand="on", **inline(article))
    assert client.post(change, edited).status_code == 302
    assert mentions(article) == {"NATO": 2, "Russia": 1, "Finnish Defence Forces": 1}
    client.post("/admin/archive/article/", {"action": "retag_actors", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert mentions(article) == {"Sergey Lavrov": 1} and not article.actors_set_by_hand


def test_unticking_an_offered_actor_on_the_paste_page_is_the_editors_choice(client, editor):
    make_registry()
    source = make_source()
    nato, russia = (Article._meta.get_field("actors").related_model.objects.get(name=n) for n in ("NATO", "Russia"))
    form = {"title": "Pasted", "body": "NATO and Russia met; NATO said so.", "source": source.pk, "language": "en",
            "date_precision": "unknown", "confirm": "1", "offered_actors": f"{nato.pk},{russia.pk}"}  # fmt: skip
    client.post("/admin/archive/article/add-from-text/", {**form, "actors": [nato.pk, russia.pk]})
    assert mentions(Article.objects.get(title="Pasted")) == {"NATO": 2, "Russia": 1}
    assert not Article.objects.get(title="Pasted").actors_set_by_hand
    unticked = {**form, "title": "Pasted again", "body": "NATO and Russia met again; NATO said so.",
                "actors": [nato.pk]}  # fmt: skip
    assert client.post("/admin/archive/article/add-from-text/", unticked).status_code == 302
    article = Article.objects.get(title="Pasted again")
    assert mentions(article) == {"NATO": 2} and article.actors_set_by_hand


def test_an_update_import_keeps_actors_an_editor_set_by_hand(tmp_path, var_dir):
    make_registry()
    path = records_file(tmp_path, 1)
    import_command(path)
    article = Article.objects.get()
    finland = make_actor("Finnish Defence Forces")
    ArticleActor.objects.create(article=article, actor=finland, mention_count=1)
    Article.objects.filter(pk=article.pk).update(actors_set_by_hand=True)
    row = json.loads(path.read_text())
    path.write_text(json.dumps({**row, "text": row["text"] + " NATO welcomed it."}) + "\n")
    assert "1 updated" in import_command(path, "--update")
    assert mentions(article) == {"Finnish Defence Forces": 1}


def test_signatures_of_short_texts_are_none():
    assert signature("Too short.") is None


def test_an_interrupted_import_prints_what_it_imported_and_exits_130(tmp_path, var_dir, monkeypatch):
    from django.core.management.base import CommandError

    real_run = pipeline.Importer.run

    def interrupted(self, paths):
        yield from itertools.islice(real_run(self, paths), 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.Importer, "run", interrupted)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(records_file(tmp_path, 60)), "--quiet-progress", stdout=out)
    assert error.value.returncode == 130
    assert "25 imported" in out.getvalue()  # the first chunk was written whole
    assert Article.objects.count() == 25


def test_retagging_keeps_the_speaker_a_record_named():
    from archive.ingest.tagging import retag

    make_registry()
    lavrov = Actor.objects.get(name="Sergey Lavrov")
    article = make_article("Remarks", body="NATO and Russia were discussed.", source=make_source())
    ArticleActor.objects.create(article=article, actor=lavrov, role=ArticleActor.Role.SPEAKER)
    assert retag(article)
    roles = {m.actor.name: m.role for m in ArticleActor.objects.filter(article=article).select_related("actor")}
    assert roles == {"Sergey Lavrov": "speaker", "NATO": "mention", "Russia": "mention"}


def index_batches(count, size=2, words="Patrols over Šiauliai"):
    """An import's batches: a segment of `size` articles each."""
    articles = []
    for batch in range(count):
        articles += [make_article(f"Imported {batch}{n}", f"{words}, batch {batch}{n}.") for n in "ab"[:size]]
        drain(limit=size)
    return articles


def segment_sizes(search_index):
    return sorted(segment.doc_count_all() for segment in search_index.index.refresh()._segments())


def test_commits_merge_only_tiny_segments_and_merges_aside_fold_the_rest(search_index, monkeypatch):
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 2)  # one-article segments are tiny, two-article ones not
    index_batches(12)  # never merged inside a commit
    assert segment_sizes(search_index) == [2] * 12
    for number in range(11):  # an editor's saves: with ten tiny segments, the next commit merges them
        make_article(f"Edited {number}", f"Patrols over Šiauliai, edit {number}.")
        drain()
    assert segment_sizes(search_index) == [2] * 12 + [11]
    assert search_index.merge_aside()  # the ten smallest
    assert segment_sizes(search_index) == [2, 2, 11, 20]
    assert not search_index.merge_aside()  # fewer than ten small ones left
    assert len(searched("Šiauliai")) == 12 * 2 + 11


def searched(words):
    from archive.search import query
    from archive.search.service import SearchRequest, search

    return {hit.article.pk for hit in search(SearchRequest(query=query.parse_query(words)))[0:100]}


def merge_written(search_index, tmp_path):
    """The first half of a merge aside: the parts chosen, and their merged segment as staged."""
    from archive.search.whoosh import backend as whoosh_backend

    snapshot = search_index.index.refresh()._read_toc()
    parts = whoosh_backend.segments_to_merge(snapshot.segments)
    staging, merged = whoosh_backend.merge_from_snapshot(search_index.storage, "MAIN", snapshot, parts, tmp_path / "m")
    return parts, staging, merged


def test_commits_leave_piled_up_small_segments_to_a_merge_being_written(search_index, monkeypatch):
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 1)
    monkeypatch.setattr(whoosh_backend, "MAX_SMALL_SEGMENTS", 10)
    monkeypatch.setattr(whoosh_backend, "MAX_SMALL_SEGMENTS_WHILE_MERGING", 14)
    index_batches(11, words="Patrols over Šiauliai")  # past MAX_SMALL_SEGMENTS only with the next commit
    staging = os.path.join(search_index.index_dir, whoosh_backend.MERGE_STAGING)
    os.makedirs(staging)  # a merger is writing its segment
    index_batches(4, words="Drills near Tapa")
    assert segment_sizes(search_index) == [2] * 15  # left to the merger
    index_batches(1, words="Convoys near Narva")  # past the bound for a merge being written
    assert segment_sizes(search_index) == [2] * 5 + [22]
    os.rmdir(staging)
    index_batches(6, words="Exercises in Lapland")  # no merger: past MAX_SMALL_SEGMENTS again
    assert segment_sizes(search_index) == [22, 22]


def test_a_merge_aside_keeps_the_deletes_and_additions_made_while_it_was_written(search_index, monkeypatch, tmp_path):
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 1)
    articles = index_batches(12, words="Convoys near Narva")
    articles[0].delete()  # deleted before the snapshot: left out of the merged segment
    drain()
    parts, staging, merged = merge_written(search_index, tmp_path)
    for article in articles[3:6]:  # meanwhile an editor deletes three, edits one and adds one
        article.delete()
    articles[7].title = "Convoys near Narva, corrected"
    articles[7].save()
    added = make_article("Convoys near Narva, late", "Convoys near Narva, added during the merge.")
    drain()
    with search_index.write_lock():
        assert whoosh_backend.publish_merge(search_index.storage, "MAIN", staging, parts, merged)
    expected = {article.pk for article in articles[1:3] + articles[6:]} | {added.pk}
    assert searched("Narva") == expected
    assert searched('"Narva, corrected"') == {articles[7].pk}
    assert len(search_index.index.refresh()._segments()) < 12


def test_a_merge_aside_is_dropped_when_a_writer_merged_its_parts_first(search_index, monkeypatch, tmp_path):
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 1)
    articles = index_batches(10, words="Drills at Ādaži")
    parts, staging, merged = merge_written(search_index, tmp_path)
    with search_index.writing() as writer:  # a commit that merges the same segments
        writer.mergetype = whoosh_backend.merge_small_segments
    with search_index.write_lock():
        assert not whoosh_backend.publish_merge(search_index.storage, "MAIN", staging, parts, merged)
    assert segment_sizes(search_index) == [20]
    assert searched("Ādaži") == {article.pk for article in articles}


def test_the_indexer_merges_in_a_child_process_without_the_write_lock(search_index, monkeypatch):
    from archive.search.whoosh import backend as whoosh_backend

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 1)
    index_batches(12, words="Exercises in Lapland")
    call_command("run_indexer", "--once")
    assert segment_sizes(search_index) == [2, 2, 20]
    assert len(searched("Lapland")) == 24


def test_a_merge_aside_publishes_under_the_lock_writers_take(search_index, monkeypatch):
    from archive.search.errors import IndexBusy

    monkeypatch.setattr(search_index, "lock_timeout", 0)
    with search_index.write_lock(), pytest.raises(IndexBusy):  # what publish_merge holds
        search_index.writer()
    with search_index.writing(), pytest.raises(IndexBusy), search_index.write_lock():
        pass


def test_segments_are_opened_once_and_closed_when_merged_away_and_no_searcher_reads_them(search_index, monkeypatch):
    from archive.search.whoosh import backend as whoosh_backend
    from archive.search.whoosh.searcher import snapshots

    monkeypatch.setattr(whoosh_backend, "TINY_SEGMENT_DOCS", 1)
    articles = index_batches(12, words="Patrols near Pskov")
    assert len(searched("Pskov")) == 24
    holders = dict(search_index.segment_readers.holders)
    old_searcher = search_index.open_searcher()  # as a retired snapshot still serving a request
    articles[0].delete()  # the searcher and the writer read the same open files, with the new deletion
    drain()
    assert searched("Pskov") == {article.pk for article in articles[1:]}
    assert all(search_index.segment_readers.holders[key] is holder for key, holder in holders.items())
    assert search_index.merge_aside()  # ten segments folded into one
    for article in articles[2:4]:  # edits of articles now in the merged segment: replaced, not doubled
        article.body += " Updated after the merge."
        article.save()
    drain()
    assert searched("Pskov") == {article.pk for article in articles[1:]}
    live = {segment.segment_id() for segment in search_index.index._segments()}
    merged_away = [holder for (_, segment_id), holder in holders.items() if segment_id not in live]
    assert len(merged_away) == 10 and not any(holder.is_closed for holder in merged_away)  # the old searcher reads them
    old_searcher.close()
    snapshots.clear()  # and the snapshots the searches above retired, as 60 s after would
    assert all(holder.is_closed for holder in merged_away)
    assert not any(holder.is_closed for holder in search_index.segment_readers.holders.values())
    with search_index.index.refresh().searcher() as searcher:  # Whoosh's own reader agrees: one copy of each
        assert searcher.doc_count() == len(articles) - 1
