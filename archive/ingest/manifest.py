"""An editor's metadata manifest: what they know about each file of a batch, one row per file.

Editors often receive a batch with a spreadsheet of who published each file and when.
`import_articles --metadata FILE` reads it as a CSV with a header, a JSON list of objects
or JSONL. A row names its `file` (by name, or by a path relative to the manifest) and any
of the other COLUMNS; what it gives wins over the file's own records and over extraction,
for every record in that file.

Nothing here guesses around a mistake: a row that cannot be used (an unknown column, a
date that does not read) makes its file fail with the reason, and a row that names no
imported file, or more than one, is reported on its own.
"""

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from archive.ingest.dates import parse_record_date
from archive.ingest.readers import RawRecord, ReadFailure, UnreadableInput, format_of, read_whole
from archive.models import DatePrecision

COLUMNS = ("file", "source", "date", "date_precision", "date_note", "language", "author", "url", "title")
PRECISIONS = (DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR)
EXTRA_CELLS = "(cells past the header)"


@dataclass
class Row:
    origin: str  # the manifest and the row's place in it, for reports
    file: str
    values: dict = field(default_factory=dict)  # column → text; the date as a dates.StatedDate
    problems: list = field(default_factory=list)


@dataclass
class Manifest:
    path: Path | None = None
    rows: list = field(default_factory=list)

    @classmethod
    def read(cls, path):
        """The manifest at `path`; raises UnreadableInput when it cannot be read at all."""
        path = Path(path)
        if not path.is_file():
            raise UnreadableInput("no such file")
        return cls(path, [parse_row(origin, record) for origin, record in read_records(path)])

    def is_itself(self, path):
        """Whether `path` is this manifest, which a directory import must not take for an article."""
        return self.path is not None and Path(path).resolve() == self.path.resolve()

    def match(self, files):
        """{file: row} for the files the rows name, and a ReadFailure for each row naming none or several."""
        by_path = {file.resolve(): file for file in files}
        by_name = defaultdict(list)
        for file in files:
            by_name[file.name].append(file)
        matched, failures = {}, []
        for row in self.rows:
            found = self._files_named(row.file, by_path, by_name) if row.file else []
            problem = unmatched(row, found, matched)
            if problem:
                failures.append(ReadFailure(row.origin, problem))
            else:
                matched[found[0]] = row
        return matched, failures

    def _files_named(self, name, by_path, by_name):
        at = by_path.get((self.path.parent / name).resolve())
        if at is not None:
            return [at]
        return by_name.get(name, []) if Path(name).name == name else []


def unmatched(row, found, matched):
    """Why the row applies to no file, or "" when it names exactly one not named before."""
    if not row.file:
        return "; ".join(row.problems)
    if not found:
        return f"names {row.file!r}, which is not among the files imported"
    if len(found) > 1:
        return f"names {row.file!r}, which matches {len(found)} imported files; give its path relative to the manifest"
    if found[0] in matched:
        return f"names the same file as {matched[found[0]].origin}"
    return ""


def read_records(path):
    """(origin, record) for each row of a CSV, JSON or JSONL manifest."""
    kind, compressed = format_of(path)
    if kind not in ("csv", "json", "jsonl"):
        raise UnreadableInput("a manifest is a .csv, .json or .jsonl file")
    text = read_whole(path, compressed)
    try:
        if kind == "csv":
            rows = csv.DictReader(io.StringIO(text, newline=""), restkey=EXTRA_CELLS)
            return [(f"{path} row {number}", row) for number, row in enumerate(rows, 2)]
        if kind == "json":
            data = json.loads(text)
            records = data if isinstance(data, list) else [data]
            return [(f"{path} record {number}", record) for number, record in enumerate(records, 1)]
        lines = enumerate(text.splitlines(), 1)
        return [(f"{path} line {number}", json.loads(line)) for number, line in lines if line.strip()]
    except csv.Error as error:
        raise UnreadableInput(f"not a readable CSV file: {error}") from None
    except json.JSONDecodeError as error:
        raise UnreadableInput(f"not valid JSON: {error}") from None


def parse_row(origin, record):
    """A row with its values checked: columns known, date readable at its precision, language archived."""
    if not isinstance(record, dict):
        return Row(origin, "", problems=[f"expected an object naming a file, found {type(record).__name__}"])
    record = {str(key).strip().lower(): value for key, value in record.items()}
    values = {key: str(value).strip() for key, value in record.items() if value is not None and str(value).strip()}
    row = Row(origin, values.pop("file", ""), values)
    unknown = [key for key in record if key not in COLUMNS]
    if unknown:
        row.problems.append(f"unknown column {', '.join(map(repr, unknown))} (the columns are {', '.join(COLUMNS)})")
    if not row.file:
        row.problems.append("names no file")
    row.problems += date_problems(values)
    if "language" in values:
        values["language"] = language = values["language"].lower()
        if language not in settings.ARCHIVE_LANGUAGES:
            row.problems.append(f"language {language!r} is not one of {', '.join(settings.ARCHIVE_LANGUAGES)}")
    return row


def date_problems(values):
    """Read the row's date as records' dates are read, into values["date"]; what is wrong with it, if anything."""
    precision = values.pop("date_precision", "").lower()
    if "date" not in values:
        return ["date_precision without a date"] if precision else []
    if precision and precision not in PRECISIONS:
        return [f"date_precision {precision!r} is not day, month or year"]
    stated = parse_record_date(values["date"], precision or None)
    if stated is None:
        return [f"date {values['date']!r} cannot be read"]
    if precision and stated.precision != precision:
        return [f"date {values['date']!r} does not give the {precision}"]
    values["date"] = stated
    return []


def with_metadata(item, row):
    """The record carrying its file's row, or a failure naming what is wrong with the row."""
    if row is None or not isinstance(item, RawRecord):
        return item
    if row.problems:
        return ReadFailure(item.origin, f"{row.origin}: {'; '.join(row.problems)}")
    item.metadata = row.values
    return item
