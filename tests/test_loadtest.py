"""The load-and-fault script stays bounded and on loopback (it is run by hand, not by CI)."""

import pytest

from loadtest.run import parse_args, passed, percentile


@pytest.mark.parametrize(
    "argv",
    [
        ["--minutes", "0"],
        ["--minutes", "61"],
        ["--readers", "500"],
        ["--database-url", "postgres://u:p@db.example.org/archive"],
    ],
)
def test_unbounded_or_remote_runs_are_refused(argv):
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_loopback_database_is_accepted():
    assert parse_args(["--database-url", "postgres://u:p@127.0.0.1:5432/load"]).database_url.endswith("/load")


def test_the_verdict_needs_every_check():
    load = {
        "5xx": 0,
        "timeouts_or_connection_errors": 0,
        "saves_not_searchable_within_5s": 0,
        "deletes_still_searchable_after_5s": 0,
        "deletes_back_at_the_end": 0,
        "read_p95_ms": 420.0,
    }
    assert passed({"load": load, "fault_rollback": {"ok": True}})
    assert not passed({"load": {**load, "read_p95_ms": 1000.0}})
    assert not passed({"load": load, "fault_disk_full": {"ok": False}})
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.5) == 300.0


@pytest.mark.django_db
def test_the_load_runs_paste_editor_confirms_the_extracted_draft_as_an_editor_would(client, editor):
    from archive.models import Article
    from loadtest.traffic import PASTE_PAGE, draft_form, pasted_page
    from tests.factories import make_source

    source = make_source("Load News")
    page = client.post(PASTE_PAGE, {"text": pasted_page("zqmarker"), "url": "", "extract": "1"})
    form = draft_form(page.content.decode(), source.pk, "")
    response = client.post(PASTE_PAGE, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert "zqmarker" in article.body and article.source == source
    assert article.published_on.isoformat() == "2024-05-04"


@pytest.mark.django_db
def test_the_import_rate_is_read_from_the_imports_own_summary(tmp_path, search_index):
    from loadtest.run import SUMMARY
    from tests.test_side_by_side import import_command, records_file

    summary = import_command(records_file(tmp_path, 3)).strip().splitlines()[-1]
    found = SUMMARY.search(summary)
    assert found and found.group(1) == "3" and float(found.group(2)) > 0
