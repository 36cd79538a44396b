"""The compare view's charts: up to five searches over the same periods, as counts and as shares."""

from dataclasses import dataclass, field

from django.http import QueryDict
from django.urls import reverse

from archive.charts import format_percent, line_chart
from archive.events import EventScope
from archive.models import Actor, Event
from archive.search import query as q
from archive.search.histogram import compared_histograms
from archive.search.resolve import actor_slugs_named
from archive.search.service import IndexUnavailable, SearchRequest, search
from archive.timeline_context import period_links


@dataclass
class Comparison:
    counts: object = None
    shares: object = None
    rows: list = field(default_factory=list)  # (period, [(count, share text, url)])
    series: list = field(default_factory=list)  # (label, total, url, not charted: undated or too coarse)
    notices: list = field(default_factory=list)
    unavailable: bool = False


def series_label(text, parsed):
    """An actor's name for `actor:slug`, else the query as typed."""
    if isinstance(parsed.tree, q.Filter) and parsed.tree.field == "actor":
        slugs = actor_slugs_named(parsed.tree.value)
        if len(slugs) == 1:
            return Actor.objects.get(slug=slugs[0]).name
    return text


def compare_chart(series, notices, granularity=None, all_languages=False):
    comparison = Comparison(notices=notices)
    searched = []
    for text, parsed in series:
        try:
            searched.append((text, parsed, search(SearchRequest(query=parsed))))
        except q.QueryTooBroad as error:
            comparison.notices.append(f"“{text}” was left out: {error}")
        except IndexUnavailable:
            comparison.unavailable = True
            return comparison
    if not searched:
        return comparison
    histograms = compared_histograms([results for _, _, results in searched], granularity)
    if granularity and histograms[0].buckets and histograms[0].granularity != granularity:
        comparison.notices.append("Monthly periods need a span of at most twenty years; the chart is by year.")
    search_url = reverse("archive:search")
    named = []
    for (text, parsed, results), histogram in zip(searched, histograms, strict=True):
        query = QueryDict(mutable=True)
        query["q"] = text
        if all_languages:
            query["xlang"] = "1"
        named.append((series_label(text, parsed), histogram, f"{search_url}?{query.urlencode()}"))
        not_charted = histogram.undated + sum(bucket.count for bucket in histogram.coarser)
        comparison.series.append((named[-1][0], results.count, named[-1][2], not_charted))
    if not histograms[0].buckets:
        return comparison
    overlapping = Event.objects.overlapping(histograms[0].first, histograms[0].last).prefetch_related("actors")
    events = EventScope(trees=[parsed.tree for _, parsed, _ in searched]).chosen(overlapping)
    comparison.counts = line_chart(named, "Articles per period", events=events)
    comparison.shares = line_chart(named, "Share of all articles per period", share=True, events=events)
    comparison.rows = _rows(named, search_url)
    return comparison


def _rows(named, search_url):
    rows = []
    links = [period_links(QueryDict(url.split("?", 1)[1])) for _, _, url in named]
    for i, bucket in enumerate(named[0][1].buckets):
        cells = []
        for (_, histogram, _), link in zip(named, links, strict=True):
            this = histogram.buckets[i]
            cells.append((this.count, format_percent(this.share), search_url + link(this.period), this.uncertain))
        rows.append((bucket.period, cells))
    return rows
