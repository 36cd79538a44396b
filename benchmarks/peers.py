"""The engines a user might pick instead, fed the same articles and asked the same mix.

SQLite FTS5 (the standard library's sqlite3) and tantivy (Rust, through its Python
binding) each index the benchmark's articles from the database and answer each query of
the mix with the work our search page does: the top 20 by BM25 (title weighted 3×),
the count, source / language / year facet counts, and a snippet for each of the 20.
Only the engine is timed (no Django, no template): it is what a hand-built page on either
would start from.
"""

import os
import re
import shutil
import sqlite3
import time

from archive.models import Article
from benchmarks.measure import cpu_seconds, directory_size

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", DeprecationWarning)
    import tantivy

PAGE = 20
PREFIX = re.compile(r"^([^\W\d_]+)\*$")
FIELD = re.compile(r"^title:(\S+)$")


def article_rows(batch=5000):
    """(rowid, title, body, source slug, language, year, date_start, date_end) of every article,
    dates as yyyymmdd ints over the article's dated period (0 when undated)."""
    queryset = Article.objects.order_by("pk").values_list(
        "pk", "title", "lede", "body", "source__slug", "language", "published_on", "date_precision"
    )
    for pk, title, lede, body, source, language, published, precision in queryset.iterator(chunk_size=batch):
        start, end = _period(published, precision)
        yield pk, title, " ".join(filter(None, [lede, body])), source, language, start // 10000, start, end


def _period(published, precision):
    if published is None:
        return 0, 0
    start = published.year * 10000 + published.month * 100 + published.day
    if precision == "year":
        return start, published.year * 10000 + 1231
    if precision == "month":
        return start, published.year * 10000 + published.month * 100 + 31
    return start, start


def _filters(params):
    """(source slug or None, (from, to) yyyymmdd ints or None) of one mix entry."""
    dates = None
    if params.get("date_from") or params.get("date_to"):
        dates = (_day(params.get("date_from"), 0), _day(params.get("date_to"), 99991231))
    return params.get("source"), dates


def _day(iso, default):
    return int(iso.replace("-", "")) if iso else default


class Fts5:
    name = "SQLite FTS5"

    def __init__(self, var):
        self.path = os.path.join(var, "peer_fts5.sqlite3")

    def open(self):
        """Use the index an earlier run left under --var; False when there is none."""
        if not os.path.exists(self.path):
            return False
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        return True

    def build(self):
        if os.path.exists(self.path):
            os.remove(self.path)
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        # The facet and filter columns live in a plain table joined on rowid, as one would set
        # FTS5 up: as UNINDEXED columns of the FTS table, every GROUP BY would read each hit's
        # whole stored body, which made FTS5 look many times slower than it is.
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')")
        self.db.execute(
            "CREATE TABLE meta (id INTEGER PRIMARY KEY, source TEXT, language TEXT, year INTEGER,"
            " date_start INTEGER, date_end INTEGER)"
        )
        started, cpu, documents = time.perf_counter(), cpu_seconds(), 0
        with self.db:
            for row in article_rows():
                self.db.execute("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)", row[:3])
                self.db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?)", (row[0], *row[3:]))
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        documents = self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        return _build_report(documents, started, cpu, os.path.getsize(self.path))

    def search(self, params):
        source, dates = _filters(params)
        where, arguments = "docs MATCH ?", [params["q"]]
        if source:
            where += " AND meta.source = ?"
            arguments.append(source)
        if dates:
            where += " AND meta.date_start > 0 AND meta.date_start <= ? AND meta.date_end >= ?"
            arguments += [dates[1], dates[0]]
        hits = f"FROM docs JOIN meta ON meta.id = docs.rowid WHERE {where}"
        page = self.db.execute(
            f"SELECT docs.rowid, snippet(docs, 1, '<mark>', '</mark>', '…', 24) {hits}"
            f" ORDER BY bm25(docs, 3.0, 1.0) LIMIT {PAGE}",
            arguments,
        ).fetchall()
        count = self.db.execute(f"SELECT count(*) {hits}", arguments).fetchone()[0]
        facets = {
            column: self.db.execute(
                f"SELECT meta.{column}, count(*) {hits} GROUP BY meta.{column}", arguments
            ).fetchall()
            for column in ("source", "language", "year")
        }
        return count, page, facets


class Tantivy:
    name = "tantivy 0.27"

    def __init__(self, var):
        self.path = os.path.join(var, "peer_tantivy")

    def open(self):
        """Use the index an earlier run left under --var; False when there is none."""
        if not tantivy.Index.exists(self.path):
            return False
        self.index = tantivy.Index.open(self.path)
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        return True

    def build(self):
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("title", stored=True)
        builder.add_text_field("body", stored=True)
        builder.add_text_field("source", fast=True, tokenizer_name="raw")
        builder.add_text_field("language", fast=True, tokenizer_name="raw")
        for name in ("year", "date_start", "date_end"):
            builder.add_integer_field(name, fast=True, indexed=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=self.path)
        started, cpu, documents = time.perf_counter(), cpu_seconds(), 0
        writer = self.index.writer(heap_size=512_000_000, num_threads=2)
        for _, title, body, source, language, year, start, end in article_rows():
            writer.add_document(
                tantivy.Document(
                    title=title, body=body, source=source, language=language, year=year, date_start=start, date_end=end
                )
            )
            documents += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        return _build_report(documents, started, cpu, directory_size(self.path))

    def _query(self, params):
        text, source, dates = params["q"], *_filters(params)
        prefix = PREFIX.match(text)
        if prefix:  # tantivy's query parser has no word*; a regex over the term dictionary is its prefix query
            pattern = re.escape(prefix.group(1).lower()) + ".*"
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.boost_query(self._regex("title", pattern), 3.0)),
                    (tantivy.Occur.Should, self._regex("body", pattern)),
                ]
            )
        else:
            query = self.index.parse_query(
                text, ["title", "body"], field_boosts={"title": 3.0}, conjunction_by_default=True
            )
        clauses = [(tantivy.Occur.Must, query)]
        if source:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "source", source)))
        if dates:
            integer = tantivy.FieldType.Integer
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.range_query(self.schema, "date_start", integer, 1, dates[1]))
            )
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.range_query(self.schema, "date_end", integer, dates[0], 99991231))
            )
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query

    def _regex(self, field, pattern):
        return tantivy.Query.regex_query(self.schema, field, pattern)

    def search(self, params):
        query = self._query(params)
        found = self.searcher.search(query, PAGE, count=True)
        generator = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        page = [generator.snippet_from_doc(self.searcher.doc(address)).to_html() for _, address in found.hits]
        facets = self.searcher.aggregate(
            query,
            {
                "source": {"terms": {"field": "source", "size": 1000}},
                "language": {"terms": {"field": "language", "size": 100}},
                "year": {"terms": {"field": "year", "size": 200}},
            },
        )
        return found.count, page, facets


def _build_report(documents, started, cpu, size):
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "documents": documents,
        "seconds": round(seconds, 1),
        "docs_per_s": round(documents / seconds, 1),
        "cpu_ms_per_doc": round(cpu * 1000 / max(documents, 1), 2),
        "index_mb": round(size / 2**20, 1),
    }


PEERS = (Fts5, Tantivy)
