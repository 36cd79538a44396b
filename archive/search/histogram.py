"""Date histograms of search hits, counted with NumPy over the dates each engine returns."""

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
    dates = [results.hit_dates() for results in results_list]
    extents = [found for starts, ends in dates if (found := extent(starts, ends)) is not None]
    if not extents:
        return [histogram(starts, ends) for starts, ends in dates]
    span = (min(first for first, _ in extents), max(last for _, last in extents))
    granularity = allowed_granularity(span, granularity)
    everything = histogram(*results_list[0].archive_dates(), span, granularity)
    return [with_shares(histogram(starts, ends, span, granularity), everything) for starts, ends in dates]
