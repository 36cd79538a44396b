import pytest
from django.core.management import call_command
from django.utils import timezone
from haystack import connections
from whoosh import index as whoosh_index

from archive.models import Article, IndexTask
from archive.search.analysis import analysed_text
from archive.search.cluster import backend as cluster_backend
from archive.search.cluster import elastic, solr
from archive.search.doctor import find_drift
from archive.search.document import indexed_document
from archive.search.outbox import drain_all
from archive.search.whoosh.backend import archive_schema, whoosh_document
from archive.search.whoosh.searcher import snapshots
from tests.engines import CLUSTER_ENGINES
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_doctor_finds_and_repairs_missing_stale_and_orphaned_entries(search_index, capsys):
    kept = make_article("Kept", "kept text")
    stale = make_article("Stale", "old text")
    orphan = make_article("Orphan", "orphan text")
    drain_all()
    missing = make_article("Missing", "never indexed")
    # Drift the way a crash would: changes reach the database but not the index.
    IndexTask.objects.all().delete()
    Article.objects.filter(pk=stale.pk).update(body="new text", title="Stale, edited", updated_at=timezone.now())
    Article.objects.filter(pk=orphan.pk).delete()

    drift = find_drift(search_index)
    assert drift.missing == [missing.pk]
    assert drift.stale == [stale.pk]
    assert drift.orphans == [orphan.pk]
    assert kept.pk not in drift.missing + drift.stale + drift.orphans

    with pytest.raises(SystemExit):
        call_command("index_doctor", "--check")
    call_command("index_doctor")
    assert "Repaired 3 entries" in capsys.readouterr().out
    assert find_drift(search_index).total == 0


def test_reindexing_a_batch_replaces_each_entry_and_never_adds_a_copy(search_index):
    articles = [make_article(f"Briefing {n}", f"text number {n}") for n in range(3)]
    drain_all()
    Article.objects.filter(pk=articles[0].pk).update(title="Briefing renamed", updated_at=timezone.now())
    for article in articles:
        IndexTask.objects.create(article_id=article.pk, action=IndexTask.Action.UPDATE)
    drain_all()
    index = search_index.index.refresh()
    assert index.doc_count() == 3
    renamed = search_index.parser.parse(f"title:{analysed_text('renamed', 'en')}")
    with index.searcher() as searcher:
        assert [hit["pk"] for hit in searcher.search(renamed)] == [articles[0].pk]
    assert find_drift(search_index).total == 0


def test_a_whoosh_index_built_before_content_hashes_opens_and_each_entry_is_reindexed(search_index, capsys):
    articles = [make_article(f"Old briefing {n}", f"old text {n}") for n in range(3)]
    drain_all()
    # The same entries, written by a Whoosh index whose schema had no content_hash column.
    old_schema = archive_schema()
    old_schema.remove("content_hash")
    old_index = whoosh_index.create_in(search_index.index_dir, old_schema)
    article_index = connections["default"].get_unified_index().get_index(Article)
    with old_index.writer() as writer:
        for article in articles:
            document = whoosh_document(article_index.full_prepare(article), article)
            del document["content_hash"]
            writer.add_document(**document)
    search_index.setup()
    snapshots.clear()

    drift = find_drift(search_index)
    assert drift.stale == drift.unhashed == sorted(article.pk for article in articles)
    call_command("index_doctor")
    output = capsys.readouterr().out
    assert "3 of the stale entries were indexed before the index kept content hashes" in output
    assert "Repaired 3 entries" in output
    assert find_drift(search_index).total == 0


def without_content_hash(made):
    """What `made` (a function making a mapping, fields or a document) returned before the
    index kept content hashes."""

    def old_version(*args, **kwargs):
        found = made(*args, **kwargs)
        if isinstance(found, list):
            return [field for field in found if field["name"] != "content_hash"]
        fields = found["mappings"]["properties"] if "mappings" in found else found
        del fields["content_hash"]
        return found

    return old_version


@pytest.mark.parametrize("engine", CLUSTER_ENGINES, indirect=True)
def test_a_cluster_index_made_before_content_hashes_gets_the_field_and_each_entry_is_reindexed(engine, capsys):
    with pytest.MonkeyPatch.context() as old_version:
        old_version.setattr(elastic, "index_definition", without_content_hash(elastic.index_definition))
        old_version.setattr(solr, "field_definitions", without_content_hash(solr.field_definitions))
        old_version.setattr(cluster_backend, "indexed_document", without_content_hash(indexed_document))
        articles = [make_article(f"Old briefing {n}", f"old text {n}") for n in range(3)]
        drain_all()
    connections.reload("default")  # a new process: the new version of the code

    assert find_drift().unhashed == sorted(article.pk for article in articles)
    call_command("index_doctor")
    output = capsys.readouterr().out
    assert "3 of the stale entries were indexed before the index kept content hashes" in output
    assert "Repaired 3 entries" in output
    assert find_drift().total == 0
