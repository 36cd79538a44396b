"""Importing: seeds and their manifest give the curated fixture, re-imports change nothing, bad input is reported."""

import datetime
import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.ingest import pipeline
from archive.ingest.dates import parse_date_line
from archive.ingest.manifest import Manifest
from archive.ingest.pipeline import Importer
from archive.models import Actor, Article, ArticleActor, IndexTask, Source
from archive.search import outbox
from archive.search.outbox import drain_all
from tests.ingest_helpers import EXAMPLES, SEED_FIXTURE, article_summary, load_seed_fixture, make_registry

pytestmark = pytest.mark.django_db

SEEDS = EXAMPLES / "seeds"
# What the editors know about the seeds beyond their texts: one publisher, two dates and the notes on dates.
MANIFEST = SEEDS / "manifest.csv"
ACTOR_FIXTURE = EXAMPLES.parent.parent / "fixtures" / "actors.json"
FIXTURE_HAS_ACTORS = '"archive.articleactor"' in SEED_FIXTURE.read_text(encoding="utf-8")
CURATED = ("title", "author", "section", "language", "lede", "captions", "contact", "body", "content_hash",
           "date_precision", "date_note", "url")  # fmt: skip


def run(paths, **options):
    importer = Importer(**options)
    return importer, list(importer.run(paths))


