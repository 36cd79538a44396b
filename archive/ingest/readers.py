"""Read input files into raw records, one format per reader; a bad file or record becomes a failure, never an exception.

Every reader yields `RawRecord`s (something to extract an article from) and
`ReadFailure`s (what could not be read, where, and why), so one broken file or line
never stops a batch.
"""

import codecs
import csv
import datetime
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from archive.ingest.encoding import Decoded, UndecodableText, decode_text

MAX_RECORD_BYTES = 10 * 1024 * 1024
READ_CHUNK = 1024 * 1024
CSV_SAMPLE_BYTES = 1024 * 1024  # a CSV's encoding and delimiter are judged on its first megabyte
CSV_DELIMITERS = ",;\t|"
FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".json": "json", ".jsonl": "jsonl",
           ".ndjson": "jsonl", ".csv": "csv", ".warc": "warc"}  # fmt: skip


@dataclass
class RawRecord:
    origin: str  # the file, and the record within it
    text: str = ""
    html: str = ""
    fields: dict = field(default_factory=dict)  # a structured record (JSON, CSV)
    url: str = ""
    captured_at: datetime.datetime | None = None
    provenance: str = ""
    metadata: dict = field(default_factory=dict)  # what the editor's manifest says about the file (manifest.py)
    encoding: Decoded | None = None  # how the bytes were read, where they were bytes


@dataclass
class ReadFailure:
    origin: str
    reason: str


class UnreadableInput(Exception):
    """A whole file, or one record of it, cannot be read; the message says why."""


def input_files(paths):
    """Every file under the given paths, directories recursively, in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def format_of(path):
    suffixes = [suffix.lower() for suffix in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1] if suffixes else "", ""), compressed


def read_path(path):
    """Records and failures from one file."""
    path = Path(path)
    kind, compressed = format_of(path)
    if not path.exists():
        yield ReadFailure(str(path), "no such file")
        return
    if not kind:
        yield ReadFailure(str(path), "unknown format (expected .txt .html .json .jsonl .csv .warc, or .gz of these)")
        return
    try:
        if path.stat().st_size == 0:
            raise UnreadableInput("empty file")
        reader = READERS[kind]
        yield from reader(path, compressed)
    except UnreadableInput as error:
        yield ReadFailure(str(path), str(error))
    except (OSError, EOFError, zlib.error) as error:
        yield ReadFailure(str(path), f"cannot read the file: {describe(error)}")


def describe(error):
    if isinstance(error, EOFError):
        return "the compressed file is truncated"
    if isinstance(error, gzip.BadGzipFile):
        return "not a valid gzip file"
    return str(error) or type(error).__name__


def open_binary(path, compressed):
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def decode(data, transport_charset="", html=False):
    """The text, as encoding.decode_text reads it; UnreadableInput naming the encodings tried when none does."""
    try:
        return decode_text(data, transport_charset, html)
    except UndecodableText as error:
        raise UnreadableInput(str(error)) from None


def read_whole(path, compressed):
    return read_decoded(path, compressed).text


def read_decoded(path, compressed, html=False):
    with open_binary(path, compressed) as stream:
        data = stream.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise UnreadableInput(f"larger than the {MAX_RECORD_BYTES // (1024 * 1024)} MB a single article may have")
    if not data.strip():
        raise UnreadableInput("empty file")
    return decode(data, html=html)


def read_text(path, compressed):
    decoded = read_decoded(path, compressed)
    yield RawRecord(origin=str(path), text=decoded.text, provenance=f"file {path.name}", encoding=decoded)


def read_html(path, compressed):
    decoded = read_decoded(path, compressed, html=True)
    yield RawRecord(origin=str(path), html=decoded.text, provenance=f"file {path.name}", encoding=decoded)


def read_json(path, compressed):
    try:
        data = json.loads(read_whole(path, compressed))
    except json.JSONDecodeError as error:
        raise UnreadableInput(f"not valid JSON: {error}") from None
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, 1):
        yield structured(path, number, record)


def read_jsonl(path, compressed):
    with open_binary(path, compressed) as stream:
        for number, line in enumerate(bounded_lines(stream), 1):
            if isinstance(line, UnreadableInput):
                yield ReadFailure(f"{path} line {number}", str(line))
                continue
            if not line.strip():
                continue
            try:
                yield structured(path, number, json.loads(decode(line).text), unit="line")
            except UnreadableInput as error:
                yield ReadFailure(f"{path} line {number}", str(error))
            except json.JSONDecodeError as error:
                yield ReadFailure(f"{path} line {number}", f"not valid JSON: {error}")


def bounded_lines(stream):
    """Lines of a binary stream; a line over the size limit is skipped whole and yielded as an error."""
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            skipped = len(line)
            while (rest := stream.readline(READ_CHUNK)) and not rest.endswith(b"\n"):
                skipped += len(rest)
            skipped += len(rest)
            yield UnreadableInput(
                f"a line of {skipped / 1024 / 1024:.0f} MB is over the {MAX_RECORD_BYTES // 2**20} MB limit"
            )
            continue
        yield line


def structured(path, number, record, unit="record"):
    if not isinstance(record, dict):
        raise UnreadableInput(f"expected an object with title and text, found {type(record).__name__}")
    return RawRecord(origin=f"{path} {unit} {number}", fields=record, url=str(record.get("url") or ""),
                     provenance=f"file {path.name}, {unit} {number}")  # fmt: skip


def read_csv(path, compressed):
    """Rows of a spreadsheet's CSV in whatever encoding and delimiter it was saved with (Excel writes the
    system's code page, UTF-16 for "Unicode text", and ";" where the comma is the decimal mark)."""
    csv.field_size_limit(MAX_RECORD_BYTES)
    with open_binary(path, compressed) as binary:
        sample = whole_lines(binary.read(CSV_SAMPLE_BYTES))
        if not sample.strip():
            return
        decoded = decode(sample)
        binary.seek(0)
        errors = "replace" if "\ufffd" in decoded.text else "strict"  # a UTF-8 file with a few stray bytes
        stream = io.TextIOWrapper(binary, encoding=decoded.encoding, errors=errors, newline="")
        rows = csv.DictReader(stream, delimiter=header_delimiter(decoded.text))
        number = 1
        while True:
            number += 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                yield ReadFailure(f"{path} row {number}", f"cannot read the row: {error}")
                if isinstance(error, UnicodeDecodeError):
                    return  # the decoder cannot resynchronise after a bad byte
                continue
            yield structured(path, number, {key: value for key, value in row.items() if key}, unit="row")


