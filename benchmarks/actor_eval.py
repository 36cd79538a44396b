"""Actor tagging against a labelled set: precision, recall and F1 of the "main actors", per language.

    .venv/bin/python -m benchmarks.actor_eval ../shared/corpus/eval_security_press_multilingual.jsonl

Each line of the set has `title`, `text`, `language`, `main_actors` (actor names) and
`actor_mentions` (every actor the set's own dictionary found). The set's rule for "main" is
applied to our tagger's counts: an actor named in the title, or at least twice in the text
(once in a text under 1,500 characters). Only actors of the set's dictionary (every name in
any `actor_mentions`) are scored; one the registry does not hold counts as missed. The
registry is read from fixtures/actors.json, so no database is needed.
"""

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

SHORT_TEXT = 1500
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "actors.json"


def load_tagger(fixture=FIXTURE):
    from archive.ingest.actors import ActorTagger

    rows = json.loads(Path(fixture).read_text(encoding="utf-8"))
    actors = [(row["pk"], row["fields"]["name"], row["fields"]["kind"], row["fields"]["country"])
              for row in rows if row["model"] == "archive.actor"]  # fmt: skip
    aliases = [(row["fields"]["actor"], row["fields"]["name"], row["fields"]["language"])
               for row in rows if row["model"] == "archive.actoralias"]  # fmt: skip
    names = {pk: name for pk, name, _, _ in actors}
    by_name = {name.casefold(): pk for pk, name, _, _ in actors}
    for actor_id, name, _ in aliases:
        by_name.setdefault(name.casefold(), actor_id)
    return ActorTagger.from_rows(actors, aliases), names, by_name


def main_actors(tagger, document):
    """The actor ids our tagger makes "main" by the set's rule."""
    language = document.get("language") or ""
    in_title = tagger.mentions(document.get("title") or "", language)
    in_text = tagger.mentions(document.get("text") or "", language)
    needed = 1 if len(document.get("text") or "") < SHORT_TEXT else 2
    return {actor for actor in set(in_title) | set(in_text) if in_title.get(actor) or in_text.get(actor, 0) >= needed}


def mentioned_actors(tagger, document):
    language = document.get("language") or ""
    return set(tagger.mentions(f"{document.get('title') or ''}\n\n{document.get('text') or ''}", language))


def gold_actors(document, level):
    if level == "main":
        return document["main_actors"]
    return [m["actor"] for m in document.get("actor_mentions") or [] if m["mentions_title"] or m["mentions_text"]]


def score(documents, tagger, by_name, level="main"):
    """{language: Counter(tp, fp, fn)} and the list of errors, over the set's dictionary only.

    `level`: "main" scores the main actors; "mentioned" every actor the set found named at all.
    """
    dictionary = {m["actor"] for document in documents for m in document.get("actor_mentions") or []}
    scored = {by_name.get(name.casefold(), name) for name in dictionary}
    tag = main_actors if level == "main" else mentioned_actors
    counts, errors = defaultdict(Counter), []
    for document in documents:
        gold = {by_name.get(name.casefold(), name) for name in gold_actors(document, level)}
        found = tag(tagger, document) & scored
        language = document.get("language") or "?"
        counts[language].update(tp=len(gold & found), fp=len(found - gold), fn=len(gold - found))
        errors.append((document.get("eval_id"), language, found - gold, gold - found))
    return counts, errors


def figures(count):
    precision = count["tp"] / ((count["tp"] + count["fp"]) or 1)
    recall = count["tp"] / ((count["tp"] + count["fn"]) or 1)
    f1 = 2 * precision * recall / ((precision + recall) or 1)
    return precision, recall, f1


def report(counts):
    lines = ["| language | docs' actors (gold) | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    total = Counter()
    for language in sorted(counts):
        total.update(counts[language])
        gold = counts[language]["tp"] + counts[language]["fn"]
        lines.append(f"| {language} | {gold} | " + " | ".join(f"{v:.3f}" for v in figures(counts[language])) + " |")
    gold = total["tp"] + total["fn"]
    lines.append(f"| **all** | {gold} | " + " | ".join(f"**{v:.3f}**" for v in figures(total)) + " |")
    return "\n".join(lines), figures(total)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="the labelled JSONL set")
    parser.add_argument("--level", choices=("main", "mentioned"), default="main",
                        help="score the main actors (default) or every actor named at all")  # fmt: skip
    parser.add_argument("--errors", action="store_true", help="list each document's wrong and missed actors")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    with open(options.file, encoding="utf-8") as stream:
        documents = [json.loads(line) for line in stream if line.strip()]
    tagger, names, by_name = load_tagger()
    counts, errors = score(documents, tagger, by_name, options.level)
    if options.errors:
        for eval_id, language, wrong, missed in errors:
            if wrong or missed:
                print(eval_id, language, "wrong:", [names.get(a, a) for a in wrong],
                      "missed:", [names.get(a, a) for a in missed])  # fmt: skip
    table, _ = report(counts)
    print(table)


if __name__ == "__main__":
    sys.exit(main())
