"""Every page that searches, on every engine: Whoosh, and stand-ins for Elasticsearch 8,
OpenSearch 2 and Solr 9 reached through their official clients (`engine` fixture).

With SEARCH_URL naming a cluster these pages used to fail (healthz 503, exports cut after
the first chunk, feeds and compare 500, related articles a traceback, no did-you-mean,
index_doctor stopping `make start`)."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from archive.models import Article, IndexTask, content_hash_of
from archive.search.cluster import elastic_cluster, solr_cluster
from archive.search.doctor import find_drift
from archive.search.outbox import drain_all
from archive.search_indexes import ArticleIndex
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(engine, monkeypatch):
    """Twelve articles about sanctions, one with markup in it; cluster pages of 5 hits, so
    a stream of every hit crosses pages (point-in-time + search_after, or cursorMark)."""
    monkeypatch.setattr(elastic_cluster, "PAGE", 5)
    monkeypatch.setattr(solr_cluster, "PAGE", 5)
    nato = make_actor("NATO")
    source = make_source("Yle News")
    articles = [
        make_article(f"Sanctions round {n}", f"Allies agreed sanctions number {n} on arms exports.", source=source,
                     date=f"2021-{n:02d}-15", actors=[nato])
        for n in range(1, 12)
    ]  # fmt: skip
    articles.append(make_article("Markup <b>sanctions</b>", "NATO said <script>x</script> sanctions.", source=source))
    drain_all()
    return articles


def test_the_search_page_shows_hits_facets_timeline_and_escaped_highlights(client, archive):
    page = client.get("/search/", {"q": "sanctions"}).content.decode()
    assert "12 " in page or "12</" in page
    assert "Markup &lt;b&gt;" in page and "<script>x" not in page and "&lt;script&gt;" in page
    assert "<mark>sanctions</mark>" in page
    assert 'id="facet-source"' in page and "Yle News" in page and 'id="facet-year"' in page
    assert "Matching articles per" in page
    assert page.count("Sanctions round") >= 11


def test_a_facet_filter_narrows_the_hits_on_every_engine(client, archive):
    page = client.get("/search/", {"q": "sanctions", "year": "2021", "month": "202103"}).content.decode()
    assert "Sanctions round 3" in page and "Sanctions round 4<" not in page


@pytest.mark.parametrize("format", ["csv", "jsonl", "ris", "bib", "csl"])
def test_every_export_format_streams_every_hit_to_the_end(client, archive, format):
    response = client.get(f"/search/export.{format}", {"q": "sanctions", "sort": "oldest"})
    assert response.status_code == 200 and response["X-Export-Rows"] == "12"
    body = b"".join(response.streaming_content).decode()
    if format == "csv":
        rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
        assert [row["title"] for row in rows[:3]] == ["Sanctions round 1", "Sanctions round 2", "Sanctions round 3"]
        assert len(rows) == 12
    elif format == "jsonl":
        assert len([json.loads(line) for line in body.splitlines()]) == 12
    elif format == "ris":
        assert body.count("ER  -") == 12
    elif format == "bib":
        assert body.count("@") == 12
    else:
        assert len(json.loads(body)) == 12


def test_the_search_feed_lists_the_newest_hits(client, archive):
    response = client.get("/feeds/search/", {"q": "sanctions"})
    assert response.status_code == 200
    feed = response.content.decode()
    assert feed.count("<entry>") == 12 and "Sanctions round 11" in feed


def test_compare_charts_searches_over_the_same_periods(client, archive):
    response = client.get("/compare/", {"s": ["sanctions", "arms"]})
    page = response.content.decode()
    assert response.status_code == 200 and "Articles per period" in page and "Share of all articles" in page


def test_an_article_page_lists_related_articles(client, archive):
    response = client.get(archive[0].get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200 and "Sanctions round" in page.split("Sanctions round 1", 1)[1]


def test_did_you_mean_corrects_an_unknown_word(client, archive):
    page = client.get("/search/", {"q": "sanctoins"}).content.decode()
    assert "Did you mean" in page and "sanctions" in page.split("Did you mean", 1)[1][:300]


def test_healthz_reports_the_engine(client, archive, engine):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["index"]["documents"] == 12


def test_the_api_searches_with_facets(client, archive):
    answer = client.get("/api/articles/", {"q": "sanctions", "page_size": 5}).json()
    assert answer["count"] == 12 and len(answer["results"]) == 5 and answer["facets"]["source"][0]["count"] == 12


def test_index_doctor_finds_and_repairs_drift(archive, capsys):
    from haystack import connections

    gone = archive[0]
    connections["default"].get_backend().remove_identifiers([f"archive.article.{gone.pk}"])
    Article.objects.filter(pk=archive[1].pk).update(title="Edited behind the index's back", updated_at=timezone.now())
    call_command("index_doctor")
    output = capsys.readouterr().out
    assert "missing: 1" in output and "stale: 1" in output and "matches the database" in output
    call_command("index_doctor", "--check")
    assert not IndexTask.objects.exists()


def test_index_doctor_repairs_text_changed_behind_the_outboxs_back_with_the_same_updated_stamp(client, archive, capsys):
    """A bulk .update() skips the signals, so no outbox task; updated_at is kept, so only
    the content hash tells the index holds the old text."""
    edited = archive[2]
    new_body = "Allies agreed a ceasefire instead."
    Article.objects.filter(pk=edited.pk).update(body=new_body, content_hash=content_hash_of(new_body))
    assert not IndexTask.objects.exists()
    assert "Sanctions round 3" not in client.get("/search/", {"q": "ceasefire"}).content.decode()
    drift = find_drift()
    assert (drift.missing, drift.stale, drift.orphans, drift.unhashed) == ([], [edited.pk], [], [])
    call_command("index_doctor")
    assert "stale: 1" in capsys.readouterr().out
    assert "Sanctions round 3" in client.get("/search/", {"q": "ceasefire"}).content.decode()
    call_command("index_doctor", "--check")


def test_index_doctor_repairs_entries_indexed_before_the_index_kept_content_hashes(archive, capsys, monkeypatch):
    old = archive[3]
    with monkeypatch.context() as patched:  # index it as an index of the old schema held it: no hash
        patched.setattr(ArticleIndex, "prepare_content_hash", lambda self, article: "", raising=False)
        IndexTask.objects.create(article_id=old.pk, action=IndexTask.Action.UPDATE)
        drain_all()
    assert find_drift().unhashed == [old.pk]
    call_command("index_doctor")
    output = capsys.readouterr().out
    assert "stale: 1" in output and "1 of the stale entries were indexed before the index kept content hashes" in output
    assert find_drift().total == 0


def test_rebuild_search_index_swaps_in_a_new_index(archive, capsys):
    call_command("rebuild_search_index", "--no-progress")
    assert "Indexed 12 articles" in capsys.readouterr().out
    call_command("index_doctor", "--check")


def test_make_start_steps_run(engine, capsys):
    """make start: migrate, load_seed_content, index_doctor (then serving: the pages above)."""
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_seed_content")
    call_command("index_doctor")
    assert "the index matches the database" in capsys.readouterr().out.lower()
    call_command("index_doctor", "--check")