def command(*args):
    out = io.StringIO()
    call_command("import_articles", *map(str, args), "--quiet-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def inputs(*folders):
    """The example inputs in the folders, without the expected outputs and manifests that sit beside them."""
    return [
        p
        for folder in folders
        for p in sorted((EXAMPLES / folder).iterdir())
        if ".expected" not in p.name and p != MANIFEST
    ]


def _iso(value):
    return value.isoformat() if value else None


def load_registry_quickly():
    """The real registry (its fixture has explicit ids, so loading needs no look-ups)."""
    call_command("loaddata", ACTOR_FIXTURE, verbosity=0)


def as_fixture(article):
    """The article's curated fields as the fixture writes them, its actors as {slug: mention count}."""
    fields = {name: getattr(article, name) for name in CURATED}
    fields.update(source=[article.source.slug], published_on=_iso(article.published_on),
                  published_time=_iso(article.published_time))  # fmt: skip
    fields["actors"] = {mention.actor.slug: mention.mention_count for mention in article.actor_mentions.all()}
    return fields


def curated(record, mentions):
    fields = {name: record["fields"][name] for name in (*CURATED, "source", "published_on", "published_time")}
    return {**fields, "actors": mentions.get(record["pk"], {})}


def test_raw_seeds_with_the_editors_manifest_import_to_the_curated_fixture():
    """Every curated field, and every actor with its mention count (the counting rule: actors.py)."""
    if FIXTURE_HAS_ACTORS:
        load_registry_quickly()
    articles, mentions = load_seed_fixture()
    _, outcomes = run([SEEDS], metadata=MANIFEST)  # the folder: the manifest in it is not taken for an article
    assert [outcome.status for outcome in outcomes] == ["imported"] * 5, [outcome.message for outcome in outcomes]
    for outcome in outcomes:
        article = Article.objects.get(pk=outcome.article_id)
        assert as_fixture(article) == curated(articles[Path(outcome.origin).name], mentions), outcome.origin


def test_without_the_manifest_the_importer_invents_no_publisher_and_no_date():
    """Raw, each seed gets what its text states and nothing the editors' manifest adds.

    The seed whose text names no publisher fails with the reason (rather than take a --source
    default), so the test shows the importer does not make one up; the seeds the editors date
    by their reading of the text stay undated, with no note.
    """
    articles, _ = load_seed_fixture()
    given = {row.file: row.values for row in Manifest.read(MANIFEST).rows}
    _, outcomes = run(sorted(SEEDS.glob("*.txt")))
    assert len(outcomes) == 5
    for outcome in outcomes:
        name = Path(outcome.origin).name
        if "source" in given.get(name, {}):
            assert outcome.status == "failed" and "cannot tell the source" in outcome.message, name
            continue
        assert outcome.status == "imported", outcome.message
        # No registry is loaded here, so neither side has actors.
        article, expected = as_fixture(Article.objects.get(pk=outcome.article_id)), curated(articles[name], {})
        if "date" in given.get(name, {}):
            expected.update(published_on=None, date_precision="unknown", published_time=None, date_note="")
        elif "date_note" in given.get(name, {}):
            assert article.pop("date_note").startswith("From the page's date line, "), name
            expected.pop("date_note")
        assert article == expected, name


def test_reimport_changes_nothing():
    make_registry()
    first = command(*inputs("records", "warc"), "--source", "Desk")
    imported = int(re.search(r"(\d+) imported", first).group(1))
    assert imported >= 20
    drain_all()
    before = list(Article.objects.values_list("pk", "updated_at", "content_hash").order_by("pk"))
    mentions = list(ArticleActor.objects.values_list("article_id", "actor_id", "mention_count", "role").order_by("pk"))
    second = command(*inputs("records", "warc"), "--source", "Desk")
    assert f"0 imported, 0 updated, {imported} duplicate" in second
    assert list(Article.objects.values_list("pk", "updated_at", "content_hash").order_by("pk")) == before
    assert (
        list(ArticleActor.objects.values_list("article_id", "actor_id", "mention_count", "role").order_by("pk"))
        == mentions
    )
    assert "0 updated" in command(*inputs("records", "warc"), "--update", "--source", "Desk")
    assert list(Article.objects.values_list("pk", "updated_at", "content_hash").order_by("pk")) == before


def test_update_replaces_a_changed_text_at_the_same_url_and_without_it_the_text_is_another_article(tmp_path):
    record = {"title": "Poland raises spending", "text": "Poland raises defence spending to four percent of GDP.",
              "date": "2023-01-30", "language": "en", "publisher": "PAP", "url": "https://example.pl/a"}  # fmt: skip
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    command(path)
    record["text"] = "Poland raises defence spending to five percent of GDP."
    path.write_text(json.dumps(record) + "\n")
    assert "1 updated" in command(path, "--update")
    assert Article.objects.get().body == record["text"]
    record["text"] = "Poland's president signs the defence budget into law."
    path.write_text(json.dumps(record) + "\n")
    assert "1 imported" in command(path)  # a URL is not an identity: a second text published under it
    assert Article.objects.filter(url=record["url"]).count() == 2


def test_duplicate_names_the_existing_article(tmp_path):
    command(SEEDS / "004_89869a064709efd4.txt", "--source", "Yle News")
    copy = tmp_path / "copy.txt"
    copy.write_text((SEEDS / "004_89869a064709efd4.txt").read_text().replace("\n", "\r\n"))
    output = command(copy, "--source", "Other", "-v", "2")
    original = Article.objects.get()
    assert f"already in the archive as #{original.pk}" in output and original.title in output


def test_dry_run_writes_nothing_but_reports_everything():
    sources = Source.objects.count()
    records = [EXAMPLES / "records" / name for name in ("corpus_style.jsonl", "spreadsheet.csv")]
    output = command(*records, *inputs("broken"), "--dry-run", "--source", "Desk")
    assert "Dry run, nothing written: would be 6 imported" in output
    assert "cannot decode the text" in output and "empty file" in output
    assert Article.objects.count() == 0 and Source.objects.count() == sources
    assert not IndexTask.objects.exists()


def test_broken_inputs_are_reported_with_file_record_and_reason(tmp_path):
    good = {"title": "Good record", "text": "Latvia and Estonia signed a defence agreement today in Riga.",
            "language": "en", "publisher": "Desk"}  # fmt: skip
    huge = tmp_path / "huge.jsonl"
    with huge.open("w") as stream:
        stream.write(json.dumps(good) + "\n")
        stream.write('{"title": "huge", "text": "' + "x" * (50 * 1024 * 1024) + '"}\n')
        stream.write(json.dumps({**good, "title": "After the huge line", "text": good["text"] + " Again."}) + "\n")
    output = command(huge, *inputs("broken"))
    assert "3 imported" in output  # two around the huge line, one before the truncation
    assert f"{huge} line 2: a line of 50 MB is over the 10 MB limit" in output
    assert "truncated.jsonl.gz: cannot read the file: the compressed file is truncated" in output
    assert (
        "binary_noise.txt: cannot decode the text: tried utf-8 (UTF-8, byte 0x89 at offset 0 does not fit); "
        "charset detection (no encoding fits)" in output
    )
    assert "empty.txt: empty file" in output


def test_gzip_of_a_text_and_a_directory_are_read(tmp_path):
    folder = tmp_path / "nested" / "deeper"
    folder.mkdir(parents=True)
    data = (SEEDS / "002_f4942bcf673a39a5.txt").read_bytes()
    (folder / "seed.txt.gz").write_bytes(gzip.compress(data))
    output = command(tmp_path, "--source", "The Baltic Times")
    assert "1 imported" in output
    assert Article.objects.get().published_on == datetime.date(2021, 12, 1)


def test_date_lines_in_every_common_form():
    lines = (EXAMPLES / "text" / "date_forms.txt").read_text().splitlines()
    parsed = [parse_date_line(line) for line in lines]
    found = [(str(s.date), s.precision, str(s.time or "")) if s else None for s in parsed]
    expected = json.loads((EXAMPLES / "text" / "date_forms.expected.json").read_text())
    assert found == [tuple(item) if item else None for item in expected]


def test_unknown_source_and_language_are_clear_failures(tmp_path):
    text = tmp_path / "anonymous.txt"
    text.write_text("A headline\n\nThe ministers met in Riga on Monday to discuss the defence of the Baltic states.\n")
    assert "cannot tell the source" in command(text)
    assert "--language 'xx' is not one of" in _command_error(text, "--language", "xx")


def _command_error(*args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        command(*args)
    return str(error.value)


def test_export_imports_back_exactly_into_an_empty_archive(tmp_path):
    make_registry()
    run(inputs("seeds", "records", "warc"), default_source="Desk")
    article = Article.objects.get(title="Latvia hosts NATO exercise")
    article.date_note, article.contact, article.captions = "Checked by hand.", "Press office\n+371 000", "A photo."
    article.save()
    ArticleActor.objects.create(article=article, actor=Actor.objects.get(slug="belarus"), mention_count=7)
    dump = tmp_path / "dump.jsonl"
    call_command("export_articles", "--format", "jsonl", "--output", str(dump), stderr=io.StringIO())
    before = {a.content_hash: (a.pk, article_summary(a), a.source.slug, a.source.kind) for a in Article.objects.all()}
    Article.objects.all().delete()
    Source.objects.all().delete()
    output = command(dump)
    assert f"{len(before)} imported" in output and "0 failed" in output
    after = {a.content_hash: (a.pk, article_summary(a), a.source.slug, a.source.kind) for a in Article.objects.all()}
    assert after == before


def test_export_with_an_unknown_actor_reports_it(tmp_path):
    record = {"title": "T", "body": "Some text.", "source": "Desk", "source_slug": "desk", "source_kind": "news",
              "language": "en", "date": "", "date_precision": "unknown", "content_hash": "x",
              "actor_mentions": {"no-such-actor": 2}}  # fmt: skip
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps(record) + "\n")
    output = command(path, "-v", "2")
    assert "unknown actors not tagged: no-such-actor" in output
    assert not ArticleActor.objects.exists()


def test_a_record_without_prose_keeps_its_declared_language(tmp_path):
    text = "**H.E. Ms Joanna Hofman, Polen**\n\n**H.E. Mr X, Vietnam**"
    record = {
        "title": "Nya ambassadörer till Sverige",
        "text": text,
        "language": "sv",
        "publisher": "Regeringskansliet",
    }
    path = tmp_path / "short.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert "1 imported" in command(path)
    assert Article.objects.get().language == "sv"


def test_an_import_applies_index_changes_in_bulk_not_per_chunk(tmp_path, transactional_db, search_index, monkeypatch):
    """Each index commit writes a segment that later commits merge again: an import commits a batch
    of BULK_BATCH_SIZE articles, not one per transaction (chunk), and leaves nothing queued."""
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 2)
    monkeypatch.setattr(pipeline, "BULK_BATCH_SIZE", 3)
    monkeypatch.setattr(outbox, "BULK_BATCH_SIZE", 3)
    batches = []
    apply_changes = search_index.apply_changes

    def counting(index_, load):
        def counted():
            objects, identifiers = load()
            batches.append(len(objects))
            return objects, identifiers

        apply_changes(index_, counted)

    monkeypatch.setattr(search_index, "apply_changes", counting)
    records = [{"title": f"Report {n}", "text": f"Sanctions round number {n} was adopted on Monday.",
                "date": "2022-03-01", "language": "en", "publisher": "Desk"} for n in range(7)]  # fmt: skip
    path = tmp_path / "seven.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    assert "7 imported" in command(path)
    assert batches == [4, 3]
    assert not IndexTask.objects.exists()
    assert search_index.index.refresh().doc_count() == 7


