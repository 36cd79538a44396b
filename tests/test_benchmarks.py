"""The benchmark harness's parts that can be checked quickly: corpus, loading, report."""

import gzip
import json

import pytest

from archive.models import Article
from benchmarks.corpus import GENERATED, generate, mixed, read_corpus
from benchmarks.load import load_articles
from benchmarks.peers import Fts5, Tantivy
from benchmarks.report import markdown


def test_the_generator_is_deterministic_and_varied():
    first, again = list(generate(30, words_per_article=50)), list(generate(30, words_per_article=50))
    assert first == again
    assert len({record["language"] for record in first}) > 2
    assert len({record["date"].year for record in first}) > 5
    assert all(record["body"] and record["title"] for record in first)


def test_a_corpus_file_is_read_in_the_shared_schema(tmp_path):
    path = tmp_path / "sample.jsonl.gz"
    records = [
        {"id": "a", "title": "Riga summit", "text": "NATO met.", "date": "2021-12", "date_precision": "month",
         "language": "en", "publisher": "NATO"},
        {"id": "b", "title": "", "text": "", "date": None, "language": None, "publisher": None},
        {"id": "c", "title": "Undated", "text": "Text.", "date": None, "language": None, "publisher": None},
    ]  # fmt: skip
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.writelines(json.dumps(record) + "\n" for record in records)
    read = list(read_corpus(path, 10))
    assert [record["title"] for record in read] == ["Riga summit", "Undated"]
    assert read[0]["date"].isoformat() == "2021-12-01" and read[0]["precision"] == "month"
    assert read[1]["date"] is None and read[1]["precision"] == "unknown" and read[1]["language"] == "en"


@pytest.mark.django_db
def test_loading_creates_articles_sources_and_actor_tags():
    assert load_articles(generate(25, words_per_article=40)) == 25
    article = Article.objects.exclude(actors=None).first()
    assert article is not None and article.slug and article.content_hash


def test_the_report_prints_ratios_against_stock():
    result = {
        "articles": 10000, "corpus": "generator", "machine": "2 cores", "when": "now", "queries": ["common term"],
        "ours_rebuild": {"docs_per_s": 150.0, "index_mb": 100, "cpu_ms_per_doc": 10},
        "stock_index": {"docs_per_s": 15.0, "index_mb": 250, "documents": 10000, "cpu_ms_per_doc": 60},
        "ours_view": {"p50": 10, "p95": 20, "p99": 30, "first_request_ms": 5, "refused": [], "slowest": [],
                      "cpu": {"p50": 8, "p95": 15}},
        "stock_query": {"p50": 500, "p95": 900, "p99": 1000, "cpu": {"p50": 450, "p95": 800}},
        "ours_http": {"p50": 12, "p95": 25, "p99": 40},
        "save_to_searchable_ms": {"p50": 300, "p95": 600}, "worker_peak_rss_mb": 120,
    }  # fmt: skip
    table = markdown(result)
    assert "| full rebuild, documents/s | 150.0 | 15.0 | 10.0× |" in table
    assert "| search via Django view, p95 ms | 20 | 900 | 45.0× |" in table


def write_corpus(path, prefix, count, text="Text about sanctions and the alliance."):
    with gzip.open(path, "wt", encoding="utf-8") as file:
        for number in range(count):
            record = {"id": f"{prefix}{number}", "title": f"{prefix} {number}", "text": f"{text} {prefix}{number}",
                      "date": "2022-03-01", "date_precision": "day", "language": "en", "publisher": prefix}  # fmt: skip
            file.write(json.dumps(record) + "\n")
    return path


def test_a_mix_takes_files_whole_in_order_and_the_last_fills(tmp_path):
    long = write_corpus(tmp_path / "long.jsonl.gz", "long", 30)
    short = write_corpus(tmp_path / "short.jsonl.gz", "short", 100)
    records = list(mixed([long, short], 50))
    sources = [record["source"] for record in records]
    assert sources.count("long") == 30 and sources.count("short") == 20
    assert [r["title"] for r in records if r["source"] == "short"] == [f"short {n}" for n in range(20)]
    assert sources[:30] != ["long"] * 30  # interleaved, not one file after the other
    assert [r["title"] for r in mixed([long, short], 50)] == [r["title"] for r in records]  # deterministic


