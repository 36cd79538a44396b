"""The archive by date: what the year, month and day pages show.

An article sits at the precision its date is known to: one known only to its month is
listed on the month page apart from the days, one known only to its year on the year
page, and an undated one on its own page. None is given an invented day.
"""

import datetime
from collections import Counter

from django.db.models import Count
from django.urls import reverse

from archive.charts import day_calendar, months_heatmap
from archive.models import Article, DatePrecision
from archive.timeline import Granularity, Period, queryset_histogram
from archive.timeline_context import timeline_for

MAX_HEATMAP_YEARS = 60


def month_url(year, month):
    return reverse("archive:month", args=[year, f"{month:02d}"])


def day_url(date):
    return reverse("archive:day", args=[date.year, f"{date.month:02d}", f"{date.day:02d}"])


def period_url(period):
    if period.granularity == Granularity.YEAR:
        return reverse("archive:year", args=[period.year])
    if period.granularity == Granularity.MONTH:
        return month_url(period.year, period.month)
    return day_url(period.start)


def dated():
    return Article.objects.published().dated()


def counts_by_period():
    """({year: n}, {(year, month): n}, {year: n known only to the year}) of the dated articles.

    Grouped by the stored date in SQL and folded into periods here: SQLite extracts a
    year or month with a Python function per row, which took a second at 50,000 articles.
    """
    years, months, year_only = Counter(), Counter(), Counter()
    rows = dated().values_list("published_on", "date_precision").annotate(n=Count("id")).order_by()
    for published_on, precision, n in rows:
        years[published_on.year] += n
        if precision == DatePrecision.YEAR:
            year_only[published_on.year] += n
        else:
            months[published_on.year, published_on.month] += n
    return years, months, year_only


def archive_overview():
    years, month_counts, year_only = counts_by_period()
    shown_years = list(range(min(years), max(years) + 1)) if years else []
    if len(shown_years) > MAX_HEATMAP_YEARS:
        shown_years = sorted(years)
    heatmap = months_heatmap(month_counts, shown_years, month_url, "Articles per month, year by year")
    return {
        "years": [(year, years.get(year, 0), year_only.get(year, 0)) for year in reversed(shown_years)],
        "heatmap": heatmap if years else None,
        "undated_count": Article.objects.published().undated().count(),
    }


def year_overview(start):
    year = start.year
    in_year = dated().filter(published_on__year=year)
    by_day = in_year.filter(date_precision=DatePrecision.DAY)
    day_counts = dict(by_day.values_list("published_on").annotate(n=Count("id")))
    histogram = queryset_histogram(in_year, span=(start, datetime.date(year, 12, 31)), granularity=Granularity.MONTH)
    return {
        "year": year,
        "timeline": timeline_for(histogram, period_url, f"Articles in {year}, month by month", bars_search=False),
        "calendar": day_calendar(year, day_counts, day_url, f"Articles in {year}, day by day"),
        "months": [(bucket.period, bucket.count, month_url(year, bucket.period.month)) for bucket in histogram.buckets],
        "month_only": dict(
            in_year.filter(date_precision=DatePrecision.MONTH)
            .values_list("published_on__month")
            .annotate(n=Count("id"))
        ),
        "year_only": in_year.filter(date_precision=DatePrecision.YEAR).select_related("source").order_by("title"),
        "previous": _neighbour(dated(), "published_on__year", year, before=True),
        "next": _neighbour(dated(), "published_on__year", year, before=False),
        "count": in_year.count(),
    }


def month_overview(start):
    period = Period.of(start, Granularity.MONTH)
    in_month = dated().exclude(date_precision=DatePrecision.YEAR).between(period.start, period.end)
    histogram = queryset_histogram(in_month, span=(period.start, period.end), granularity=Granularity.DAY)
    at_month = dated().exclude(date_precision=DatePrecision.YEAR)
    return {
        "period": period,
        "timeline": timeline_for(histogram, period_url, f"Articles in {period.label}, day by day", bars_search=False),
        "articles": in_month.filter(date_precision=DatePrecision.DAY).chronological().select_related("source"),
        "month_only": in_month.filter(date_precision=DatePrecision.MONTH).select_related("source").order_by("title"),
        "year_only_count": dated().filter(date_precision=DatePrecision.YEAR, published_on__year=start.year).count(),
        "previous": _neighbour_month(at_month, period, before=True),
        "next": _neighbour_month(at_month, period, before=False),
        "count": in_month.count(),
    }


def day_overview(date):
    on_day = dated().filter(date_precision=DatePrecision.DAY, published_on=date)
    by_day = dated().filter(date_precision=DatePrecision.DAY)
    previous = by_day.filter(published_on__lt=date).order_by("-published_on").values_list("published_on", flat=True)
    following = by_day.filter(published_on__gt=date).order_by("published_on").values_list("published_on", flat=True)
    return {
        "date": date,
        "period": Period.of(date, Granularity.DAY),
        "month": Period.of(date, Granularity.MONTH),
        "articles": on_day.chronological().select_related("source"),
        "month_only_count": dated()
        .filter(date_precision=DatePrecision.MONTH, published_on=date.replace(day=1))
        .count(),
        "previous": _day_link(previous.first()),
        "next": _day_link(following.first()),
    }


def _day_link(date):
    return (Period.of(date, Granularity.DAY), day_url(date)) if date else None


def _neighbour(articles, lookup, value, before):
    """The nearest year with articles before (or after) `value`, as (period, url)."""
    nearer = articles.filter(**{f"{lookup}__{'lt' if before else 'gt'}": value})
    date = nearer.order_by("-published_on" if before else "published_on").values_list("published_on", flat=True).first()
    return (Period.of(date, Granularity.YEAR), period_url(Period.of(date, Granularity.YEAR))) if date else None


def _neighbour_month(articles, period, before):
    nearer = articles.filter(published_on__lt=period.start) if before else articles.filter(published_on__gt=period.end)
    date = nearer.order_by("-published_on" if before else "published_on").values_list("published_on", flat=True).first()
    return (Period.of(date, Granularity.MONTH), period_url(Period.of(date, Granularity.MONTH))) if date else None