def whole_lines(sample):
    """`sample` cut after its last line break when it fills the buffer, so no character is cut in two."""
    if len(sample) < CSV_SAMPLE_BYTES or b"\n" not in sample:
        return sample
    sample = sample[: sample.rfind(b"\n") + 1]
    if sample.startswith(codecs.BOM_UTF16_LE) and len(sample) % 2:
        sample = sample[:-1]  # UTF-16-LE writes "\n" as 0a 00: drop the half character
    return sample


def header_delimiter(text):
    """The delimiter that splits the header line into the most columns (column names hold none of them)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return max(CSV_DELIMITERS, key=header.count)


def read_warc(path, compressed):
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    with open(path, "rb") as stream:
        try:
            for number, record in enumerate(ArchiveIterator(stream), 1):
                raw = warc_response(path, number, record)
                if raw is not None:
                    yield raw
        except (ArchiveLoadFailed, ValueError, EOFError, zlib.error) as error:
            yield ReadFailure(str(path), f"the WARC file is damaged: {describe(error)}")


def warc_response(path, number, record):
    """An HTML page from a WARC response record (or a ReadFailure when no encoding reads it); other records
    (requests, metadata, images) are skipped."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    if "html" not in content_type.lower() or not record.http_headers.get_statuscode().startswith("2"):
        return None
    body = record.content_stream().read(MAX_RECORD_BYTES + 1)
    charset = content_type.lower().partition("charset=")[2].split(";")[0].strip()
    try:
        decoded = decode_text(body, charset, html=True)
    except UndecodableText as error:
        return ReadFailure(f"{path} record {number}", str(error))
    captured = record.rec_headers.get_header("WARC-Date") or ""
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    provenance = f"WARC {path.name}, captured {captured}"
    origin = f"{path} record {number} ({url})"
    return RawRecord(origin=origin, html=decoded.text, url=url, captured_at=parse_timestamp(captured),
                     provenance=provenance, encoding=decoded)  # fmt: skip


def parse_timestamp(text):
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


READERS = {"text": read_text, "html": read_html, "json": read_json, "jsonl": read_jsonl, "csv": read_csv,
           "warc": read_warc}  # fmt: skip
