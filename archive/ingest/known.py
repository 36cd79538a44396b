"""What the archive holds that a chunk of records is checked against, read in two queries for the chunk.

An import writes a chunk in one transaction (pipeline.py). Instead of asking the database, for each
record, which article has its text or URL and which signatures share a band with its own, it reads
the answers for the whole chunk at once and adds each article the chunk saves, so a record sees the
records before it in the same chunk as it would in the database.
"""

from collections import defaultdict

import numpy as np
from django.db.models import Q

from archive.ingest.dedupe import BAND_FIELDS, band_keys, original_among, original_of, sharing_a_band
from archive.models import Article, NearDuplicateKeys


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
