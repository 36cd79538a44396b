"""Concept tags: which registry concepts' terms occur in a document, found when it is indexed.

"All languages" turns a query word that names a concept into an OR of the concept's terms
in twelve languages with their inflections, dozens of terms (archive/search/concepts.py).
An engine that stores these tags finds the concept with one posting list instead
(Whoosh: archive/search/whoosh/tags.py). A term occurs in a document as the query would
find it: each of its words in one of its indexed forms, next to each other in order — the
stem of the term's own language only in a document of that language, the plain folded word
in any document (analysis.query_forms_by_language). One Aho-Corasick pass over a field's
indexed terms finds every term of every concept, as the importer finds actors.
"""

import collections
import itertools

import ahocorasick

from archive.search.analysis import fold, normalise_word, stem_word
from archive.search.concepts import current_registry


def term_patterns(words, language):
    """(" form form … ", the document language it needs or None) for each way the indexed
    terms of a document can spell the term `words` of `language`."""
    choices = []
    for word in words:
        plain = fold(normalise_word(word))
        stem = stem_word(word, language)
        choices.append([(form, form != plain) for form in dict.fromkeys(f for f in (stem, plain) if f)])
    for combination in itertools.product(*choices):
        needs_language = any(stemmed for _, stemmed in combination)
        yield " " + " ".join(form for form, _ in combination) + " ", language if needs_language else None


class ConceptTagger:
    """Finds the concepts of one registry (concepts.ConceptRegistry) in analysed text."""

    def __init__(self, registry):
        self.digests = {concept.slug: concept.digest for concept in registry.concepts.values()}
        patterns = collections.defaultdict(set)
        for concept in registry.concepts.values():
            for language, _, words in concept.terms:
                for pattern, needs_language in term_patterns(words, language):
                    patterns[pattern].add((concept.slug, needs_language))
        self.automaton = ahocorasick.Automaton()
        for pattern, found in patterns.items():
            self.automaton.add_word(pattern, tuple(found))
        if patterns:
            self.automaton.make_automaton()

    def counts(self, analysed, language):
        """{concept slug: occurrences of its terms} in `analysed` (a field's indexed terms, space-separated)."""
        counts = collections.Counter()
        if not self.digests or not analysed:
            return counts
        for _, found in self.automaton.iter(f" {analysed} "):
            for slug in {slug for slug, needs_language in found if needs_language in (None, language)}:
                counts[slug] += 1
        return counts

    def field_value(self, analysed, language):
        """The tags of one field as a keyword field holds them: each slug once per occurrence."""
        return " ".join(slug for slug, count in sorted(self.counts(analysed, language).items()) for _ in range(count))


_loaded = {"registry": None, "tagger": None}


def current_tagger():
    """The tagger of the registry as it is now, made again in this process after any edit."""
    registry = current_registry()
    if _loaded["registry"] is not registry:
        _loaded.update(registry=registry, tagger=ConceptTagger(registry))
    return _loaded["tagger"]
