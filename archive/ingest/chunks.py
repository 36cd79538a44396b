"""How an import writes a chunk of records in one transaction (pipeline.py): against what it read once.

Instead of asking the database, for each record, which article has its text or URL and which
signatures share a band with its own, the chunk reads the answers for all its records at once
(KnownArticles) and adds each article it saves, so a record sees the records before it in the same
chunk as it would in the database. Its new articles are inserted together (ChunkWriter).
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, transaction
from django.db.models import Q, signals

from archive.ingest.dedupe import BAND_FIELDS, band_keys, keys_row, original_among, original_of, sharing_a_band
from archive.models import Article, ArticleActor, NearDuplicateKeys


class InDatabase:
    """The same questions asked of the database, a record at a time (an update, the admin's preview, or
    the rest of a chunk once a record failed in it)."""

    @staticmethod
    def articles_with(body_hash, url):
        """(the article with this text or None, the other articles at this URL); one query for both."""
        match = Q(content_hash=body_hash) | Q(url=url) if url else Q(content_hash=body_hash)
        found = list(Article.objects.filter(match).order_by("pk"))
        same_text = next((article for article in found if article.content_hash == body_hash), None)
        return same_text, [article for article in found if article.content_hash != body_hash]

    @staticmethod
    def original_of(minhash):
        return original_of("", minhash) if minhash is not None else (None, 0.0)


IN_DATABASE = InDatabase()


class KnownArticles:
    def __init__(self, prepared):
        """`prepared`: the chunk's pipeline.Prepared records (their content hash, URL and signature)."""
        self.by_hash, self.by_url, self.by_band = {}, defaultdict(list), defaultdict(list)
        hashes = {item.body_hash for item in prepared}
        urls = {item.fields.get("url") for item in prepared} - {None, ""}
        for article in Article.objects.filter(Q(content_hash__in=hashes) | Q(url__in=urls)):
            self.add_article(article)
        signatures = [item.minhash for item in prepared if item.minhash is not None]
        if signatures:
            rows = NearDuplicateKeys.objects.filter(sharing_a_band(signatures))
            fields = ("article_id", "minhash", "article__near_duplicate_of_id", *BAND_FIELDS)
            for article_id, stored, original, *keys in rows.values_list(*fields):
                self.add_keys((article_id, np.frombuffer(bytes(stored), dtype="<u8"), original), keys)

    def articles_with(self, body_hash, url):
        """InDatabase.articles_with's answer, from what the chunk read and saved."""
        at_url = [article for article in self.by_url.get(url, ()) if article.content_hash != body_hash] if url else []
        return self.by_hash.get(body_hash), sorted(at_url, key=lambda article: article.pk)

    def original_of(self, minhash):
        """dedupe.original_of's answer for a signature (None for a text too short to have one), from what the
        chunk read and saved."""
        if minhash is None:
            return None, 0.0
        candidates = {}
        for band, key in enumerate(band_keys(minhash)):
            candidates.update((found[0], found) for found in self.by_band.get((band, key), ()))
        return original_among(minhash, candidates.values())

    def add(self, article):
        """An article the chunk has saved, with its signature if it has one (Article.minhash)."""
        self.add_article(article)
        minhash = getattr(article, "minhash", None)
        if minhash is not None:
            self.add_keys((article.pk, minhash.hashvalues.astype("<u8"), article.near_duplicate_of_id),
                          band_keys(minhash))  # fmt: skip

    def add_article(self, article):
        self.by_hash[article.content_hash] = article
        if article.url:
            self.by_url[article.url].append(article)

    def add_keys(self, candidate, keys):
        for band, key in enumerate(keys):
            self.by_band[band, key].append(candidate)


def original_for_translation(at_url, fields):
    """The original whose translation this text is: an article at its URL in another language, or None.

    Several texts can share a URL (a video's address and its briefing, each in two languages),
    so the counterpart is the one without a version in this language yet, on the same date,
    with the closest length (a translation runs about as long as its original).
    """
    others = [article for article in at_url if article.language != fields["language"]]
    if not others:
        return None
    grouped = {}
    for article in at_url:
        grouped.setdefault(article.translation_of_id or article.pk, set()).add(article.language)
    length = max(len(fields["body"]), 1)

    def distance(article):
        group = article.translation_of_id or article.pk
        same_day = article.published_on == fields.get("published_on")
        return (fields["language"] in grouped[group], not same_day, abs(math.log(max(len(article.body), 1) / length)))

    best = min(others, key=distance)
    return best.translation_of_id or best.pk