SPREADSHEET_ROWS = [
    ("Verteidigungsausgaben steigen", "Die Bundesregierung erhöht die Ausgaben für Flugabwehr um 1,5 Mrd. €; "
     "das Parlament stimmt zu.", "2024-03-05"),
    ("Größere Übung in Litauen", "Soldaten üben an der Grenze; Manöver „Griffin Lightning“ endet.", "2024-04-11"),
]  # fmt: skip


@pytest.mark.parametrize(
    "encoding, delimiter, suffix",
    [("cp1252", ";", ".csv"), ("utf-16", "\t", ".csv"), ("utf-8-sig", ",", ".csv.gz"), ("cp1252", ";", ".csv.gz")],
)
def test_a_spreadsheets_csv_is_read_in_its_own_encoding_and_delimiter(tmp_path, encoding, delimiter, suffix):
    lines = [delimiter.join(("title", "text", "date", "language", "publisher"))]
    for title, text, date in SPREADSHEET_ROWS:
        lines.append(delimiter.join((title, f'"{text}"', date, "de", "Bundesregierung")))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path = tmp_path / f"export{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    assert "2 imported" in command(path)
    stored = {article.title: article.body for article in Article.objects.all()}
    assert stored == {title: text for title, text, _ in SPREADSHEET_ROWS}


