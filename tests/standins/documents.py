"""What both stand-ins share: a collection of documents, term statistics, scoring, phrases
and spelling suggestions, over documents whose text fields are whitespace-split terms."""

import copy
import math

from rapidfuzz.distance import Levenshtein

TEXT_FIELDS = {"title", "text", "author"}


def values_of(document, field):
    value = document.get(field)
    if value is None:
        return []
    if field in TEXT_FIELDS:
        return str(value).split()
    return value if isinstance(value, list) else [value]


class Collection:
    """Documents by id; `visible` is what searches see (Solr: after a commit)."""

    def __init__(self, definition=None):
        self.definition = definition or {}
        self.documents = {}
        self.visible = {}

    def put(self, document, visible_now=True):
        self.documents[str(document["id"])] = document
        if visible_now:
            self.publish()

    def delete(self, identifier, visible_now=True):
        found = self.documents.pop(str(identifier), None)
        if visible_now:
            self.publish()
        return found is not None

    def publish(self):
        self.visible = dict(self.documents)

    def frozen(self):
        """A point in time: what is visible now, whatever changes later."""
        return copy.copy(self.visible)

    def document_frequency(self, docs, field, term):
        return sum(1 for doc in docs.values() if term in values_of(doc, field))

    def term_score(self, docs, doc, field, term, boost=1.0):
        """tf·idf with the boost; None when the document lacks the term."""
        terms = values_of(doc, field)
        frequency = terms.count(term) if field in TEXT_FIELDS else int(term in [str(v) for v in terms])
        if not frequency:
            return None
        df = max(self.document_frequency(docs, field, term), 1)
        return boost * (1 + math.log(frequency)) * math.log(1 + len(docs) / df)

    def terms(self, docs, field):
        """{term: documents holding it} of a text field."""
        counts = {}
        for doc in docs.values():
            for term in set(values_of(doc, field)):
                counts[term] = counts.get(term, 0) + 1
        return counts

    def corrections(self, docs, field, word, max_edits=2, min_length=3):
        """[(score, frequency, term)] of index terms within `max_edits` of an unknown `word`."""
        counts = self.terms(docs, field)
        if word in counts or len(word) < min_length:
            return []
        found = []
        for term, frequency in counts.items():
            distance = Levenshtein.distance(word, term, score_cutoff=max_edits)
            if distance <= max_edits:
                found.append((1 - distance / max(len(word), len(term)), frequency, term))
        return sorted(found, reverse=True)

    def key_terms(self, docs, doc, fields, count):
        """The document's terms most particular to it (tf·idf), for more-like-this."""
        weighted = {}
        for field in fields:
            for term in set(values_of(doc, field)):
                score = self.term_score(docs, doc, field, term)
                if score and self.document_frequency(docs, field, term) < len(docs):
                    weighted[(field, term)] = max(weighted.get((field, term), 0), score)
        return [key for key, _ in sorted(weighted.items(), key=lambda item: -item[1])[:count]]


def phrase_matches(doc, field, steps, slop, in_order):
    """Whether the field holds one of each step's forms, in order within `slop` extra positions
    (unordered: all within a window of len(steps) + slop)."""
    terms = values_of(doc, field)
    positions = [[i for i, term in enumerate(terms) if term in forms] for forms in steps]
    if not all(positions):
        return False
    if in_order:
        return any(_ordered_from(start, positions[1:], slop, len(steps)) for start in positions[0])
    window = len(steps) + slop
    return any(
        all(any(start <= p < start + window for p in places) for places in positions)
        for start in sorted({p for places in positions for p in places})
    )


def _ordered_from(start, rest, slop, length):
    current = start
    for places in rest:
        following = [p for p in places if p > current]
        if not following:
            return False
        current = following[0]
    return current - start - (length - 1) <= slop


def sort_key(values, orders):
    """A key sorting documents by `values` ([(value, order)]), missing values last either way."""
    key = []
    for value, order in zip(values, orders, strict=True):
        missing = value is None
        number = 0 if missing else (-value if order == "desc" and not isinstance(value, str) else value)
        if isinstance(value, str) and order == "desc":
            number = tuple(-ord(ch) for ch in value)
        key.append((missing, number))
    return key


def cosine_score(document, field, vector):
    """Lucene's cosine k-NN score, (1 + cos)/2; None for a document without a vector."""
    held = document.get(field)
    if not held:
        return None
    dot = sum(a * b for a, b in zip(held, vector, strict=True))
    norms = math.sqrt(sum(a * a for a in held)) * math.sqrt(sum(b * b for b in vector))
    return (1 + dot / norms) / 2 if norms else None


def nearest(docs, field, vector, k, allowed=lambda doc: True):
    """{key: k-NN score} of the `k` documents nearest to `vector` among those `allowed` (exact, not HNSW)."""
    scored = [(score, key) for key, doc in docs.items() if allowed(doc) and (score := cosine_score(doc, field, vector))]
    return {key: score for score, key in sorted(scored, key=lambda item: (-item[0], item[1]))[:k]}
