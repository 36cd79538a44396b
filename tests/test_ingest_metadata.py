"""Where metadata comes from beyond the text: sources' signature lines, and an editor's manifest for a batch."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.ingest.pipeline import Importer
from archive.models import Article, Source
from tests.factories import make_source
from tests.ingest_helpers import EXAMPLES, load_seed_fixture

pytestmark = pytest.mark.django_db

SIGNED = EXAMPLES / "signed" / "air_defence_release.txt"
SEEDS = EXAMPLES / "seeds"


def run(paths, **options):
    return list(Importer(**options).run(paths))


def command(*args):
    out = io.StringIO()
    call_command("import_articles", *map(str, args), "--quiet-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write_text(path, title, sentence):
    """A raw text with a title and one paragraph of prose, long enough to be an article."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{sentence} The ministers will meet again in Riga next month to review it.\n")
    return path


def write_manifest(path, rows):
    """The rows as the manifest's suffix asks: CSV with a header, a JSON list, or JSON lines."""
    if path.suffix == ".csv":
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with path.open("w", newline="") as stream:
            writer = csv.DictWriter(stream, columns)
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".json":
        path.write_text(json.dumps(rows))
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def by_origin(outcomes, root):
    return {outcome.origin.replace(f"{root}/", ""): (outcome.status, outcome.message) for outcome in outcomes}


def test_a_signature_line_in_the_contact_block_names_its_source():
    signatures = "\nStrategic Communications, Ministry of Defence\n"  # blank lines are allowed
    estonia = make_source("Ministry of Defence of Estonia", signatures=signatures)
    make_source("Estonian Defence Forces", signatures="Ministry of Defence")  # also in the line, but shorter
    (outcome,) = run([SIGNED])
    assert outcome.status == "imported", outcome.message
    article = Article.objects.get()
    assert article.source == estonia  # whatever the line's case and spacing, and the phone number after it
    assert article.contact.startswith("Press contacts:") and "Strategic Communications" not in article.body


def test_a_signature_in_the_body_does_not_name_the_source(tmp_path):
    make_source("Ministry of Defence of Estonia", signatures="Strategic Communications, Ministry of Defence")
    text = SIGNED.read_text().split("Press contacts:")[0]
    text = text.replace("answer a threat together.", "answer a threat together, Strategic Communications, "
                        "Ministry of Defence said.")  # fmt: skip
    unsigned = tmp_path / "unsigned.txt"
    unsigned.write_text(text)
    (outcome,) = run([unsigned])
    assert outcome.status == "failed" and "cannot tell the source" in outcome.message


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
def test_the_manifest_wins_over_the_record_and_over_extraction(tmp_path, suffix):
    record = {"title": "Wire headline", "text": "Poland raises defence spending to four percent of GDP this year.",
              "date": "2020-01-02", "language": "sv", "publisher": "Wire", "url": "https://wire.example/a"}  # fmt: skip
    (tmp_path / "records.jsonl").write_text(json.dumps(record) + "\n")
    write_text(tmp_path / "sub" / "page.txt", "Baltic ministers meet\n2 March 2021", "Baltic ministers agreed a plan.")
    manifest = write_manifest(tmp_path / f"manifest{suffix}", [
        {"file": "records.jsonl", "source": "Desk of Record", "date": "2019-05", "date_precision": "month",
         "language": "en", "author": "A. Editor", "url": "https://desk.example/a", "title": "Poland raises spending"},
        {"file": "sub/page.txt", "date_note": "Checked against the print edition."},
    ])  # fmt: skip
    outcomes = run([tmp_path], metadata=manifest, default_source="Desk")
    assert [outcome.status for outcome in outcomes] == ["imported", "imported"], [o.message for o in outcomes]
    wire = Article.objects.get(body__startswith="Poland")
    assert (wire.source.name, wire.title, wire.author, wire.url, wire.language) == (
        "Desk of Record", "Poland raises spending", "A. Editor", "https://desk.example/a", "en")  # fmt: skip
    assert (wire.published_on, wire.date_precision) == (datetime.date(2019, 5, 1), "month")
    assert wire.date_note == "From the editor's metadata, 2019-05."
    page = Article.objects.get(body__startswith="Baltic")
    assert (page.published_on, page.date_note) == (datetime.date(2021, 3, 2), "Checked against the print edition.")


