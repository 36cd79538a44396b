"""One Whoosh segment's on-disk data read straight into NumPy arrays, a block or a column at a time.

Whoosh's own readers hand out one Python value per document or posting (a few µs
each), which at 100,000 articles turns a snapshot load or a common term into seconds.
These helpers read the same bytes in bulk: numeric columns with `np.frombuffer`, term
postings and positions one block (up to 128 postings) at a time, and field lengths from
the per-segment length column. They only read; the index format is Whoosh's own.
Document numbers are the segment's own (see segments.py). One writer lives here too:
merge_from_snapshot, which drives Whoosh's SegmentWriter outside the index's lock.

This is the one module that touches Whoosh's private API (underscored attributes, codec
internals): when a Whoosh release changes them, this file is what to read and fix. Each
use has a general fallback or a test in tests/test_search_speed.py that holds it to
Whoosh's public answer.
"""

import copy
import io
import itertools
import pickle
import shutil
import struct
import zlib
from collections import defaultdict

import numpy as np

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", SyntaxWarning)
    from whoosh import formats
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3TermInfo, W3TermsReader, _lenfield
    from whoosh.filedb.filestore import FileStorage
    from whoosh.formats import Positions
    from whoosh.reading import SegmentReader, TermNotFound
    from whoosh.util.numeric import byte_to_length
    from whoosh.writing import SegmentWriter

# The length each of Whoosh's 256 length bytes stands for.
LENGTH_OF_BYTE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float32)


def numeric_segment(segment, name, count):
    """The int64 values of a sortable numeric field for every document (0 where missing)."""
    if count == 0 or not segment.has_column(name):
        return np.zeros(count, dtype=np.int64)
    raw = segment.column_reader(name, translate=False)
    if getattr(raw, "_typecode", None) is None:  # an unfamiliar column layout: the slow, general way
        return np.array(list(segment.column_reader(name)), dtype=np.int64)
    signed = segment.schema[name].signed
    # Whoosh stores signed numbers with the top bit flipped, so they sort as unsigned bytes.
    dtype = np.dtype(">" + raw._typecode)
    stored = min(raw._count, count)
    values = np.full(count, raw._default, dtype=dtype.newbyteorder("="))
    values[:stored] = np.frombuffer(raw._dbfile.get(raw._basepos, stored * dtype.itemsize), dtype)
    if signed:
        signed_type = np.dtype(f"int{dtype.itemsize * 8}")
        values = (values ^ np.array(1 << (dtype.itemsize * 8 - 1), dtype=values.dtype)).view(signed_type)
    return values.astype(np.int64)


def digest_segment(segment, name, count):
    """Each document's fixed-length digest column as hex ("" where missing: an entry
    written before the column existed, or without a value)."""
    if count == 0 or not segment.has_column(name):
        return [""] * count
    raw = segment.column_reader(name, translate=False)
    width = getattr(raw, "_fixedlen", None)
    if width is None or not hasattr(raw, "_dbfile"):  # an unfamiliar column layout: one value at a time
        digests = [bytes(value) for value in raw]
    else:
        stored = min(raw._count, count)
        data = raw._dbfile.get(raw._basepos, stored * width)
        digests = [data[start : start + width] for start in range(0, stored * width, width)]
        digests += [raw._default] * (count - stored)
    return ["" if not digest.strip(b"\0") else digest.hex() for digest in digests]


def segment_lengths(segment, field, count):
    """Each document's number of terms in `field`, as Whoosh recorded it (float32)."""
    lengths = np.zeros(count, dtype=np.float32)
    perdoc = getattr(segment, "_perdoc", None)
    column_reader = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc else None
    if column_reader is not None:
        stored = min(column_reader._count, count)
        raw = column_reader._dbfile.get(column_reader._basepos, stored)
        lengths[:stored] = LENGTH_OF_BYTE[np.frombuffer(raw, dtype=np.uint8)]
    return lengths


