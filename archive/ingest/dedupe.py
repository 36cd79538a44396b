"""Near-duplicates: the same wire story republished with small edits (MinHash LSH over word shingles).

Exact duplicates are caught by the content hash; this finds texts whose 5-word shingles
overlap by at least NEAR_DUPLICATE_THRESHOLD (Jaccard), so a republished story is stored
and linked to the first copy the archive received.

Every article's signature and its LSH band keys are kept in the database (NearDuplicateKeys,
written whenever an article's body is saved), so a check is one indexed look-up per band and
a Jaccard estimate for the few articles that share a band: nothing loads the archive.
"""

import functools
import hashlib
import re
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from archive.models import NearDuplicateKeys, normalise_body

NEAR_DUPLICATE_THRESHOLD = 0.9
SHINGLE_WORDS = 5
MIN_SHINGLES = 20  # shorter texts share too few shingles for the estimate to mean anything
NUM_PERM = 128
# datasketch's MinHashLSH choice of bands × rows for the threshold and NUM_PERM (a test checks
# it): two texts share a band key when all the band's rows agree.
BANDS, ROWS = 5, 25
BAND_FIELDS = [f"band_{band}" for band in range(BANDS)]
assert all(hasattr(NearDuplicateKeys, name) for name in BAND_FIELDS), "NearDuplicateKeys needs a column per band"


def shingles(text):
    tokens = re.findall(r"\w+", normalise_body(text))
    return {" ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(tokens) - SHINGLE_WORDS + 1)}


# A signature here equals datasketch's MinHash(num_perm=NUM_PERM) of the same shingles (its default
# "affine32" scheme; a test checks it), computed without importing datasketch, whose LSH module loads
# scipy: most of a second at every process start.
MURMUR3_FINALIZER = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@dataclass(frozen=True)
class MinHash:
    hashvalues: np.ndarray  # NUM_PERM uint32 values


@functools.cache
def permutations():
    """datasketch's affine permutations h → a·h + b (mod 2³², a odd) for seed 1, drawn as it draws them."""
    generator = np.random.RandomState(1)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def mixed(hashes):
    """MurmurHash3's finalizer, which datasketch applies to every hash before permuting it."""
    s1, m1, s2, m2, s3 = MURMUR3_FINALIZER
    hashes = (hashes ^ (hashes >> s1)) * m1
    hashes = (hashes ^ (hashes >> s2)) * m2
    return hashes ^ (hashes >> s3)


def signature(text):
    """The text's MinHash, or None when it has too few shingles to compare."""
    found = shingles(text)
    if len(found) < MIN_SHINGLES:
        return None
    # datasketch's sha1_hash32: the first four bytes of the shingle's SHA-1.
    hashes = np.array([int.from_bytes(hashlib.sha1(shingle).digest()[:4], "little") for shingle in found], np.uint32)
    a, b = permutations()
    return MinHash((mixed(hashes).reshape(-1, 1) * a + b).min(axis=0))


def band_keys(minhash):
    """One signed 64-bit key per band: a hash of the band's number and its rows' values."""
    values = minhash.hashvalues.astype("<u8")
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(rows, digest_size=8, person=b"band%d" % band)
        keys.append(int.from_bytes(digest.digest(), "little", signed=True))
    return keys


def keys_row(article_id, content_hash, minhash):
    """The NearDuplicateKeys row for an article (unsaved)."""
    row = NearDuplicateKeys(article_id=article_id, content_hash=content_hash,
                            minhash=minhash.hashvalues.astype("<u8").tobytes())  # fmt: skip
    for name, key in zip(BAND_FIELDS, band_keys(minhash), strict=True):
        setattr(row, name, key)
    return row


def remember(article, adding=False, minhash=None):
    """Keep the article's keys in step with its body (called by Article.save). A body too short to compare
    has no keys. `minhash`: the body's signature, when the caller computed it already."""
    if not adding:
        stored = NearDuplicateKeys.objects.filter(article_id=article.pk).values_list("content_hash", flat=True)
        if list(stored) == [article.content_hash]:
            return
        NearDuplicateKeys.objects.filter(article_id=article.pk).delete()
    minhash = minhash or signature(article.body)
    if minhash is not None:
        keys_row(article.pk, article.content_hash, minhash).save(force_insert=True)


def original_of(body, minhash=None, exclude=None):
    """The id of the original this body republishes, and the similarity; (None, 0.0) when there is none.

    Candidates are the articles sharing a band key; the best one at or above the threshold wins (on a tie
    the oldest), and its own original, if it is itself a copy, is the answer."""
    minhash = minhash or signature(body)
    if minhash is None:
        return None, 0.0
    candidates = NearDuplicateKeys.objects.filter(sharing_a_band([minhash]))
    if exclude is not None:
        candidates = candidates.exclude(article_id=exclude)
    rows = candidates.values_list("article_id", "minhash", "article__near_duplicate_of_id")
    return original_among(minhash, ((pk, np.frombuffer(bytes(stored), dtype="<u8"), of) for pk, stored, of in rows))


def sharing_a_band(minhashes):
    """The NearDuplicateKeys rows that share a band key with any of these signatures."""
    keys = [band_keys(minhash) for minhash in minhashes]
    shares_a_band = Q()
    for band, name in enumerate(BAND_FIELDS):
        shares_a_band |= Q(**{f"{name}__in": sorted({found[band] for found in keys})})
    return shares_a_band


def original_among(minhash, candidates):
    """original_of's answer from its candidates: (article id, stored hash values as uint64, its original's id)."""
    mine = minhash.hashvalues.astype("<u8")
    best, best_similarity, best_original = None, 0.0, None
    for candidate, stored, original in candidates:
        similarity = float(np.mean(stored == mine))
        if similarity >= NEAR_DUPLICATE_THRESHOLD and (similarity, -candidate) > (best_similarity, -(best or 0)):
            best, best_similarity, best_original = candidate, similarity, original
    if best is None:
        return None, 0.0
    return best_original or best, best_similarity


def fill_missing_keys(article_model, keys_model, batch_size=500):
    """Compute the keys of every article that has none (a migration's or a bulk load's backfill); returns
    how many were written. Takes the models so that a migration can pass its historical ones."""
    have = set(keys_model.objects.values_list("article_id", flat=True))
    missing = [pk for pk in article_model.objects.order_by("pk").values_list("pk", flat=True) if pk not in have]
    written = 0
    for start in range(0, len(missing), batch_size):
        rows = article_model.objects.filter(pk__in=missing[start : start + batch_size])
        batch = []
        for pk, body, content_hash in rows.values_list("pk", "body", "content_hash"):
            minhash = signature(body)
            if minhash is not None:
                row = keys_row(pk, content_hash, minhash)
                batch.append(keys_model(**{field.attname: getattr(row, field.attname) for field in row._meta.fields}))
        written += len(keys_model.objects.bulk_create(batch))
    return written
