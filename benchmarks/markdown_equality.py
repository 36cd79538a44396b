"""Does the archive read real records' Markdown the same with pulldown-cmark as with markdown-it-py?

    .venv/bin/python -m benchmarks.markdown_equality --records 5000 ../shared/corpus/*.jsonl.gz

For every record with markup among each file's first --records, the record's text (and title) as
plain_text (and plain_line) reads it with each parser: the texts that differ are counted and
named, with the first differing paragraph, and the CPU each parser took is printed.
"""

import argparse
import gzip
import itertools
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT_KEYS = ("text", "body", "content")


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", metavar="FILE", help="JSONL(.gz) record files")
    parser.add_argument("--records", type=int, default=5000, help="the first N records of each file")
    parser.add_argument("--examples", type=int, default=3, help="differing records to show per file")
    return parser.parse_args(argv)


def record_texts(path, count):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(itertools.islice(lines, count), 1):
            record = json.loads(line) if line.strip() else {}
            text = next((str(record[key]) for key in TEXT_KEYS if record.get(key)), "")
            yield number, text, str(record.get("title") or "")


@contextmanager
def reading_markdown_with(markup, reader):
    """markup's Markdown read by `reader` (markdown_it_paragraphs: as before pulldown-cmark)."""
    fast = markup.markdown_paragraphs
    markup.markdown_paragraphs = reader
    try:
        yield
    finally:
        markup.markdown_paragraphs = fast


def compare_file(markup, path, count, examples):
    read = [(n, text, title) for n, text, title in record_texts(path, count)
            if markup.has_markup(text) or markup.has_markup(title)]  # fmt: skip
    seconds = {}
    results = {}
    for name, reader in (("markdown-it", markup.markdown_it_paragraphs), ("pulldown", markup.markdown_paragraphs)):
        started = time.process_time()
        with reading_markdown_with(markup, reader):
            results[name] = [(markup.plain_text(text), markup.plain_line(title)) for _, text, title in read]
        seconds[name] = time.process_time() - started
    differing = [(n, old, new) for (n, *_), old, new in zip(read, results["markdown-it"], results["pulldown"],
                                                            strict=True) if old != new]  # fmt: skip
    print(f"{Path(path).name}: {len(read)} of the first {count} records have markup; differing: {len(differing)}; "
          f"CPU markdown-it {seconds['markdown-it']:.2f} s, pulldown {seconds['pulldown']:.2f} s")  # fmt: skip
    for n, old, new in differing[:examples]:
        old_paragraphs, new_paragraphs = "\n\n".join(old).split("\n\n"), "\n\n".join(new).split("\n\n")
        first = next((i for i, (a, b) in enumerate(zip(old_paragraphs, new_paragraphs, strict=False)) if a != b), None)
        if first is None:
            print(f"  record {n}: {len(old_paragraphs)} against {len(new_paragraphs)} paragraphs")
        else:
            print(f"  record {n}, paragraph {first}:\n    markdown-it {old_paragraphs[first]!r}\n"
                  f"    pulldown    {new_paragraphs[first]!r}")  # fmt: skip
    return len(read), len(differing)


def main(argv=None):
    options = arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from archive.ingest import markup

    totals = [compare_file(markup, path, options.records, options.examples) for path in options.corpus]
    print(f"in all: {sum(d for _, d in totals)} of {sum(r for r, _ in totals)} records with markup differ")


if __name__ == "__main__":
    main()
