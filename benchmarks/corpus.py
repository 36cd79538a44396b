"""Where the benchmark's articles come from: a deterministic generator, JSONL corpus files,
or a deterministic mix of several of them.

All yield plain dicts (title, body, language, date, precision, source, source_kind,
author, actors, content_hash) so loading does not care which was used.
"""

import datetime
import gzip
import json

import numpy as np

from archive.models import content_hash_of

GENERATED = "generated"  # a --corpus entry that stands for the generator
MIX_SEED = 20261130

LANGUAGES = ("en", "ru", "fi", "sv", "de", "uk", "lv", "fr")
LANGUAGE_WEIGHTS = (0.45, 0.18, 0.08, 0.07, 0.06, 0.06, 0.05, 0.05)
LATIN_SYLLABLES = [
    "ka",
    "ri",
    "to",
    "na",
    "le",
    "sa",
    "mi",
    "ve",
    "lo",
    "ta",
    "ne",
    "ri",
    "su",
    "po",
    "de",
    "an",
    "er",
    "in",
    "ot",
    "ul",
    "ar",
    "ik",
    "us",
]
CYRILLIC_SYLLABLES = [
    "ка",
    "ри",
    "то",
    "на",
    "ле",
    "са",
    "ми",
    "ве",
    "ло",
    "та",
    "не",
    "ры",
    "су",
    "по",
    "де",
    "ан",
    "ер",
    "ин",
    "от",
    "ул",
    "ар",
    "ик",
    "ус",
]
# Real words at the top of the frequency list, so a benchmark query reads like a user's.
SECURITY_WORDS = [
    "security",
    "defence",
    "nato",
    "russia",
    "ukraine",
    "sanctions",
    "alliance",
    "minister",
    "baltic",
    "military",
    "forces",
    "border",
    "missile",
    "treaty",
    "arms",
    "control",
    "cooperation",
    "exercise",
    "deterrence",
    "strategy",
    "eastern",
    "flank",
    "cyber",
    "threat",
    "energy",
    "president",
    "government",
    "ministry",
    "statement",
    "summit",
    "latvia",
    "lithuania",
    "estonia",
    "finland",
    "sweden",
    "poland",
    "europe",
    "union",
    "council",
    "troops",
]
CYRILLIC_WORDS = [
    "безопасность",
    "нато",
    "россия",
    "украина",
    "санкции",
    "министр",
    "граница",
    "ракета",
    "договор",
    "армия",
]
SOURCE_KINDS = ("ministry", "news", "international", "think-tank", "government")
VOCABULARY_SIZE = 40_000
ZIPF_EXPONENT = 1.07
START_DATE = datetime.date(2001, 1, 1)
DAYS = 25 * 365


def _vocabulary(rng, syllables, head):
    """`head` first, then distinct made-up words of two to four syllables."""
    words = list(dict.fromkeys(head))
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        picks = rng.integers(0, len(syllables), size=(VOCABULARY_SIZE, 4))
        lengths = rng.integers(2, 5, size=VOCABULARY_SIZE)
        for row, length in zip(picks.tolist(), lengths.tolist(), strict=True):
            word = "".join(syllables[i] for i in row[:length])
            if word not in seen and len(words) < VOCABULARY_SIZE:
                seen.add(word)
                words.append(word)
    return np.array(words, dtype=object)


def _zipf_cdf(size):
    weights = np.cumsum(1.0 / np.arange(1, size + 1) ** ZIPF_EXPONENT)
    return weights / weights[-1]


def _draw(rng, cdf, size):
    return np.minimum(np.searchsorted(cdf, rng.random(size)), len(cdf) - 1)


