"""What a page needs to show a timeline: the histogram, its chart, links, events and notes."""

from dataclasses import dataclass, field

from django.urls import reverse

from archive.charts import bar_chart
from archive.events import EventScope
from archive.models import Event
from archive.querylinks import QueryLinks
from archive.search.histogram import results_histogram
from archive.timeline import Granularity, choose_granularity, extent, queryset_date_arrays
from archive.timeline import histogram as timeline_histogram

MAX_ACTOR_MONTHS = 240
UNIT_NAMES = {Granularity.YEAR: "year", Granularity.MONTH: "month", Granularity.DAY: "day"}


@dataclass
class Timeline:
    histogram: object
    chart: object = None
    coarser: list = field(default_factory=list)  # (bucket, url) for months/years too coarse for the bins
    events: list = field(default_factory=list)
    bars_search: bool = True  # a bar opens a search (which also lists overlapping coarser dates), not a browse page

    @property
    def undated(self):
        return self.histogram.undated


def period_links(query):
    """period → `query` (a QueryDict or dict) as a query string narrowed to that period, page reset."""
    links = QueryLinks(query, ("date_from", "date_to"))
    return lambda period: links.link([("date_from", period.key), ("date_to", period.key)])


def timeline_for(histogram, link_for, title, bars_search=True, scope=None):
    """A Timeline with its bar chart and the events over its span that concern it (`scope`: an
    EventScope; None marks every event, as the archive-by-date timelines do)."""
    if not histogram.buckets:
        return Timeline(histogram, bars_search=bars_search)
    events = Event.objects.overlapping(histogram.first, histogram.last).prefetch_related("actors")
    events = list(events) if scope is None else scope.chosen(events)
    chart = bar_chart(histogram, link_for, title, events)
    coarser = [(bucket, link_for(bucket.period)) for bucket in histogram.coarser]
    return Timeline(histogram, chart, coarser, chart.events, bars_search)


def search_timeline(results, query):
    """The hits of a search page by period; each bar is the same search narrowed to its period."""
    histogram = results_histogram(results)
    title = f"Matching articles per {UNIT_NAMES[histogram.granularity]}"
    return timeline_for(histogram, period_links(query), title, scope=EventScope.of_search(results.request))


def filtered_timeline(articles, search_filter, title, scope=None):
    """An actor's or a source's articles by month (by year past twenty years); bars open the search."""
    starts, ends = queryset_date_arrays(articles)
    span = extent(starts, ends)
    granularity = Granularity.YEAR
    if span and choose_granularity(*span, max_months=MAX_ACTOR_MONTHS) != Granularity.YEAR:
        granularity = Granularity.MONTH
    search_url = reverse("archive:search")
    histogram = timeline_histogram(starts, ends, span, granularity)
    link = period_links(search_filter)
    return timeline_for(histogram, lambda period: search_url + link(period), title, scope=scope or EventScope())
