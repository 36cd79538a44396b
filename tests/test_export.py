import csv
import io
import json

import pytest
from django.core.management import call_command

from archive.models import DatePrecision
from tests.factories import make_actor, make_article, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    nato = make_actor("NATO")
    lavrov = make_actor("Sergey Lavrov", kind="person")
    source = make_source("Yle News")
    return [
        make_article("Month article", "Body one.", source=source, date="2021-12-01", precision=DatePrecision.MONTH,
                     actors=[nato, lavrov], author="A. Writer", url="https://yle.fi/a/1"),
        make_article("=HYPERLINK(\"http://evil\")", "-2+3 body", source=source, language="fi"),
    ]  # fmt: skip


def test_jsonl_export_holds_every_article_with_its_metadata(articles, tmp_path):
    output = tmp_path / "dump.jsonl"
    call_command("export_articles", "--format", "jsonl", "--output", str(output))
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(records) == 2
    first = records[0]
    assert first["title"] == "Month article"
    assert first["source"] == "Yle News" and first["author"] == "A. Writer"
    assert first["date"] == "2021-12" and first["date_precision"] == "month"
    assert first["actors"] == ["NATO", "Sergey Lavrov"]
    assert first["content_hash"] == articles[0].content_hash and first["body"] == "Body one."
    assert first["url"] == "https://yle.fi/a/1" and first["language"] == "en"
    assert records[1]["date"] == "" and records[1]["date_precision"] == "unknown"


def test_csv_export_is_inert_in_a_spreadsheet(articles, tmp_path):
    output = tmp_path / "dump.csv"
    call_command("export_articles", "--format", "csv", "--output", str(output))
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert rows[0]["actors"] == "NATO; Sergey Lavrov"
    assert rows[1]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["body"] == "'-2+3 body"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values())