def generate(count, seed=20261123, words_per_article=800, actors=300, sources=40):
    """`count` synthetic articles, the same for the same arguments on any machine."""
    rng = np.random.default_rng(seed)
    latin = _vocabulary(rng, LATIN_SYLLABLES, SECURITY_WORDS)
    cyrillic = _vocabulary(rng, CYRILLIC_SYLLABLES, CYRILLIC_WORDS)
    word_cdf, actor_cdf = _zipf_cdf(VOCABULARY_SIZE), _zipf_cdf(actors)
    for number in range(count):
        language = rng.choice(LANGUAGES, p=LANGUAGE_WEIGHTS)
        vocabulary = cyrillic if language in {"ru", "uk"} else latin
        length = max(20, int(rng.normal(words_per_article, words_per_article / 4)))
        words = vocabulary[_draw(rng, word_cdf, length + 8)]
        date = START_DATE + datetime.timedelta(days=int(rng.integers(0, DAYS)))
        precision = rng.choice(("day", "month", "year"), p=(0.9, 0.07, 0.03))
        source = int(rng.integers(0, sources))
        yield {
            "title": " ".join(words[:8]).capitalize() + f" {number}",
            "body": _paragraphs(words[8:]),
            "language": str(language),
            "date": _floor(date, precision),
            "precision": str(precision),
            "source": f"Source {source}",
            "source_kind": SOURCE_KINDS[source % len(SOURCE_KINDS)],
            "author": f"Author {int(rng.integers(0, 500))}",
            "actors": sorted({f"Actor {int(a)}" for a in _draw(rng, actor_cdf, int(rng.integers(0, 5)))}),
        }


def _paragraphs(words, per_paragraph=80):
    return "\n\n".join(" ".join(words[i : i + per_paragraph]) + "." for i in range(0, len(words), per_paragraph))


def _floor(date, precision):
    if precision == "year":
        return date.replace(month=1, day=1)
    if precision == "month":
        return date.replace(day=1)
    return date


def mixed(sources, count, words_per_article=800, seed=MIX_SEED):
    """Up to `count` distinct articles from `sources` (corpus files, or GENERATED), each
    taken whole in the order given until `count` is reached, so the last one fills; then
    interleaved in a seeded random order, the same on any machine. Files are read into
    memory (all of ../shared/corpus/ is ~400k records); generated articles are streamed."""
    streams, sizes, seen = [], [], set()
    for source in sources:
        wanted = count - sum(sizes)
        if wanted <= 0:
            break
        if source == GENERATED:
            streams.append(generate(wanted, words_per_article=words_per_article))
            sizes.append(wanted)
        else:
            records = list(read_corpus(source, wanted, seen))
            streams.append(iter(records))
            sizes.append(len(records))
    order = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(sizes)), sizes))
    for stream in order.tolist():
        yield next(streams[stream])


def read_corpus(path, count, seen=None):
    """Up to `count` records of a ../shared/corpus/ JSONL(.gz) file (schema in its SOURCES.md),
    skipping empty ones and texts already in `seen` (content hashes, updated here)."""
    seen = set() if seen is None else seen
    opener = gzip.open if str(path).endswith(".gz") else open
    produced = 0
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if produced >= count:
                return
            record = json.loads(line)
            if not (record.get("text") or record.get("title")):
                continue
            article = _from_record(record)
            if article["content_hash"] in seen:
                continue
            seen.add(article["content_hash"])
            produced += 1
            yield article


def _from_record(record):
    precision = record.get("date_precision") or ""
    date = None
    if record.get("date"):
        parts = [int(part) for part in record["date"].split("-")] + [1, 1]
        date = datetime.date(parts[0], parts[1], parts[2])
    title = (record.get("title") or "Untitled")[:500]
    return {
        "title": title,
        "body": record.get("text") or record.get("title"),
        "language": record.get("language") or "en",
        "date": date,
        "precision": precision if date else "unknown",
        "source": (record.get("publisher") or record.get("dataset") or "Unknown")[:200],
        "source_kind": "government",
        "author": "",
        "actors": [],
    } | {"content_hash": content_hash_of((record.get("text") or record.get("title")) + title)}