def test_an_import_writes_each_new_articles_history_and_one_bulk_index_task_per_article():
    _, outcomes = run([EXAMPLES / "records" / "corpus_style.jsonl"], default_source="Desk")
    saved = sorted(outcome.article_id for outcome in outcomes if outcome.status in pipeline.SAVED)
    assert saved and len(saved) == Article.objects.count()
    history = Article.history.order_by("id").values_list("id", "history_type", "title", "body")
    assert list(history) == [(pk, "+", title, body) for pk, title, body in
                             Article.objects.order_by("id").values_list("id", "title", "body")]  # fmt: skip
    tasks = IndexTask.objects.order_by("article_id").values_list("article_id", "priority")
    assert list(tasks) == [(pk, IndexTask.Priority.BULK) for pk in saved]


def test_a_long_headline_above_its_text_is_the_title_and_a_first_sentence_is_not():
    from archive.ingest.clean import clean_text

    headline = "Schwarzenegger, 73, joutui sydänoperaatioon – julkaisi kuvan sairaalasta: ”Oloni on fantastinen”"
    cleaned = clean_text(f"{headline}\n\nSchwarzenegger kertoo somessa voivansa hyvin leikkauksen jälkeen.")
    assert cleaned.title == headline and cleaned.body.startswith("Schwarzenegger kertoo")
    sentence = "The ministers of the three Baltic states met in Riga on Tuesday to agree on a joint defence line."
    assert clean_text(f"{sentence}\n\nThey also discussed air defence.").title != sentence