def test_rows_that_cannot_be_used_are_reported_and_their_files_not_imported(tmp_path):
    for name in ("a", "b", "c", "d"):
        write_text(tmp_path / f"{name}.txt", f"Headline {name}", f"Ministers signed agreement {name} today.")
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        {"file": "a.txt", "date": "2021-13-45"},
        {"file": "b.txt", "date": "2021", "date_precision": "month"},
        {"file": "c.txt", "language": "xx", "publisher": "Wire"},
        {"file": "missing.txt", "source": "Wire"},
        {"source": "Wire"},
        {"file": "d.txt", "source": "First Desk"},
        {"file": "d.txt", "source": "Second Desk"},
    ])  # fmt: skip
    outcomes = by_origin(run([tmp_path], metadata=manifest, default_source="Desk"), tmp_path)
    assert outcomes["a.txt"] == ("failed", f"{manifest} line 1: date '2021-13-45' cannot be read")
    assert outcomes["b.txt"] == ("failed", f"{manifest} line 2: date '2021' does not give the month")
    assert outcomes["c.txt"][1].startswith(f"{manifest} line 3: unknown column 'publisher' (the columns are file, ")
    assert "language 'xx' is not one of" in outcomes["c.txt"][1]
    assert outcomes["manifest.jsonl line 4"] == ("failed", "names 'missing.txt', which is not among the files imported")
    assert outcomes["manifest.jsonl line 5"] == ("failed", "names no file")
    assert outcomes["manifest.jsonl line 7"] == ("failed", f"names the same file as {manifest} line 6")
    assert outcomes["d.txt"][0] == "imported" and Article.objects.get().source.name == "First Desk"


def test_a_bare_file_name_must_name_one_file(tmp_path):
    for folder in ("x", "y"):
        write_text(tmp_path / folder / "a.txt", f"Headline {folder}", f"Ministers signed agreement {folder} today.")
    ambiguous = write_manifest(tmp_path / "ambiguous.csv", [{"file": "a.txt", "source": "Wire"}])
    outcomes = by_origin(run([tmp_path], metadata=ambiguous, default_source="Desk"), tmp_path)
    assert outcomes["ambiguous.csv row 2"][1].startswith("names 'a.txt', which matches 2 imported files")
    assert set(Article.objects.values_list("source__name", flat=True)) == {"Desk"}
    ambiguous.unlink()
    exact = write_manifest(tmp_path / "y" / "exact.csv", [{"file": "a.txt", "source": "Wire"}])  # y/a.txt, beside it
    run([tmp_path], metadata=exact, default_source="Desk", update=True)
    assert Article.objects.get(body__contains="agreement y").source.name == "Wire"
    assert Article.objects.get(body__contains="agreement x").source.name == "Desk"


def test_an_unreadable_manifest_stops_the_command_before_anything_is_imported(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"file": "000_b6e298e5c9106961.txt",')
    for manifest, reason in ((broken, "not valid JSON"), (tmp_path / "none.csv", "no such file")):
        with pytest.raises(CommandError, match=f"--metadata {manifest}: {reason}"):
            command(SEEDS, "--metadata", manifest)
    assert not Article.objects.exists()


def test_the_command_imports_the_seed_folder_with_its_manifest():
    load_seed_fixture()
    output = command(SEEDS, "--metadata", SEEDS / "manifest.csv")
    assert "5 imported, 0 updated, 0 duplicate, 0 near-duplicate, 0 failed" in output
    assert not Source.objects.filter(name__icontains="manifest").exists()
    assert Article.objects.get(title="Features of international security environment").source.slug == (
        "ministry-of-foreign-affairs-of-latvia"
    )
