"""Whoosh's on-disk data read straight into NumPy arrays, a block or a column at a time.

Whoosh's own readers hand out one Python value per document or posting (a few µs
each), which at 100,000 articles turns a snapshot load or a common term into seconds.
These helpers read the same bytes in bulk: numeric columns with `np.frombuffer`, term
postings one block (up to 128 postings) at a time, and field lengths from the
per-segment length column. They only read; the index format is Whoosh's own.
"""

import numpy as np

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.reading import TermNotFound
    from whoosh.util.numeric import byte_to_length

# The length each of Whoosh's 256 length bytes stands for.
LENGTH_OF_BYTE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float32)


def numeric_column(reader, name, size):
    """The int64 values of a sortable numeric field for every document (0 where missing)."""
    values = np.zeros(size, dtype=np.int64)
    if size == 0 or not reader.has_column(name):
        return values
    field = reader.schema[name]
    for segment, offset in reader.leaf_readers():
        count = segment.doc_count_all()
        raw = segment.column_reader(name, translate=False)
        if getattr(raw, "_typecode", None) is None:  # an unfamiliar column layout: the slow, general way
            values[offset : offset + count] = list(segment.column_reader(name))
        else:
            values[offset : offset + count] = _numeric_segment(raw, count, field.signed)
    return values


def _numeric_segment(column_reader, count, signed):
    # Whoosh stores signed numbers with the top bit flipped, so they sort as unsigned bytes.
    dtype = np.dtype(">" + column_reader._typecode)
    stored = min(column_reader._count, count)
    raw = np.full(count, column_reader._default, dtype=dtype.newbyteorder("="))
    raw[:stored] = np.frombuffer(column_reader._dbfile.get(column_reader._basepos, stored * dtype.itemsize), dtype)
    if signed:
        signed_type = np.dtype(f"int{dtype.itemsize * 8}")
        raw = (raw ^ np.array(1 << (dtype.itemsize * 8 - 1), dtype=raw.dtype)).view(signed_type)
    return raw.astype(np.int64)


def field_lengths(reader, field, size):
    """Each document's number of terms in `field`, as Whoosh recorded it (float32)."""
    lengths = np.zeros(size, dtype=np.float32)
    for segment, offset in reader.leaf_readers():
        count = segment.doc_count_all()
        perdoc = getattr(segment, "_perdoc", None)
        column_reader = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc else None
        if column_reader is None:
            continue
        stored = min(column_reader._count, count)
        raw = column_reader._dbfile.get(column_reader._basepos, stored)
        lengths[offset : offset + stored] = LENGTH_OF_BYTE[np.frombuffer(raw, dtype=np.uint8)]
    return lengths


def term_postings(reader, field, term):
    """(docnums int32, term frequencies float32) of one term across every segment."""
    ids, weights = [], []
    for segment, offset in reader.leaf_readers():
        try:
            matcher = segment.postings(field, term)
        except TermNotFound:  # one lookup instead of asking `in` first
            continue
        segment_ids, segment_weights = _segment_postings(matcher)
        ids.append(segment_ids + offset)
        weights.append(segment_weights)
    if not ids:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids).astype(np.int32), np.concatenate(weights)


def _segment_postings(matcher):
    while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
        matcher = matcher.child  # a segment with deletions filters them; our live mask does that
    if not hasattr(matcher, "_read_ids"):  # not Whoosh 3 block postings: one at a time
        items = list(matcher.items_as("weight"))
        return (
            np.array([docnum for docnum, _ in items], dtype=np.int64),
            np.array([weight for _, weight in items], dtype=np.float32),
        )
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int64))
        weights.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def category_column(reader, name, size):
    """(labels, codes) of a sortable ID field: each distinct value once, sorted, and each
    document's index into them ("" where a document has none)."""
    if size == 0 or not reader.has_column(name):
        return [""], np.zeros(size, dtype=np.int32)
    column = reader.schema[name].column_type
    parts = []
    for segment, _ in reader.leaf_readers():
        column_reader = segment.column_reader(name, column, translate=False)
        parts.append(_category_segment(column_reader, segment.doc_count_all()))
    labels = sorted({label for uniques, _ in parts for label in uniques})
    position = {label: code for code, label in enumerate(labels)}
    codes = [np.array([position[label] for label in uniques], dtype=np.int32)[refs] for uniques, refs in parts]
    return labels, np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32)


def _category_segment(column_reader, count):
    """(distinct values of one segment, each document's index into them)."""
    uniques = getattr(column_reader, "_uniques", None)
    if uniques is None:  # not a RefBytes column: the slow, general way
        values = [_text(value) for value in column_reader]
        distinct = sorted(set(values)) or [""]
        lookup = {value: code for code, value in enumerate(distinct)}
        return distinct, np.array([lookup[value] for value in values], dtype=np.int64)
    raw = column_reader._dbfile.get(column_reader._basepos, count * column_reader._itemsize)
    refs = np.frombuffer(raw, dtype=">" + column_reader._typecode).astype(np.int64)
    return [_text(value) for value in uniques] or [""], refs


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def term_positions(reader, field, term, candidates):
    """{docnum: word positions} of one term, for the documents in `candidates` (sorted) only.

    Blocks without a candidate are skipped unread; positions are decoded only for the
    candidates, which is what makes a phrase of common words affordable."""
    found = {}
    for segment, offset in reader.leaf_readers():
        local = candidates[(candidates >= offset) & (candidates < offset + segment.doc_count_all())] - offset
        if not len(local):
            continue
        try:
            matcher = segment.postings(field, term)
        except TermNotFound:
            continue
        while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
            matcher = matcher.child
        if not hasattr(matcher, "_read_ids"):
            return None  # an unfamiliar postings layout: let Whoosh check the phrase
        _segment_positions(matcher, local, offset, found)
    return found


def _segment_positions(matcher, local, offset, found):
    decode = matcher.format.decode_positions
    while matcher.is_active():
        matcher._read_ids()
        ids = np.asarray(matcher._ids, dtype=np.int64)
        wanted = np.flatnonzero(np.isin(ids, local, assume_unique=True))
        if len(wanted):
            matcher._read_values()
            for index in wanted.tolist():
                found[int(ids[index]) + offset] = decode(matcher._values[index])
        matcher._next_block()
