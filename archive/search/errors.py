"""What any search engine may answer instead of results, whichever engine it is."""


class IndexUnavailable(Exception):
    """The index cannot be read or written right now (locked, missing, disk full, cluster down)."""


class IndexBusy(IndexUnavailable):
    """Another process holds the write lock; the change waits in the outbox for it."""


class NotSupported(Exception):
    """This engine cannot do what was asked; pages answer 501 with this message."""
