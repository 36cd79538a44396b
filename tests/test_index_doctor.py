import pytest
from django.core.management import call_command
from django.utils import timezone

from archive.models import Article, IndexTask
from archive.search.doctor import find_drift
from archive.search.outbox import drain_all
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
