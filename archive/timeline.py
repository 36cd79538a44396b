"""Dates into bins: periods, bucket counts at each article's own precision, share of all.

Every date is a pair of yyyymmdd integers, the first and last day of the period it is
known to (0 when unknown), as the search snapshot holds them. An article known only to
its month is counted in that month, never on an invented day: at day granularity it is
set apart as "known only to the month", and a year-only article likewise.
"""

import calendar
import datetime
import enum
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

from archive.models import DatePrecision, period_end
from archive.search.document import date_number

MAX_DAY_BARS = 92  # about a quarter: day by day
MAX_MONTH_BARS = 72  # up to six years: month by month; beyond that, years
MAX_CHOSEN_MONTH_BARS = 240  # a reader may ask for months over up to twenty years (the compare view)
MIN_ARTICLES_FOR_SHARE = 20  # a share of fewer articles than this swings on one text: marked uncertain
MIN_YEAR, MAX_YEAR = 1, 9999


class Granularity(enum.IntEnum):
    """Ordered from coarse to fine, so `precision < granularity` means "too coarse for this bin"."""

    YEAR = 1
    MONTH = 2
    DAY = 3


KEY_LENGTH = {Granularity.YEAR: 4, Granularity.MONTH: 7, Granularity.DAY: 10}


@dataclass(frozen=True, order=True)
class Period:
    """A year, a month or a day."""

    granularity: Granularity
    year: int
    month: int = 1
    day: int = 1

    @classmethod
    def of(cls, date, granularity):
        if granularity == Granularity.YEAR:
            return cls(granularity, date.year)
        if granularity == Granularity.MONTH:
            return cls(granularity, date.year, date.month)
        return cls(granularity, date.year, date.month, date.day)

    @classmethod
    def from_number(cls, number, granularity):
        """From a bin number: yyyy, yyyymm or yyyymmdd."""
        if granularity == Granularity.YEAR:
            return cls(granularity, number)
        if granularity == Granularity.MONTH:
            return cls(granularity, number // 100, number % 100)
        return cls(granularity, number // 10000, number // 100 % 100, number % 100)

    @property
    def start(self):
        return datetime.date(self.year, self.month, self.day)

    @property
    def end(self):
        if self.granularity == Granularity.YEAR:
            return datetime.date(self.year, 12, 31)
        if self.granularity == Granularity.MONTH:
            return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return self.start

    @property
    def key(self):
        """2021, 2021-12 or 2021-12-01: what the search form's date fields accept."""
        return self.start.isoformat()[
            : {Granularity.YEAR: 4, Granularity.MONTH: 7, Granularity.DAY: 10}[self.granularity]
        ]

    @property
    def label(self):
        if self.granularity == Granularity.YEAR:
            return str(self.year)
        if self.granularity == Granularity.MONTH:
            return f"{calendar.month_name[self.month]} {self.year}"
        return f"{self.day} {calendar.month_abbr[self.month]} {self.year}"

    @property
    def short_label(self):
        """What fits under a bar: 2021, Dec, 1."""
        if self.granularity == Granularity.YEAR:
            return str(self.year)
        if self.granularity == Granularity.MONTH:
            return calendar.month_abbr[self.month]
        return str(self.day)

    @property
    def number(self):
        return {Granularity.YEAR: self.year, Granularity.MONTH: self.year * 100 + self.month}.get(
            self.granularity, self.year * 10000 + self.month * 100 + self.day
        )

    def shifted(self, steps):
        """The period `steps` later (or earlier, when negative); None outside years 1–9999."""
        try:
            if self.granularity == Granularity.YEAR:
                return (
                    Period(self.granularity, self.year + steps) if MIN_YEAR <= self.year + steps <= MAX_YEAR else None
                )
            if self.granularity == Granularity.MONTH:
                months = self.year * 12 + self.month - 1 + steps
                return Period(self.granularity, months // 12, months % 12 + 1) if months >= 12 else None
            return Period.of(self.start + datetime.timedelta(days=steps), self.granularity)
        except (ValueError, OverflowError):
            return None


def number_date(number):
    return datetime.date(number // 10000, number // 100 % 100, number % 100)


def precision_of(starts, ends):
    """Each date's precision as a Granularity (0 when unknown), from its first and last day."""
    # Plain ints, not the IntEnum members: with those NumPy builds (slow) object arrays.
    precision = np.where(starts // 100 == ends // 100, int(Granularity.MONTH), int(Granularity.YEAR))
    precision = np.where(starts == ends, int(Granularity.DAY), precision)
    return np.where(starts > 0, precision, 0).astype(np.int8)


def bin_numbers(starts, granularity):
    """yyyy, yyyymm or yyyymmdd of each start."""
    if granularity == Granularity.YEAR:
        return starts // 10000
    return starts // 100 if granularity == Granularity.MONTH else starts


def choose_granularity(first, last, max_months=MAX_MONTH_BARS):
    """Day bins for a span up to a quarter, months up to six years, years beyond."""
    if (last - first).days < MAX_DAY_BARS:
        return Granularity.DAY
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return Granularity.MONTH if months <= max_months else Granularity.YEAR


def periods_between(first, last, granularity):
    """Every period from the one holding `first` to the one holding `last`, gaps included."""
    period, end = Period.of(first, granularity), Period.of(last, granularity)
    periods = []
    while period is not None and period <= end:
        periods.append(period)
        period = period.shifted(1)
    return periods


@dataclass
class Bucket:
    period: Period
    count: int
    total: int | None = None  # all articles in the period, for the share

    @property
    def share(self):
        """This bucket's fraction of all articles in its period (0 when the period is empty)."""
        return self.count / self.total if self.total else 0.0

    @property
    def uncertain(self):
        """A share computed from so few articles in the period that one text moves it a lot."""
        return self.total is not None and self.total < MIN_ARTICLES_FOR_SHARE


@dataclass
class Histogram:
    """Counts per period over a span, plus what cannot be placed in a bin of this size."""

    granularity: Granularity
    buckets: list
    coarser: list = field(default_factory=list)  # Buckets of months/years known only to that precision
    undated: int = 0
    outside: int = 0  # dated, but outside the span

    @property
    def first(self):
        return self.buckets[0].period.start if self.buckets else None

    @property
    def last(self):
        return self.buckets[-1].period.end if self.buckets else None

    @property
    def placed(self):
        return sum(bucket.count for bucket in self.buckets)

    @property
    def max_count(self):
        return max((bucket.count for bucket in self.buckets), default=0)

    @property
    def unit(self):
        return self.granularity.name.lower()


def extent(starts, ends):
    """(first day, last day) of the dated entries, or None when none is dated."""
    dated = starts > 0
    if not dated.any():
        return None
    return number_date(int(starts[dated].min())), number_date(int(ends[dated].max()))


def histogram(starts, ends, span=None, granularity=None, max_months=MAX_MONTH_BARS):
    """Bucket the dates over `span` (first, last), by default the dates' own extent.

    Dates coarser than the chosen granularity are counted per their own month or year in
    `coarser`; undated entries are counted apart.
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    span = span or extent(starts, ends)
    undated = int((starts == 0).sum())
    if span is None:
        return Histogram(granularity or Granularity.YEAR, [], undated=undated)
    first, last = span
    granularity = granularity or choose_granularity(first, last, max_months)
    periods = periods_between(first, last, granularity)
    precision = precision_of(starts, ends)
    inside = (starts > 0) & (starts <= date_number(periods[-1].end)) & (ends >= date_number(periods[0].start))
    fits = inside & (precision >= int(granularity))
    counts = _count(bin_numbers(starts[fits], granularity), [period.number for period in periods])
    buckets = [Bucket(period, count) for period, count in zip(periods, counts, strict=True)]
    coarser = _coarser_buckets(starts[inside & ~fits], precision[inside & ~fits])
    return Histogram(granularity, buckets, coarser, undated, int(((starts > 0) & ~inside).sum()))


def _count(values, numbers):
    numbers = np.asarray(numbers, dtype=np.int64)
    positions = np.searchsorted(numbers, values)
    positions = positions[(positions < len(numbers)) & (numbers[np.minimum(positions, len(numbers) - 1)] == values)]
    return np.bincount(positions, minlength=len(numbers)).tolist()


def _coarser_buckets(starts, precision):
    buckets = []
    for granularity in (Granularity.MONTH, Granularity.YEAR):
        numbers, counts = np.unique(bin_numbers(starts[precision == int(granularity)], granularity), return_counts=True)
        buckets += [
            Bucket(Period.from_number(int(n), granularity), int(c)) for n, c in zip(numbers, counts, strict=True)
        ]
    return buckets


def with_shares(histogram_of_hits, histogram_of_all):
    """Give each bucket the number of all articles in its period, for share-of-all charts."""
    totals = {bucket.period: bucket.count for bucket in histogram_of_all.buckets + histogram_of_all.coarser}
    for bucket in histogram_of_hits.buckets + histogram_of_hits.coarser:
        bucket.total = totals.get(bucket.period, 0)
    return histogram_of_hits


def date_arrays(rows):
    """(starts, ends) yyyymmdd arrays from (published_on, date_precision) rows, e.g. an ORM values_list."""
    starts, ends = [], []
    for published_on, precision in rows:
        if published_on is None or precision == DatePrecision.UNKNOWN:
            starts.append(0)
            ends.append(0)
        else:
            starts.append(date_number(published_on))
            ends.append(date_number(period_end(published_on, precision)))
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def queryset_date_arrays(articles):
    """(starts, ends) of an Article queryset: grouped by date in SQL, expanded here.

    Fetching one row per article spent most of an actor page's time turning 18,000 dates
    into Python objects; there are only a few thousand distinct (date, precision) pairs.
    """
    rows = list(articles.values_list("published_on", "date_precision").annotate(n=Count("id")).order_by())
    starts, ends = date_arrays((published_on, precision) for published_on, precision, _ in rows)
    repeats = np.array([n for _, _, n in rows], dtype=np.int64)
    return np.repeat(starts, repeats), np.repeat(ends, repeats)


def queryset_histogram(articles, span=None, granularity=None, max_months=MAX_MONTH_BARS):
    """The histogram of an Article queryset."""
    starts, ends = queryset_date_arrays(articles)
    return histogram(starts, ends, span, granularity, max_months)