def test_a_mix_skips_repeated_texts_and_fills_with_the_generator(tmp_path):
    first = write_corpus(tmp_path / "a.jsonl.gz", "same", 10)
    again = write_corpus(tmp_path / "b.jsonl.gz", "same", 10)
    records = list(mixed([first, again, GENERATED], 25, words_per_article=30))
    assert len(records) == 25 and len({record["title"] for record in records}) == 25
    assert sum(record["source"] == "same" for record in records) == 10


@pytest.mark.django_db
def test_the_peers_index_the_same_articles_and_do_the_same_work(tmp_path):
    load_articles(read_corpus(write_corpus(tmp_path / "c.jsonl.gz", "Baltic Times", 40), 40))
    Article.objects.filter(pk__in=Article.objects.order_by("pk").values("pk")[:5]).update(title="Alliance summit")
    for peer in (Fts5(str(tmp_path)), Tantivy(str(tmp_path))):
        assert peer.build()["documents"] == 40
        count, page, _ = peer.search({"q": "sanctions"})
        assert count == 40 and len(page) == 20
        assert peer.search({"q": "title:alliance"})[0] == 5
        assert peer.search({"q": "sanc*", "date_from": "2023-01-01"})[0] == 0
        assert peer.search({"q": "sanc*", "source": "baltic-times", "date_to": "2022-12-31"})[0] == 40


def test_the_report_prints_ours_against_each_peer():
    view = {
        "p50": 10,
        "p95": 20,
        "p99": 30,
        "first_request_ms": 5,
        "refused": [],
        "slowest": [],
        "cpu": {"p50": 8, "p95": 15},
        "per_kind_p50": {"prefix": 12},
    }
    result = {
        "articles": 100, "corpus": "a + b", "machine": "2 cores", "when": "now", "queries": ["prefix"],
        "ours_rebuild": {"docs_per_s": 400.0, "index_mb": 100, "cpu_ms_per_doc": 4}, "ours_view": view,
        "ours_http": {"p50": 12, "p95": 25, "p99": 40}, "save_to_searchable_ms": {"p50": 300, "p95": 600},
        "worker_peak_rss_mb": 120, "peer_build": {"SQLite FTS5": {"docs_per_s": 2000.0}},
        "peer_query": {"SQLite FTS5": {"p50": 15, "p95": 80, "p99": 90, "cpu": {"p50": 14},
                                       "per_kind_p50": {"prefix": 30}}},
    }  # fmt: skip
    table = markdown(result)
    assert (
        "| SQLite FTS5: engine only (top 20, count, 3 facets, 20 snippets) | 2000.0 | 15 | 80 | 90 | 14 | 1.5× | 4.0× |"
        in table
    )
    assert "| prefix | 12 | 30 |" in table


def test_the_import_digests_compare_counts_the_records_whose_extraction_differs(tmp_path, capsys):
    from benchmarks import bench_import

    before = {"wh/line 1": {"language": "en", "body": "a1"}, "wh/line 2": {"language": "en", "body": "b1"},
              "se/line 1": {"language": "sv", "body": "c1"}}  # fmt: skip
    after = {**before, "wh/line 2": {"language": "en", "body": "b2"}, "se/line 1": {"failed": "no title"}}
    for name, digest in (("before", before), ("after", after)):
        (tmp_path / f"{name}.json").write_text(json.dumps(digest))
    bench_import.main(["compare", str(tmp_path / "before.json"), str(tmp_path / "after.json")])
    report = capsys.readouterr().out
    assert "wh: 2 records; differing: {'body': 1}" in report and "wh/line 2" in report
    assert "se: 1 records; differing: {'body': 1, 'failed': 1, 'language': 1}" in report


def test_the_all_languages_timing_lets_each_page_pay_each_querys_first_reads_once():
    """Whichever page asks a query first reads its words from the segments for both: over the
    two passes, each page goes first for every query exactly once; with an order given, always."""
    from benchmarks.xlang_scale import asking_order

    mix = [(name, {"q": words}, None, []) for name, words in [("a", "x"), ("a + dates", "x"), ("b", "y"), ("c", "z")]]
    distinct = ["x", "y", "z"]
    firsts = {words: [asking_order(first, words, mix, True)[0] for first in ("xlang", "words")] for words in distinct}
    assert all(sorted(pages) == ["words", "xlang"] for pages in firsts.values())
    assert [firsts[words][0] for words in distinct] == ["xlang", "words", "xlang"]  # alternating within a pass
    assert {asking_order("words", words, mix, False)[0] for words in distinct} == {"words"}
