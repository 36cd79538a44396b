"""Facet counts as people read them: labels from the database, and what clicking each one does."""

import calendar
from dataclasses import dataclass

from archive.models import Actor, Source
from archive.querylinks import QueryLinks
from archive.search.facets import FACETS
from archive.search.resolve import language_name

TOP_ACTORS = 20


@dataclass
class FacetEntry:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # the query string that toggles this value


@dataclass
class Facet:
    name: str
    title: str
    entries: list
    hidden: list  # beyond the first TOP_ACTORS: shown under "show all"


def labels_for(name, values):
    if name == "source":
        return dict(Source.objects.filter(slug__in=values).values_list("slug", "name"))
    if name == "actor":
        return dict(Actor.objects.filter(slug__in=values).values_list("slug", "name"))
    if name == "kind":
        return dict(Source.Kind.choices)
    if name == "lang":
        return {value: language_name(value) for value in values}
    if name == "month":
        return {value: f"{calendar.month_name[int(value) % 100]} {int(value) // 100}" for value in values}
    return {value: str(value) for value in values}


def facet_display(facets, filters, base_query):
    """A Facet per field, with the currently selected values first."""
    shown = []
    for name, counts in facets.items():
        selected = filters.get(name, [])
        counted = {str(value): count for value, count in counts}
        values = list(dict.fromkeys(list(selected) + list(counted)))
        labels = FACETS[name].labels(values)
        # Choosing a year drops the month filter: months of another year would match nothing.
        links = QueryLinks(base_query, (name, "month") if name == "year" else (name,))
        entries = []
        for value in values:
            toggled = [v for v in selected if v != value] if value in selected else [*selected, value]
            url = links.link([(name, v) for v in toggled])
            entries.append(FacetEntry(value, labels.get(value, value), counted.get(value, 0), value in selected, url))
        if entries:
            limit = TOP_ACTORS if name == "actor" else len(entries)
            shown.append(Facet(name, FACETS[name].title, entries[:limit], entries[limit:]))
    return shown


@dataclass
class Count:
    value: str
    label: str
    count: int


HOME_TOP = 10


def archive_overview():
    """The whole archive counted by source, language, year and actor, from the index's facets.

    The engine counts these for any search in a few milliseconds; GROUP BYs over the article
    and mention tables took over a second a page at 50,000 articles.
    """
    from archive.search.service import SearchRequest, search

    results = search(SearchRequest())
    return {
        "article_count": results.count,
        "by_source": counts_of(results.facets, "source", HOME_TOP),
        "by_language": counts_of(results.facets, "lang"),
        "by_year": counts_of(results.facets, "year"),
        "top_actors": counts_of(results.facets, "actor", HOME_TOP),
    }


def counts_of(facets, name, limit=None):
    counts = [(str(value), count) for value, count in facets.get(name, [])[:limit]]
    labels = FACETS[name].labels([value for value, _ in counts])
    return [Count(value, labels.get(value, value), count) for value, count in counts]
