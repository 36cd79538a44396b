"""Concept tags in a Whoosh index: which concepts they are current for, and re-tagging.

Every document is tagged when it is indexed with the concepts whose terms it holds
(archive/search/concept_tags.py; the fields `title_concepts` and `concepts`). A file in
the index generation, `concept_tags.json`, names the digest of each concept's terms that
every document was tagged with. "All languages" reads a concept's posting list only while
that digest is the concept's current one; for a concept edited since (or added), it
searches the concept's terms, as a cluster engine always does, so results never drift.

`retag` brings the tags up to date: for each concept whose digest changed it re-indexes the
documents tagged with it or holding its terms now, then records the new digest. run_indexer
does that when the outbox is idle, `index_doctor` and `rebuild_search_index` too.
"""

import json
import os

import numpy as np
from django.conf import settings
from haystack import connections

from archive.models import Article
from archive.search import query as q
from archive.search.concept_tags import current_tagger
from archive.search.concepts import current_registry, localised
from archive.search.whoosh.backend import CONCEPT_FIELDS

STATE_FILE = "concept_tags.json"
RETAG_BATCH = 500

_read = {}  # index directory → ((mtime, size), {slug: digest})


def state_path(index_dir):
    return os.path.join(index_dir, STATE_FILE)


def current_digests(index_dir):
    """{concept slug: the digest of terms every document in the index was tagged with}."""
    path = state_path(index_dir)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return {}
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _read.get(index_dir)
    if cached is None or cached[0] != key:
        with open(path, encoding="utf-8") as file:
            cached = _read[index_dir] = (key, json.load(file))
    return cached[1]


def write_digests(index_dir, digests):
    temporary = f"{state_path(index_dir)}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(digests, file, sort_keys=True)
    os.replace(temporary, state_path(index_dir))  # readers never see half a file


def tagged(node, index_dir):
    """Whether the index's tags find the Concept node `node` (its terms' digest is the one tagged)."""
    return node.field in (None, "title") and current_digests(index_dir).get(node.slug) == node.digest


def scoring_fields(node):
    """[(tags field, the text field whose boost and lengths it scores with)] a Concept node reads."""
    return [(CONCEPT_FIELDS[field], field) for field in (["title"] if node.field == "title" else CONCEPT_FIELDS)]


def stale_concepts(index_dir, registry=None):
    """The registry's concepts whose tags in the index are not those of their current terms."""
    digests = current_digests(index_dir)
    registry = registry or current_registry()
    return [concept for concept in registry.concepts.values() if digests.get(concept.slug) != concept.digest]


def documents_to_retag(snapshot, concepts):
    """Docnums tagged with any of `concepts` or holding one of their terms now."""
    from archive.search.resolve import DatabaseResolver
    from archive.search.whoosh.searcher import Evaluator

    evaluator = Evaluator(snapshot, settings.ARCHIVE_LANGUAGES, DatabaseResolver())
    evaluator.deadline = float("inf")  # a background job, not a visitor's query
    affected = np.zeros(len(snapshot.live), dtype=bool)
    for concept in concepts:
        for tags_field in CONCEPT_FIELDS.values():
            affected[snapshot.postings(tags_field, concept.slug)] = True
        terms = [localised(words, 0, None, language) for language, _, words in concept.terms]
        if terms:
            affected |= evaluator.evaluate(q.Or(tuple(terms))).mask
    return np.flatnonzero(affected & snapshot.live)


def retag(backend=None, batch=RETAG_BATCH):
    """Re-index the documents whose concept tags are stale, then record the digests; returns
    how many documents were re-indexed (0 when every concept's tags are current)."""
    from archive.search.whoosh.searcher import snapshots

    backend = backend or connections["default"].get_backend()
    backend.ensure_current()
    index_dir, tagger = backend.index_dir, current_tagger()
    registry = current_registry()
    stale = stale_concepts(index_dir, registry)
    if not stale:
        return 0
    snapshot = snapshots.get(backend)
    pks = snapshot.pk[documents_to_retag(snapshot, stale)].tolist()
    article_index = connections["default"].get_unified_index().get_index(Article)
    for start in range(0, len(pks), batch):
        backend.update(article_index, article_index.index_queryset().filter(pk__in=pks[start : start + batch]))
    if current_tagger() is tagger and backend.index_dir == index_dir:  # no edit, no rebuild meanwhile
        write_digests(index_dir, current_digests(index_dir) | {concept.slug: concept.digest for concept in stale})
    return len(pks)