def category_segment(segment, name, count):
    """(distinct values, each document's index into them) of a sortable ID field ("" where none)."""
    if count == 0 or not segment.has_column(name):
        return [""], np.zeros(count, dtype=np.int64)
    column_reader = segment.column_reader(name, translate=False)
    uniques = getattr(column_reader, "_uniques", None)
    if uniques is not None:  # RefBytes: the distinct values, then one reference per document
        raw = column_reader._dbfile.get(column_reader._basepos, count * column_reader._itemsize)
        refs = np.frombuffer(raw, dtype=">" + column_reader._typecode).astype(np.int64)
        return [_text(value) for value in uniques] or [""], refs
    lengths = getattr(column_reader, "_lengths", None)
    if lengths is not None:  # VarBytes (what ID fields get): every value's bytes, back to back
        data = column_reader._dbfile.get(column_reader._basepos, sum(lengths))
        ends = np.cumsum(np.asarray(lengths, dtype=np.int64)).tolist()
        values = [data[end - length : end] for end, length in zip(ends, lengths, strict=True)]
    else:  # an unfamiliar layout: one value at a time
        values = list(column_reader)
    distinct = sorted(set(values))
    lookup = {value: code for code, value in enumerate(distinct)}
    return [_text(value) for value in distinct] or [""], np.array([lookup[value] for value in values], dtype=np.int64)


def actor_lists(segment):
    """(actor slugs, docnums, index of each docnum's slug): who is tagged in which document."""
    labels, docs, codes = [], [], []
    for code, (label, ids) in enumerate(field_postings(segment, "actors")):
        labels.append(label)
        docs.append(ids)
        codes.append(np.full(len(ids), code, dtype=np.int32))
    if not docs:
        return labels, np.zeros(0, np.int64), np.zeros(0, np.int32)
    return labels, np.concatenate(docs).astype(np.int64), np.concatenate(codes)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def segment_postings(segment, field, term):
    """(docnums int32, term frequencies float32) of one term."""
    blocks = _term_blocks(segment, field, term)
    if blocks is None:  # not Whoosh 3's terms and postings: one posting at a time
        matcher = _block_matcher(segment, field, term)
        items = list(matcher.items_as("weight")) if matcher is not None else []
        return (
            np.array([docnum for docnum, _ in items], dtype=np.int32),
            np.array([weight for _, weight in items], dtype=np.float32),
        )
    if not blocks:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return _block_ids(blocks).astype(np.int32), _block_weights(blocks)


def segment_positions(segment, field, term):
    """Every occurrence of one term as docnum << 32 | word position, sorted.

    Whoosh keeps each posting's positions as a pickled list of gaps; unpickling is C and
    the running sums are one vector operation, where Whoosh's decode_positions costs
    ~15 µs a document in a Python loop."""
    if field not in segment.schema:
        return np.zeros(0, dtype=np.int64)
    blocks = _term_blocks(segment, field, term) if isinstance(segment.schema[field].format, Positions) else None
    if blocks is None:  # an unfamiliar layout: Whoosh decodes them
        matcher = _block_matcher(segment, field, term)
        found = matcher.items_as("positions") if matcher is not None else []
        pairs = [(docnum, position) for docnum, positions in found for position in positions]
        return np.array([(docnum << 32) | position for docnum, position in pairs], dtype=np.int64)
    if not blocks:
        return np.zeros(0, dtype=np.int64)
    # Each value is a count (4 bytes), then the pickled list of gaps, sometimes without pickle's
    # final ".". The lists' opcodes, back to back between a MARK and a LIST, are one pickle of
    # all of them: one loads for the whole term instead of one a posting (~1 µs each).
    bodies = [value[4:-1] if value.endswith(b".") else value[4:] for _, (_, _, values) in blocks for value in values]
    lists = pickle.loads(b"(" + b"".join(bodies) + b"l.")
    gaps = list(itertools.chain.from_iterable(lists))
    if not gaps:
        return np.zeros(0, dtype=np.int64)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    positions = np.cumsum(np.array(gaps, dtype=np.int64))
    starts = np.cumsum(counts) - counts  # where each document's gaps begin
    positions -= np.repeat(positions[starts] - np.array(gaps, dtype=np.int64)[starts], counts)
    return (np.repeat(_block_ids(blocks), counts) << 32) | positions


# A W3 postings list: a 4-byte magic, then blocks of (signed int: the block's byte length,
# negative for the last; the pickled block info; its data, a zlib-compressed pickle of
# (docnum gaps, weights, values)). The whole list is read in one call and decoded with
# struct, pickle and zlib, without Whoosh's per-block file reads and generators: a quarter
# off some words' first read at 100,000 articles (most of that time is the term lookups).
BLOCK_LENGTH = struct.Struct("!i")
HEADER_BYTES = 4
BLOCK_COUNT, BLOCK_COMPRESSION = 0, 3


