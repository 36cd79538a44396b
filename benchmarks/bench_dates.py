"""Publication dates of real pages: ours (page_dates.py) against htmldate's fast mode, on the same decoded text.

    .venv/bin/python benchmarks/bench_dates.py PAGES_DIR DATES_FILE [--urls] [--misses N]

DATES_FILE is JSON, either htmldate's evaluation format ({url: {"file": name, "date": "YYYY-MM-DD"}})
or {file name: "YYYY-MM-DD"}, or a CSV with the columns file,date[,url]. Pages are found by
file name anywhere under PAGES_DIR and read as the importer reads them (encoding.py). A page
counts as right when the date matches to the day; a page with no date found is a miss, not an
error. Scores as htmldate's own evaluation computes them: precision = right / (right + wrong),
accuracy = right / all pages. `--urls` gives both extractors the page's URL (htmldate reads
dates in URLs); without it they see only the page, as an importer of saved files does.
"""

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from htmldate import find_date  # noqa: E402

from archive.ingest.encoding import UndecodableText, decode_text  # noqa: E402
from archive.ingest.html import meta_values, parse_tree  # noqa: E402
from archive.ingest.page_dates import page_date  # noqa: E402
from archive.models import DatePrecision  # noqa: E402


def read_dates(path):
    """(file name, date, url) for every page the dates file lists."""
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as stream:
            return [(row["file"], row["date"], row.get("url") or "") for row in csv.DictReader(stream)]
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for key, value in data.items():
        if isinstance(value, dict):
            rows.append((value["file"], value.get("date"), key))
        else:
            rows.append((key, value, ""))
    return rows


def ours(html, url):
    tree = parse_tree(html)
    if tree is None:
        return None, "unparsable"
    stated = page_date(tree, meta_values(tree), html, url)
    if stated is None:
        return None, "none"
    day = stated.date.isoformat() if stated.precision == DatePrecision.DAY else f"{stated.precision} only"
    return day, stated.how


def htmldate_fast(html, url):
    return find_date(html, extensive_search=False, original_date=True, url=url or None)


def score(results):
    counts = Counter(results)
    right, wrong, missed = counts["right"], counts["wrong"], counts["missed"]
    precision = right / (right + wrong) if right + wrong else 0.0
    return (
        f"right {right}, wrong {wrong}, none {missed}: accuracy {right / len(results):.3f}, precision {precision:.3f}"
    )


def verdict(found, expected):
    return "missed" if not found else "right" if found == expected else "wrong"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", type=Path, help="directory holding the pages (searched recursively by file name)")
    parser.add_argument("dates", type=Path, help="the known dates (JSON or CSV, see above)")
    parser.add_argument("--urls", action="store_true", help="give both extractors the page's URL")
    parser.add_argument("--misses", type=int, default=0, help="list this many pages where ours is not right")
    args = parser.parse_args()
    files = {path.name: path for path in args.pages.rglob("*") if path.is_file()}
    rows = [row for row in read_dates(args.dates) if row[0] in files and row[1]]
    print(f"{len(rows)} dated pages found of {len(read_dates(args.dates))} listed")
    mine, theirs, methods, misses, undecodable = [], [], Counter(), [], 0
    spent = {"ours": 0.0, "htmldate": 0.0}
    for name, expected, url in rows:
        try:
            html = decode_text(files[name].read_bytes(), html=True).text
        except UndecodableText:
            undecodable += 1
            html = ""
        url = url if args.urls else ""
        started = time.perf_counter()
        found, method = ours(html, url) if html else (None, "undecodable")
        spent["ours"] += time.perf_counter() - started
        started = time.perf_counter()
        guess = htmldate_fast(html, url) if html else None
        spent["htmldate"] += time.perf_counter() - started
        mine.append(verdict(found, expected))
        theirs.append(verdict(guess, expected))
        methods[(method, mine[-1])] += 1
        if mine[-1] != "right":
            misses.append((name, expected, found, method, guess))
    print(f"undecodable pages: {undecodable}")
    print(f"ours:              {score(mine)}  ({spent['ours']:.1f} s)")
    print(f"htmldate fast:     {score(theirs)}  ({spent['htmldate']:.1f} s)")
    for (method, outcome), count in sorted(methods.items()):
        print(f"  {method:40} {outcome:7} {count}")
    for miss in misses[: args.misses]:
        print("  miss: {} expected {} ours {} ({}) htmldate {}".format(*miss))


if __name__ == "__main__":
    main()
