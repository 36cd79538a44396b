"""A chunk of records is checked against what it reads once and what it saves itself, as record by record."""

import json
import re

import pytest

from archive.ingest import chunks
from archive.ingest.pipeline import Importer
from archive.models import Article, IndexTask, NearDuplicateKeys
from tests.factories import make_actor, make_article

pytestmark = pytest.mark.django_db

WIRE = (
    "TALLINN - Defence ministers of the Baltic states met on Friday to agree on joint purchases of air defence "
    "systems and ammunition. The ministers said that the region's security depended on a credible deterrent and "
    "that the allies had to move faster to fill the gaps left by the war in Ukraine. They also discussed the "
    "rotation of allied troops, the protection of undersea cables and the next steps on military mobility. "
)
OTHER = " ".join(reversed(WIRE.split())) * 2
URL = "https://example.org/a"


def record(title, text, url=None, language="en"):
    return {"title": title, "text": text, "date": "2024-03-01", "language": language, "publisher": "Example Press",
            "url": url}  # fmt: skip


RECORDS = [
    record("The wire story", WIRE * 2, URL),
    record("The same text again", WIRE * 2),
    record("A copy of the story", WIRE * 2 + "Reporting by the Tallinn desk."),
    record("A copy of the copy", WIRE * 2 + "Reporting by the Tallinn desk. Edited."),
    record("Tuuliuutinen", WIRE * 2 + "Käännös viroksi ja suomeksi: sama uutinen.", URL, language="fi"),
    record("Unrelated", OTHER),
]


def imported(tmp_path, records, one_by_one=False):
    """What importing the records leaves (ids as titles): the outcomes, and each article's links, slug,
    keys, actors, history and index task. `one_by_one`: each record saved on its own, in a savepoint."""
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in records) + "\n")
    importer, titles, outcomes = Importer(), {}, []
    found = map(importer.import_one, importer.records([path])) if one_by_one else importer.run([path])
    for outcome in found:
        titles.update(Article.objects.values_list("pk", "title"))
        message = re.sub(r"#(\d+)", lambda number: titles.get(int(number.group(1)), number.group()), outcome.message)
        outcomes.append((outcome.status, message))
    articles = {article.title: (getattr(article.near_duplicate_of, "title", None),
                                getattr(article.translation_of, "title", None), article.slug, article.content_hash,
                                NearDuplicateKeys.objects.filter(article=article).count(),
                                sorted(article.actor_mentions.values_list("actor__slug", "mention_count", "role")),
                                article.history.count(), IndexTask.objects.filter(article_id=article.pk).count())
                for article in Article.objects.all()}  # fmt: skip
    Article.objects.all().delete()
    IndexTask.objects.all().delete()
    return outcomes, articles


def test_a_chunk_finds_duplicates_copies_and_translations_among_its_own_records(tmp_path):
    make_actor("Ukraine", kind="country", aliases=["Ukraine"])
    make_actor("Baltic states", aliases=["Baltic states"])
    chunked = imported(tmp_path, RECORDS)
    assert chunked == imported(tmp_path, RECORDS, one_by_one=True)
    outcomes, links = chunked
    assert [status for status, _ in outcomes] == ["imported", "duplicate", "near-duplicate", "near-duplicate",
                                                  "imported", "imported"]  # fmt: skip
    assert links["A copy of the copy"][0] == "The wire story"  # a copy's copy is linked to the first text
    assert links["The wire story"][5] == [("baltic-states", 2, "mention"), ("ukraine", 2, "mention")]
    assert links["Tuuliuutinen"][1] == "The wire story"  # same URL, another language: its translation


def test_a_text_another_writer_saved_after_the_chunk_looked_is_a_duplicate_not_a_failure(tmp_path, monkeypatch):
    read = chunks.KnownArticles.__init__

    def read_then_another_writer_saves(self, prepared):
        read(self, prepared)
        make_article(title="Saved meanwhile", body=(WIRE * 2).strip())

    monkeypatch.setattr(chunks.KnownArticles, "__init__", read_then_another_writer_saves)
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in [RECORDS[0], RECORDS[5]]) + "\n")
    outcomes = list(Importer().run([path]))
    assert [outcome.status for outcome in outcomes] == ["duplicate", "imported"]
    assert "Saved meanwhile" in outcomes[0].message
    assert Article.objects.filter(title="Unrelated").exists()


def test_a_failed_record_loses_nothing_else_of_its_chunk(tmp_path, monkeypatch):
    too_long_url = "https://example.org/" + "a" * 1100  # saved only to fail its validation, in its savepoint
    records = [RECORDS[0], record("Fails", WIRE * 3, too_long_url), RECORDS[2], RECORDS[1], RECORDS[5]]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in records) + "\n")
    outcomes = list(Importer().run([path]))
    assert [outcome.status for outcome in outcomes] == ["imported", "failed", "near-duplicate", "duplicate",
                                                        "imported"]  # fmt: skip
    assert Article.objects.count() == 3
    saved = set(Article.objects.values_list("pk", flat=True))
    assert set(IndexTask.objects.values_list("article_id", flat=True)) == saved
    assert set(Article.history.values_list("id", flat=True)) == saved