@dataclass
class Pending:
    """A new article of the chunk, validated, waiting for its chunk's insert."""

    index: int  # its record's place in the chunk
    prepared: object  # pipeline.Prepared
    article: Article
    original: tuple  # (its original's id, the similarity), or (None, 0.0)


class ChunkWriter:
    """Write a chunk's new articles (inside its transaction) with one insert per table, instead of one save and
    savepoint each. What a record is decided against must be in the database, so the articles waiting are
    inserted before a record that shares a text, a URL or a band key with one of them, and at the end.

    A record that fails its checks fails alone; an insert the database refuses is written again a record at
    a time (Importer.write, a savepoint each), so one bad record never costs the others."""

    def __init__(self, importer):
        self.importer, self.pending, self.touched = importer, [], set()

    def write(self, prepared):
        outcomes = []
        for item in prepared:
            # An Outcome already (a record that could not be read), or a restored id: checked and saved on its own.
            if self.importer.known is None or not hasattr(item, "body_hash") or any(item.restore):
                self.flush(outcomes)
                outcomes.append(self.importer.write(item))
                continue
            if touches(item) & self.touched:
                self.flush(outcomes)
            outcomes.append(self.plan(item, len(outcomes)))
        self.flush(outcomes)
        return outcomes

    def plan(self, item, index):
        """The record's outcome if it is known already (a duplicate, a failure), else None: its article waits."""
        importer = self.importer
        try:
            existing, at_url = importer.known.articles_with(item.body_hash, item.fields.get("url"))
            if existing is not None:
                return importer._existing(existing, item)
            if item.translation_of is None:
                item.translation_of = original_for_translation(at_url, item.fields)
            article, original = importer.new_article(item)
            article.set_hash_and_slug()
            importer.mentions_of(item, article)  # kept in item.mentions
        except Exception as error:
            return importer.failure(item.draft.origin, error)
        self.pending.append(Pending(index, item, article, original))
        self.touched |= touches(item) | {("text", article.content_hash)}
        return None

    def flush(self, outcomes):
        if not self.pending:
            return
        pending, self.pending, self.touched = self.pending, [], set()
        importer = self.importer
        try:
            with transaction.atomic():
                insert([item.article for item in pending], [item.prepared.mentions for item in pending])
        except DatabaseError:
            importer.known = None  # what the chunk read may be out of date: the rest asks the database
            for item in pending:
                outcomes[item.index] = importer.write(item.prepared)
            return
        for item in pending:
            item.article.skip_history_when_saving = True  # the chunk's history rows are written together
            signals.post_save.send(sender=Article, instance=item.article, created=True, update_fields=None,
                                   raw=False, using=item.article._state.db)  # fmt: skip
            importer.created.append(item.article)
            importer.known.add(item.article)
            outcomes[item.index] = importer.created_outcome(item.prepared, item.article, *item.original)


def touches(item):
    """What a record is decided by: its text, its URL and its band keys."""
    found = {("text", item.body_hash)}
    if item.fields.get("url"):
        found.add(("url", item.fields["url"]))
    if item.minhash is not None:
        found.update(("band", band, key) for band, key in enumerate(band_keys(item.minhash)))
    return found


def insert(articles, mentions):
    """New articles with their near-duplicate keys and actor mentions, one insert per table; each article's
    content hash and slug already set (Article.set_hash_and_slug), as save() would."""
    Article.objects.bulk_create(articles)
    keys = [keys_row(article.pk, article.content_hash, article.minhash) for article in articles
            if article.minhash is not None]  # fmt: skip
    NearDuplicateKeys.objects.bulk_create(keys)
    ArticleActor.objects.bulk_create([
        ArticleActor(article=article, actor_id=actor_id, mention_count=count, role=role)
        for article, found in zip(articles, mentions, strict=True) for actor_id, (count, role) in found.items()
    ])  # fmt: skip
