"""The benchmark harness's parts that can be checked quickly: corpus, loading, report."""

import gzip
import json

import pytest

from archive.models import Article
from benchmarks.corpus import generate, read_corpus
from benchmarks.load import load_articles
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
