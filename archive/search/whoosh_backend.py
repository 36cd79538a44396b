"""Where an index written before the search package was split (2026-11-30, archive.search.whoosh)
finds its schema's field format and its segments' codec: Whoosh pickles them with each class's module path, so
without this name such an index could not be opened until it was rebuilt."""

from archive.search.whoosh.arrays import ArchiveCodec, PreAnalysedPositions

__all__ = ["ArchiveCodec", "PreAnalysedPositions"]