def _term_blocks(segment, field, term):
    """The blocks (posting count, (docnum gaps, weights, values)) of one term's postings in a
    segment, [] when it has none, None when they are not Whoosh 3's blocks. Read from the term's
    entry: Whoosh's matcher would read and decode the first block again, and in a segment
    with deletions make a set of them all, on every look-up (a query's first read makes a
    few hundred, one per segment, field and form of each word)."""
    terms = getattr(segment, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return None
    try:
        info = terms.term_info(field, segment._text_to_bytes(field, term))
    except (TermNotFound, KeyError):  # KeyError: a field this segment never held
        return []
    if info.is_inlined():  # kept in the entry itself (Whoosh 2.7.4 never writes them so): Whoosh reads them
        return None
    offset, length = info.extent()
    return list(_blocks_at(terms._postfile, offset, length))


def _blocks_at(postfile, offset, extent):
    """The blocks of the postings list at `offset` of `postfile`, `extent` bytes long."""
    extent = extent[0] if isinstance(extent, tuple) else extent  # a 1-tuple when read back from a terms file
    data = postfile.get(offset + HEADER_BYTES, extent - HEADER_BYTES)
    position, loads = 0, pickle.loads
    while position < len(data):
        (length,) = BLOCK_LENGTH.unpack_from(data, position)
        start, end = position + BLOCK_LENGTH.size, position + BLOCK_LENGTH.size + abs(length)
        stream = io.BytesIO(data[start:end])
        info = pickle.load(stream)
        body = stream.read()
        yield info[BLOCK_COUNT], loads(zlib.decompress(body) if info[BLOCK_COMPRESSION] else body)
        if length < 0:
            break
        position = end


def _block_ids(blocks):
    """Every block's docnums (each block's gaps start from 0) as one int64 array."""
    counts = np.array([count for count, _ in blocks], dtype=np.int64)
    gaps = np.array([gap for _, (block_gaps, _, _) in blocks for gap in block_gaps], dtype=np.int64)
    ids = np.cumsum(gaps)
    starts = np.cumsum(counts) - counts
    return ids - np.repeat(ids[starts] - gaps[starts], counts)


def _block_weights(blocks):
    """Every block's weights: stored as None when all are 1, as one float when all are equal."""
    parts = []
    for count, (_, weights, _) in blocks:
        if weights is None or isinstance(weights, float):
            parts.append(np.full(count, 1.0 if weights is None else weights, dtype=np.float32))
        else:
            parts.append(np.asarray(weights, dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _block_matcher(segment, field, term):
    """The term's postings matcher beneath any deletion filter (the live mask does that), or None."""
    try:
        matcher = segment.postings(field, term)
    except TermNotFound:  # one lookup instead of asking `in` first
        return None
    while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
        matcher = matcher.child
    return matcher


# Whoosh's hash files store each entry as (key length, value length), key, value; a term's
# key is its field number (2 bytes) and its text, its value a W3TermInfo whose document
# frequency is the uint after a flag byte and a float.
ENTRY_LENGTHS = struct.Struct("!ii")
FIELD_NUMBER = struct.Struct("!H")
DOC_FREQUENCY = struct.Struct("!I")
DOC_FREQUENCY_AT = 5
TERMS_CHUNK = 1 << 16


def segment_document_frequencies(segment, field):
    """{term: number of documents} of one field, read from the terms file in one pass
    (Whoosh's iter_field costs ~15 µs a term: seconds for a 5,000-article segment)."""
    entries = _field_entries(segment, field)
    if entries is None:  # an unfamiliar layout: Whoosh's own way
        return {term.decode("utf-8"): info.doc_frequency() for term, info in segment.iter_field(field)}
    return {term: DOC_FREQUENCY.unpack_from(info, DOC_FREQUENCY_AT)[0] for term, info in entries}


def field_postings(segment, field):
    """(term, docnums) of every term of a field, from one pass over the terms file: a term at a
    time through Whoosh's lookups and matchers cost 0.18 ms each, 18 s for the actors of a
    million articles (~110,000 terms in 410 segments) on a worker's first search."""
    entries = _field_entries(segment, field)
    if entries is None:
        labels = [term.decode("utf-8") for term in segment.lexicon(field)]
        return [(label, segment_postings(segment, field, label)[0]) for label in labels]
    postfile = segment._terms._postfile
    found = []
    for term, info_bytes in entries:
        info = W3TermInfo.from_bytes(info_bytes)
        if info.is_inlined():
            ids = np.asarray(info.inlined_postings()[0], dtype=np.int32)
        else:
            offset, length = info.extent()
            ids = _block_ids(list(_blocks_at(postfile, offset, length))).astype(np.int32)
        found.append((term, ids))
    return found


def _field_entries(segment, field):
    """(term, its W3TermInfo's bytes) of each of a field's terms, or None when the terms file is
    not Whoosh 3's hash table. Keys begin with the field's number and are stored in order, so
    the field's entries are one run, found by the table's own binary search and read in chunks."""
    terms = getattr(segment, "_terms", None)
    table = getattr(terms, "_tindex", None)
    if table is None or not hasattr(table, "closest_key_pos"):
        return None
    number = terms._fieldmap.get(field)
    if number is None:
        return []
    wanted = FIELD_NUMBER.pack(number)
    position, entries, size = table.closest_key_pos(wanted), [], TERMS_CHUNK
    while position is not None and position < table.endofdata:
        data = table.dbfile.get(position, min(size, table.endofdata - position))
        at = 0
        while at + ENTRY_LENGTHS.size <= len(data):
            key_length, value_length = ENTRY_LENGTHS.unpack_from(data, at)
            key_at = at + ENTRY_LENGTHS.size
            value_at, end = key_at + key_length, key_at + key_length + value_length
            if end > len(data):
                break  # the entry goes on past this chunk: the next chunk starts with it
            if data[key_at : key_at + 2] != wanted:
                return entries
            entries.append((data[key_at + 2 : value_at].decode("utf-8"), data[value_at:end]))
            at = end
        size = TERMS_CHUNK if at else size * 2  # an entry larger than a chunk: read more at once
        position += at
    return entries


# Beyond reading: the other private bits of Whoosh we lean on ---------------------------


def segment_of(segment_reader):
    """The Segment a SegmentReader reads (its id names the segment's files)."""
    return segment_reader._segment


def deleted_docnums(segment_reader):
    """The segment's deleted document numbers as an int64 array."""
    return np.fromiter(segment_reader._perdoc.deleted_docs(), dtype=np.int64)


def reader_sharing_files(holder, segment, on_close):
    """A reader of `segment` that reads through the files `holder` (a SegmentReader of the
    same segment id, perhaps with older deletions) has open, and sees `segment`'s deletions:
    a reader's deletions are its Segment's (SegmentReader._segment and its per-document
    reader's). Closing it calls `on_close` once and leaves the files open."""
    reader = copy.copy(holder)
    reader._segment = segment
    reader._perdoc = copy.copy(holder._perdoc)
    reader._perdoc._segment = segment

    def close():
        if not reader.is_closed:
            reader.is_closed = True
            on_close()

    reader.close = close
    return reader


def finalize_segment(writer):
    """Finish a SegmentWriter's segment without committing it to the index (as Whoosh's own
    MpWriter does for its sub-writers): the rebuild adds every worker's segment at once."""
    return writer._finalize_segment()


class PreAnalysedPositions(formats.Positions):
    """Whoosh's Positions format for text we analysed ourselves: terms are split on spaces
    in one pass instead of through Whoosh's token pipeline (a Token object per word),
    which was a third of the indexing work. What it writes is Positions' own encoding."""

    def word_values(self, value, analyzer, **kwargs):
        positions = defaultdict(list)
        for position, term in enumerate(value.split()):
            positions[term].append(position)
        for term, places in positions.items():
            yield term, len(places), len(places) * self.field_boost, self.encode(places)


class ArchiveCodec(W3Codec):
    """Whoosh's codec without per-term length statistics. They let Whoosh skip blocks when it
    ranks, which we do in NumPy; collecting them read every posting's document length back
    from disk, a fifth of all indexing work."""

    length_stats = False


class _Snapshot:
    """What a SegmentWriter reads of an index: here a snapshot's segments, written elsewhere."""

    def __init__(self, storage, indexname, toc):
        self.storage, self.indexname, self.toc = storage, indexname, toc

    def _read_toc(self):
        return self.toc


def merge_from_snapshot(storage, indexname, snapshot, parts, folder):
    """The segments `parts` of `snapshot` merged into one new segment, written to `folder`
    without the index's lock (backend.merge_aside), with a SegmentWriter that reads the
    snapshot instead of the index and is never committed; deleted documents are left out."""
    shutil.rmtree(folder, ignore_errors=True)
    staging = FileStorage(folder, supports_mmap=False).create()
    writer = SegmentWriter(_Snapshot(staging, indexname, snapshot), _lk=False, codec=ArchiveCodec())
    for segment in parts:
        with SegmentReader(storage, snapshot.schema, segment) as reader:
            writer.add_reader(reader)
    merged = finalize_segment(writer)
    writer._finish()
    return staging, merged
