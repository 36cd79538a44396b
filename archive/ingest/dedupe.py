"""Near-duplicates: the same wire story republished with small edits (MinHash LSH over word shingles).

Exact duplicates are caught by the content hash; this finds texts whose 5-word shingles
overlap by at least NEAR_DUPLICATE_THRESHOLD (Jaccard), so a republished story is stored
and linked to the first copy the archive received.
"""

import re

from datasketch import MinHash, MinHashLSH

from archive.models import Article, normalise_body

NEAR_DUPLICATE_THRESHOLD = 0.9
SHINGLE_WORDS = 5
MIN_SHINGLES = 20  # shorter texts share too few shingles for the estimate to mean anything
NUM_PERM = 128
# Each MinHash draws its NUM_PERM random permutations when created (a sixth of a signature's
# time); copies of this empty one share them. They are the same for every seed-1 MinHash.
EMPTY_MINHASH = MinHash(num_perm=NUM_PERM)


def shingles(text):
    tokens = re.findall(r"\w+", normalise_body(text))
    return {" ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def signature(text):
    found = shingles(text)
    if len(found) < MIN_SHINGLES:
        return None
    minhash = EMPTY_MINHASH.copy()
    minhash.update_batch(list(found))
    return minhash


class NearDuplicateIndex:
    """The archive's bodies as MinHash signatures; loaded from the database on first use."""

    def __init__(self, threshold=NEAR_DUPLICATE_THRESHOLD):
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.signatures = {}
        self.originals = {}  # article id → the original it republishes (itself for an original)
        self.loaded = False

    def load(self):
        if self.loaded:
            return
        self.loaded = True
        rows = Article.objects.values_list("pk", "body", "near_duplicate_of_id").order_by("pk")
        for pk, body, original in rows.iterator(chunk_size=500):
            self.add(pk, body, original)

    def add(self, article_id, body, original_id=None, minhash=None):
        minhash = minhash or signature(body)
        self.originals[article_id] = original_id or article_id
        if minhash is None or article_id in self.signatures:
            return
        self.signatures[article_id] = minhash
        self.lsh.insert(article_id, minhash)

    def original_of(self, body, minhash=None):
        """The id of the original this body republishes, or None. Returns (id, similarity)."""
        self.load()
        minhash = minhash or signature(body)
        if minhash is None:
            return None, 0.0
        best, best_similarity = None, 0.0
        for candidate in self.lsh.query(minhash):
            similarity = minhash.jaccard(self.signatures[candidate])
            if similarity >= self.threshold and (similarity, -candidate) > (best_similarity, -(best or 0)):
                best, best_similarity = candidate, similarity
        if best is None:
            return None, 0.0
        return self.originals.get(best, best), best_similarity

    def forget(self, article_id):
        if article_id in self.signatures:
            self.lsh.remove(article_id)
            del self.signatures[article_id]
        self.originals.pop(article_id, None)
