"""Markup left in an archive's articles: Markdown emphasis, heading hashes, backslash escapes and HTML tags.

    ARCHIVE_VAR_DIR=/path/to/var .venv/bin/python -m benchmarks.markup_scan [--examples 3]

Reads the archive that the settings point at (ARCHIVE_VAR_DIR or DATABASE_URL) and counts, for
titles, ledes, bodies and authors, the articles with each kind of markup. An asterisk pair inside
a word ("hevonp**kaa", a censored word) and a hashtag ("#ArmUkraineNow") are the text's own and
not counted. The target is 0 everywhere.
"""

import argparse
import os
import sys
from collections import Counter

FIELDS = ("title", "lede", "body", "author")


def scan(rows):
    """Counter of (field, pattern) → articles, and the first examples of each."""
    from archive.ingest.markup import LEFTOVER as PATTERNS

    counts, examples = Counter(), {}
    for row in rows:
        for field in FIELDS:
            text = row[field] or ""
            for name, pattern in PATTERNS.items():
                found = pattern.search(text)
                if found:
                    counts[field, name] += 1
                    context = text[max(0, found.start() - 40) : found.end() + 40].replace("\n", "⏎")
                    examples.setdefault((field, name), []).append((row["pk"], context))
    return counts, examples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3, help="examples to print per field and pattern")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from archive.models import Article

    rows = Article.objects.values("pk", *FIELDS).iterator(chunk_size=2000)
    counts, examples = scan(rows)
    total = Article.objects.count()
    print(f"{total} articles; articles with markup left, by field and kind (target 0):")
    from archive.ingest.markup import LEFTOVER

    print("| field | " + " | ".join(LEFTOVER) + " |")
    print("|---|" + "---:|" * len(LEFTOVER))
    for field in FIELDS:
        print(f"| {field} | " + " | ".join(str(counts[field, name]) for name in LEFTOVER) + " |")
    for (field, name), found in sorted(examples.items()):
        for pk, context in found[: options.examples]:
            print(f"  {field} {name} #{pk}: …{context}…")
    return 1 if counts else 0


if __name__ == "__main__":
    sys.exit(main())
