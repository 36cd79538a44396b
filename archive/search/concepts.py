""" "All languages" search: a query's words that name a registry concept also find its terms
in every archive language.

The expansion works on the engine-neutral query tree, so every engine gets it: a word or
phrase that names a concept becomes an OR of itself and the concept's terms, each term a
`Localised` node that the engines analyse with that term's own language only (a Swedish
term is stemmed as Swedish, never as Finnish). Everything else keeps its meaning: AND,
OR and NOT, fields (title:…), filters and dates are untouched, and NOT sanctions leaves out
the concept in every language. Runs of plain words inside an AND are matched too, so
`air defence` (two words) finds «противовоздушная оборона».
"""

import functools
import hashlib
from dataclasses import dataclass, field

from django.db import connection

from archive.models import Concept, ConceptTerm
from archive.search import query as q
from archive.search.analysis import WORD, candidate_languages, stem_word

# A query word may name several concepts; past this many it is too vague to expand.
MAX_CONCEPTS_PER_NODE = 3
# Terms added to one query, over all its words: each costs a few posting-list reads.
MAX_ADDED_TERMS = 120
LONGEST_TERM_WORDS = 6


@dataclass
class ConceptTerms:
    slug: str
    name: str
    terms: list  # [(language, term, words)]

    @functools.cached_property
    def digest(self):
        """Changes whenever the concept's terms do: an index's tags are current for one digest."""
        listed = "\n".join(sorted(f"{language}\t{term}" for language, term, _ in self.terms))
        return hashlib.sha1(listed.encode("utf-8")).hexdigest()[:12]


@dataclass
class Expansion:
    """What an "all languages" search added: shown on the page as "also searched: …"."""

    query_text: str = ""  # the words the user typed, for the embedding model
    concepts: list = field(default_factory=list)  # [ConceptTerms]
    terms: list = field(default_factory=list)  # [(concept slug, language, term)] in the order added

    def terms_shown(self):
        """Each concept's first term in each language, leaving out the words the user typed."""
        asked = {word.casefold() for word in self.query_text.split()}
        shown = {}
        for slug, language, term in self.terms:
            if term.casefold() not in asked:
                shown.setdefault((slug, language), (language, term))
        return list(shown.values())


class ConceptRegistry:
    """Every concept term, keyed by its analysed words in its own language."""

    def __init__(self, rows):
        self.concepts = {}
        self.by_key = {}
        for concept_id, slug, name, language, term in rows:
            words = tuple(WORD.findall(term))
            if not words:
                continue
            concept = self.concepts.setdefault(concept_id, ConceptTerms(slug, name, []))
            concept.terms.append((language, term, words))
            key = (language, tuple(stem_word(word, language) for word in words))
            self.by_key.setdefault(key, set()).add(concept_id)

    @classmethod
    def from_database(cls):
        rows = ConceptTerm.objects.values_list(
            "concept_id", "concept__slug", "concept__name", "language", "term"
        ).order_by("concept__slug", "id")
        return cls(rows)

    def concepts_named_by(self, words, languages):
        """The concepts one of whose terms is `words`, read in any language the words could be in."""
        found = set()
        for language in candidate_languages(words[0], languages):
            key = (language, tuple(stem_word(word, language) for word in words))
            found |= self.by_key.get(key, set())
        return [self.concepts[concept_id] for concept_id in sorted(found)][:MAX_CONCEPTS_PER_NODE]


_loaded = {"version": None, "registry": None}


def registry_version():
    """Changes with any edit: the admin saves the concept with its terms, so it leaves a history
    row. Asked on every "all languages" search: one statement of three subqueries, each answered
    from an index or the table's count (~0.03 ms), where COUNT and MAX in one query scanned
    every term (1.5 ms at 25,000 terms) and the ORM's aggregates cost 0.5 ms."""
    quote = connection.ops.quote_name
    terms, history = quote(ConceptTerm._meta.db_table), quote(Concept.history.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {terms}), (SELECT MAX(id) FROM {terms}),"
            f" (SELECT MAX(history_id) FROM {history})"
        )
        return tuple(cursor.fetchone())


def current_registry():
    """The registry, read again in this process whenever an edit changed it."""
    version = registry_version()
    if _loaded["registry"] is None or _loaded["version"] != version:
        _loaded.update(registry=ConceptRegistry.from_database(), version=version)
    return _loaded["registry"]


class Expander:
    def __init__(self, registry, languages):
        self.registry = registry
        self.languages = languages
        self.expansion = Expansion()

    def expand(self, node):
        if isinstance(node, q.Term) and node.field in {None, "title"}:
            return self._alternatives(node, (node.word,), 0, node.field)
        if isinstance(node, q.Phrase) and node.field in {None, "title"}:
            return self._alternatives(node, node.words, node.slop, node.field)
        if isinstance(node, q.Not):
            return q.Not(self.expand(node.child))
        if isinstance(node, q.Or):
            return q.Or(tuple(self.expand(child) for child in node.children))
        if isinstance(node, q.And):
            return q.And(tuple(self._expand_runs(node.children)))
        return node

    def _expand_runs(self, children):
        """Each child expanded, with the longest runs of plain words that name a concept expanded as one."""
        index = 0
        while index < len(children):
            for end in range(min(len(children), index + LONGEST_TERM_WORDS), index + 1, -1):
                run = children[index:end]
                if all(isinstance(child, q.Term) and child.field is None for child in run):
                    words = tuple(child.word for child in run)
                    if self.registry.concepts_named_by(words, self.languages):
                        yield self._alternatives(q.And(tuple(run)), words, 0, None)
                        index = end
                        break
            else:
                yield self.expand(children[index])
                index += 1

    def _alternatives(self, node, words, slop, field_name):
        concepts = self.registry.concepts_named_by(words, self.languages)
        seen, alternatives = set(), []
        for concept in concepts:
            if concept not in self.expansion.concepts:
                self.expansion.concepts.append(concept)
            terms = []
            for language, term, term_words in concept.terms:
                if len(self.expansion.terms) >= MAX_ADDED_TERMS:
                    break
                # Terms that reach the same index terms add nothing but cost (NATO is "nato" in
                # most languages, a plural often stems like its singular): one of them is kept.
                key = tuple(stem_word(word, language) for word in term_words)
                if key in seen:
                    continue
                seen.add(key)
                terms.append(localised(term_words, slop, field_name, language))
                self.expansion.terms.append((concept.slug, language, term))
            if terms and slop == 0:  # an index's concept tags hold the terms' exact occurrences
                alternatives.append(q.Concept(tuple(terms), concept.slug, concept.digest, field_name))
            else:
                alternatives.extend(terms)
        return q.Or((node, *alternatives)) if alternatives else node


def localised(words, slop, field_name, language):
    child = q.Term(words[0], field_name) if len(words) == 1 else q.Phrase(tuple(words), slop, field_name)
    return q.Localised(child, language)


def expand_all_languages(tree, languages, registry=None):
    """(the tree with concept terms added in every language, the Expansion that says what was added)."""
    expander = Expander(registry or current_registry(), languages)
    expanded = expander.expand(tree)
    expander.expansion.query_text = " ".join(word.rstrip("*") for word in q.text_words(tree))
    return expanded, expander.expansion
