"""Date histograms of search hits, counted with NumPy over the snapshot's date columns."""

import numpy as np

from archive.timeline import (
    MAX_CHOSEN_MONTH_BARS,
    MAX_DAY_BARS,
    MAX_MONTH_BARS,
    Granularity,
    choose_granularity,
    extent,
    histogram,
    with_shares,
)

# A requested range is drawn whole (a month as all its days, empty ones too) unless it needs more bins than this.
MAX_BINS = {Granularity.DAY: MAX_DAY_BARS, Granularity.MONTH: MAX_MONTH_BARS, Granularity.YEAR: 30}


def results_histogram(results):
    """The hits of `results` bucketed over the range the request asked for, or the hits' own extent."""
    starts, ends = results.hit_dates()
    span, granularity = search_span(results.request.date_from, results.request.date_to, extent(starts, ends))
    return histogram(starts, ends, span, granularity)


def archive_histogram(snapshot, span, granularity):
    """Every article in the index over the same bins, to turn counts into shares."""
    live = snapshot.live
    return histogram(snapshot.date_start[live], snapshot.date_end[live], span, granularity)


def search_span(date_from, date_to, hits_extent):
    """(span, granularity): the requested range when both ends are given and it is not absurdly wide,
    else the hits' own extent within it. (None, None) when no hit is dated."""
    if hits_extent is None:
        return None, None
    if date_from and date_to:
        granularity = choose_granularity(date_from, date_to)
        if bin_count((date_from, date_to), granularity) <= MAX_BINS[granularity]:
            return (date_from, date_to), granularity
    first, last = max(date_from or hits_extent[0], hits_extent[0]), min(date_to or hits_extent[1], hits_extent[1])
    span = (first, last) if first <= last else hits_extent
    return span, choose_granularity(*span)


def allowed_granularity(span, wanted):
    """The bins asked for when the span allows them (months over at most twenty years), else by the span."""
    if wanted == Granularity.MONTH and bin_count(span, wanted) <= MAX_CHOSEN_MONTH_BARS:
        return wanted
    if wanted == Granularity.YEAR:
        return wanted
    return choose_granularity(*span)


def bin_count(span, granularity):
    first, last = span
    if granularity == Granularity.DAY:
        return (last - first).days + 1
    if granularity == Granularity.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def compared_histograms(results_list, granularity=None):
    """One histogram per search over their common span and bins, each bucket knowing its share of all articles.

    `granularity` is the reader's choice of bins; None chooses by the span.
    """
    snapshot = results_list[0].snapshot
    either = np.logical_or.reduce([results.compiled.mask for results in results_list])
    span = extent(snapshot.date_start[either], snapshot.date_end[either])
    if span is None:
        return [histogram(*_dates(snapshot, results.compiled.mask)) for results in results_list]
    granularity = allowed_granularity(span, granularity)
    everything = archive_histogram(snapshot, span, granularity)
    return [
        with_shares(histogram(*_dates(snapshot, results.compiled.mask), span, granularity), everything)
        for results in results_list
    ]


def _dates(snapshot, mask):
    return snapshot.date_start[mask], snapshot.date_end[mask]
