"""Whoosh, embedded: the default engine. Whoosh's private API stays in this package."""
