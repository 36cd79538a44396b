"""How much of the concept registry a real corpus uses.

    python -m benchmarks.concept_coverage /work/shared/corpus/*.jsonl.gz [--json report.json]

Reads JSONL corpus files (gzipped or plain; fields language, title, text), counts for each
concept and language the documents containing any of its terms (case-insensitive, whole
words, multi-word terms as consecutive words), and lists the terms found nowhere in the
languages the corpus has. The registry is read from fixtures/concept_registry, so a term
fixed there is checked again by re-running this.

Matching folds what a search analyser folds: case, ё→е, and Romanian's legacy cedilla ş/ţ
to comma-below ș/ț (the Moldovan sites in the corpus write both).
"""

import argparse
import gzip
import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REGISTRY = Path(__file__).resolve().parent.parent / "fixtures" / "concept_registry" / "build.py"
WORD = re.compile(r"\w+")
FOLDS = str.maketrans({"ё": "е", "ş": "ș", "ţ": "ț"})


def registry():
    spec = importlib.util.spec_from_file_location("concept_registry_build", REGISTRY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_all()


def words(text):
    return WORD.findall(unicodedata.normalize("NFC", text).casefold().translate(FOLDS))


class TermIndex:
    """One language's terms as word tuples, so a document is matched with set look-ups."""

    def __init__(self):
        self.concepts = defaultdict(set)  # word tuple -> concept slugs
        self.by_first_word = defaultdict(list)  # first word -> multi-word tuples

    def add(self, term, slug):
        key = tuple(words(term))
        if key:
            self.concepts[key].add(slug)
            if len(key) > 1:
                self.by_first_word[key[0]].append(key)

    def found_in(self, tokens):
        present = set(tokens)
        found = {(word,) for word in present if (word,) in self.concepts}
        candidates = [key for word in present & self.by_first_word.keys() for key in self.by_first_word[word]]
        if candidates:
            joined = f" {' '.join(tokens)} "
            found.update(key for key in candidates if f" {' '.join(key)} " in joined)
        return found


def term_indexes(concepts):
    indexes = defaultdict(TermIndex)
    for concept in concepts:
        for language, terms in concept["terms"].items():
            for term in terms:
                indexes[language].add(term, concept["slug"])
    return indexes


def records(path):
    """The file's JSON objects; a line that is not one is counted and reported, not fatal."""
    opener = gzip.open if str(path).endswith(".gz") else open
    skipped = 0
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if isinstance(record, dict):
                yield record
            elif line.strip():
                skipped += 1
    if skipped:
        print(f"{path}: skipped {skipped} lines that are not JSON objects", file=sys.stderr)


def documents(paths):
    for path in paths:
        for record in records(path):
            if record.get("language"):
                yield record["language"], f"{record.get('title') or ''}\n{record.get('text') or ''}"


def count(concepts, paths):
    """Documents per language, per (language, term words) and per (language, concept slug)."""
    indexes = term_indexes(concepts)
    docs, term_docs, concept_docs = Counter(), Counter(), Counter()
    for language, text in documents(paths):
        docs[language] += 1
        if language not in indexes:
            continue
        index = indexes[language]
        found = index.found_in(words(text))
        term_docs.update((language, key) for key in found)
        concept_docs.update((language, slug) for slug in set().union(*(index.concepts[key] for key in found)))
    return docs, term_docs, concept_docs


def summary(concepts, docs, term_docs, concept_docs):
    languages = sorted(docs)
    lines = ["language  docs      terms  found   %found  concepts found"]
    never = {}
    for language in languages:
        keys = {tuple(words(term)): term for concept in concepts for term in concept["terms"].get(language, [])}
        missing = sorted(term for key, term in keys.items() if not term_docs[language, key])
        never[language] = missing
        found = len(keys) - len(missing)
        concepts_found = sum(concept_docs[language, concept["slug"]] > 0 for concept in concepts)
        share = 100 * found / len(keys) if keys else 0
        counts = f"{docs[language]:<9} {len(keys):<6} {found:<7} {share:5.1f}%"
        lines.append(f"{language:9} {counts}  {concepts_found}/{len(concepts)}")
    return lines, never


def concept_table(concepts, languages, concept_docs):
    header = "concept".ljust(32) + "".join(f"{language:>8}" for language in languages)
    rows = [
        concept["slug"][:31].ljust(32)
        + "".join(f"{concept_docs[language, concept['slug']]:>8}" for language in languages)
        for concept in sorted(concepts, key=lambda concept: concept["slug"])
    ]
    return [header, *rows]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "corpus", nargs="+", type=Path, help="JSONL files (.jsonl or .jsonl.gz) with language, title, text"
    )
    parser.add_argument("--json", type=Path, help="also write every count to this JSON file")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.corpus if not path.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    concepts = registry()
    docs, term_docs, concept_docs = count(concepts, args.corpus)
    languages = sorted(docs)
    lines, never = summary(concepts, docs, term_docs, concept_docs)
    print("\n".join(concept_table(concepts, languages, concept_docs)))
    for language in languages:
        print(f"\nnever found in {language} ({len(never[language])}): " + ", ".join(never[language]))
    print("\n" + "\n".join(lines))
    if args.json:
        report = {
            "documents": docs,
            "concepts": {f"{language}:{slug}": n for (language, slug), n in concept_docs.items()},
            "terms": {f"{language}:{' '.join(key)}": n for (language, key), n in term_docs.items()},
            "never_found": never,
        }
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
