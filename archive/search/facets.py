"""The facet registry: every facet the search page, the API, the form and every engine show.

A facet is one entry here (its name in URLs, title, the index field it counts, how a
typed value is resolved to the labels the index holds, how a label reads, how many
values are kept and in which order) plus its index field. The form allow-lists its
values, each engine counts and filters it, the API and the templates list it, all from
this registry.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

KEYWORD = "keyword"  # one label per article (a slug, a code)
KEYWORDS = "keywords"  # several labels per article (actors)
NUMBER = "number"  # a number derived from the date (year, month)

BY_COUNT = "count"  # most frequent first, then by label
NEWEST_FIRST = "newest"  # largest value first (years, months)

ANY_LABEL = re.compile(r"^[\w.\- ]{1,100}$", re.UNICODE)


def _identity(values, notices):
    return [str(value) for value in values]


def _same_labels(values):
    return {value: str(value) for value in values}


def _numbers(values, notices):
    return [int(value) for value in values if str(value).isdigit()]


def _always(filters):
    return True


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter and the key in results.facets
    title: str
    field: str  # the index field counted and filtered
    kind: str = KEYWORD
    size: int = 100  # values kept (most frequent, or newest)
    ordering: str = BY_COUNT
    value_pattern: re.Pattern = ANY_LABEL  # what the form accepts as a value
    resolve: Callable = _identity  # (values typed or clicked, notices) → index labels
    labels: Callable = _same_labels  # (index labels) → {label: what people read}
    shown_when: Callable = _always  # (the request's filters) → whether to count it at all
    article_value: Callable | None = None  # for a facet added to the index: article → its label

    @property
    def numeric(self):
        return self.kind == NUMBER

    def ordered(self, counts):
        """[(value, count)] in this facet's order, at most `size` of them, none counted zero
        (nor an undated article's year 0)."""
        counts = [(value, count) for value, count in counts if count and not (self.numeric and value <= 0)]
        if self.ordering == NEWEST_FIRST:
            return sorted(counts, reverse=True)[: self.size]
        return sorted(counts, key=lambda item: (-item[1], item[0]))[: self.size]

    def accepts(self, value):
        return bool(self.value_pattern.match(value))


class FacetRegistry:
    def __init__(self):
        self._facets = {}
        self._builtin = set()

    def register(self, facet, builtin=False):
        self._facets[facet.name] = facet
        if builtin:
            self._builtin.add(facet.name)
        return facet

    def unregister(self, name):
        self._facets.pop(name, None)

    def __iter__(self):
        return iter(list(self._facets.values()))

    def __getitem__(self, name):
        return self._facets[name]

    def __contains__(self, name):
        return name in self._facets

    def shown(self, filters):
        """The facets a request's results count (a month facet only within one year)."""
        return [facet for facet in self if facet.shown_when(filters)]

    def added(self):
        """Facets registered beyond the built-in ones: their fields come from `article_value`."""
        return [facet for name, facet in self._facets.items() if name not in self._builtin]

    def keyword_fields(self):
        return [facet.field for facet in self if facet.kind == KEYWORD]


FACETS = FacetRegistry()


def _one_year(filters):
    # Months of several years would make a long list nobody reads; choose a year first.
    return len(filters.get("year", [])) == 1


def _resolver(field):
    def resolve(values, notices):
        from archive.search.resolve import resolve_values

        return resolve_values(field, values, notices)

    return resolve


def _labels(field):
    def labels(values):
        from archive.search.summary import labels_for

        return labels_for(field, values)

    return labels


for _facet in (
    Facet("source", "Source", "source", size=200, resolve=_resolver("source"), labels=_labels("source")),
    Facet("kind", "Source kind", "kind", size=20, resolve=_resolver("kind"), labels=_labels("kind")),
    Facet("lang", "Language", "lang", size=50, resolve=_resolver("lang"), labels=_labels("lang")),
    Facet("actor", "Actor", "actors", KEYWORDS, size=500, resolve=_resolver("actor"), labels=_labels("actor")),
    Facet("year", "Year", "year", NUMBER, 200, NEWEST_FIRST, re.compile(r"^\d{4}$"), _numbers),
    Facet("month", "Month", "month", NUMBER, 12, NEWEST_FIRST, re.compile(r"^\d{6}$"), _numbers,
          labels=_labels("month"), shown_when=_one_year),
):  # fmt: skip
    FACETS.register(_facet, builtin=True)
