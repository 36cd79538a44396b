"""Bucketing dates at their own precision, choosing bins for a span, shares, and the charts drawn from them."""

import datetime
import re

import numpy as np
import pytest

from archive.charts import MIN_BAR_HEIGHT, bar_chart, format_percent, heat_level, line_chart, nice_ticks
from archive.models import DatePrecision, Event
from archive.search.histogram import results_histogram, search_span
from archive.search.service import SearchRequest, search
from archive.timeline import (
    Granularity,
    Period,
    choose_granularity,
    date_arrays,
    histogram,
    precision_of,
    with_shares,
)

D = datetime.date


def dates(*rows):
    """(starts, ends) arrays from (date, precision) pairs."""
    return date_arrays([(D.fromisoformat(day) if day else None, precision) for day, precision in rows])


DAY, MONTH, YEAR, UNKNOWN = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.UNKNOWN


def counts(hist):
    return {bucket.period.key: bucket.count for bucket in hist.buckets if bucket.count}


def test_precision_is_read_from_the_first_and_last_day():
    starts, ends = dates(("2021-12-01", DAY), ("2021-12-01", MONTH), ("2022-01-01", YEAR), (None, UNKNOWN))
    assert precision_of(starts, ends).tolist() == [Granularity.DAY, Granularity.MONTH, Granularity.YEAR, 0]


def test_a_month_precision_article_is_never_put_on_a_day():
    starts, ends = dates(("2021-12-01", DAY), ("2021-12-01", MONTH), ("2021-12-15", DAY))
    by_day = histogram(starts, ends, span=(D(2021, 12, 1), D(2021, 12, 31)), granularity=Granularity.DAY)
    assert counts(by_day) == {"2021-12-01": 1, "2021-12-15": 1}
    assert [(bucket.period.key, bucket.count) for bucket in by_day.coarser] == [("2021-12", 1)]
    assert len(by_day.buckets) == 31  # empty days are drawn too


def test_coarser_dates_count_in_their_own_month_or_year_bin():
    starts, ends = dates(("2021-12-01", MONTH), ("2022-01-01", YEAR), ("2021-12-07", DAY))
    by_month = histogram(starts, ends, granularity=Granularity.MONTH)
    assert counts(by_month) == {"2021-12": 2}
    assert [(bucket.period.key, bucket.count) for bucket in by_month.coarser] == [("2022", 1)]
    by_year = histogram(starts, ends, granularity=Granularity.YEAR)
    assert counts(by_year) == {"2021": 2, "2022": 1} and by_year.coarser == []


def test_undated_articles_are_counted_apart_never_dropped():
    starts, ends = dates((None, UNKNOWN), (None, UNKNOWN), ("2020-05-05", DAY))
    hist = histogram(starts, ends)
    assert hist.undated == 2 and hist.placed == 1
    only_undated = histogram(*dates((None, UNKNOWN)))
    assert only_undated.buckets == [] and only_undated.undated == 1


def test_dates_outside_the_span_are_counted_as_outside():
    starts, ends = dates(("2019-01-05", DAY), ("2021-03-01", DAY))
    hist = histogram(starts, ends, span=(D(2021, 1, 1), D(2021, 12, 31)), granularity=Granularity.MONTH)
    assert hist.outside == 1 and counts(hist) == {"2021-03": 1}


@pytest.mark.parametrize(
    ("first", "last", "granularity"),
    [
        (D(2021, 12, 1), D(2021, 12, 31), Granularity.DAY),
        (D(2021, 10, 1), D(2021, 12, 31), Granularity.DAY),
        (D(2021, 1, 1), D(2021, 12, 31), Granularity.MONTH),
        (D(2019, 1, 1), D(2024, 12, 31), Granularity.MONTH),
        (D(2015, 1, 1), D(2024, 12, 31), Granularity.YEAR),
    ],
)
def test_the_bin_adapts_to_the_span(first, last, granularity):
    assert choose_granularity(first, last) == granularity


def test_periods_know_their_bounds_keys_and_neighbours():
    february = Period.of(D(2024, 2, 10), Granularity.MONTH)
    assert (february.start, february.end, february.key, february.label) == (
        D(2024, 2, 1),
        D(2024, 2, 29),
        "2024-02",
        "February 2024",
    )
    assert february.shifted(-2).key == "2023-12" and february.shifted(11).key == "2025-01"
    assert Period(Granularity.YEAR, 9999).shifted(1) is None
    assert Period.of(D(1, 1, 1), Granularity.DAY).shifted(-1) is None


def test_share_of_all_divides_by_every_article_in_the_period():
    hits = histogram(*dates(("2021-01-05", DAY), ("2022-03-01", DAY)), granularity=Granularity.YEAR)
    everything = histogram(
        *dates(("2021-01-05", DAY), ("2021-06-01", DAY), ("2022-03-01", DAY), ("2022-04-01", DAY), ("2022-05-01", DAY)),
        granularity=Granularity.YEAR,
    )
    shares = [bucket.share for bucket in with_shares(hits, everything).buckets]
    assert shares == [0.5, pytest.approx(1 / 3)]
    assert format_percent(0.5) == "50%" and format_percent(0.004) == "0.40%"


def test_nice_ticks_are_round_and_cover_the_maximum():
    assert nice_ticks(1) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(50_000) == [0, 20_000, 40_000, 60_000]
    assert nice_ticks(49) == [0, 20, 40, 60]
    assert nice_ticks(0) == [0, 1]


@pytest.mark.parametrize("biggest", [1, 50_000])
def test_a_bar_of_one_stays_visible_beside_any_other(biggest):
    starts = np.array([20210105] + [20220105] * biggest)
    hist = histogram(starts, starts, granularity=Granularity.YEAR)
    chart = bar_chart(hist, lambda period: f"?date_from={period.key}", "Hits")
    small, big = chart.bars
    assert small.height >= MIN_BAR_HEIGHT and small.url == "?date_from=2021"
    top = int(chart.ticks[-1].label.replace(",", ""))
    assert top >= biggest and big.height == pytest.approx(chart.plot_height * biggest / top, abs=0.01)


def test_month_charts_over_many_years_label_each_year_once():
    starts = np.array([20150105, 20241205])
    chart = bar_chart(histogram(starts, starts, granularity=Granularity.MONTH), str, "Hits")
    assert [label.text for label in chart.x_labels] == [str(year) for year in range(2015, 2025)]


def test_events_are_marked_only_where_their_period_falls_in_the_span():
    starts = np.array([20211115, 20211220])
    hist = histogram(starts, starts, granularity=Granularity.DAY)
    riga = Event(name="Riga", date=D(2021, 11, 30), end_date=D(2021, 12, 1))
    crimea = Event(name="Crimea", date=D(2014, 1, 1), date_precision=YEAR)
    chart = bar_chart(hist, str, "Hits", events=[crimea, riga])
    assert [marker.event.name for marker in chart.events] == ["Riga"]
    (marker,) = chart.events
    assert marker.width == pytest.approx(2 * chart.bars[0].slot_width, abs=0.01)


def test_line_chart_shares_use_percent_ticks():
    hits = with_shares(
        histogram(*dates(("2021-01-05", DAY)), granularity=Granularity.YEAR),
        histogram(*dates(("2021-01-05", DAY), ("2021-02-05", DAY)), granularity=Granularity.YEAR),
    )
    chart = line_chart([("NATO", hits, "/search/?q=nato")], "Share", share=True)
    assert [tick.label for tick in chart.ticks] == ["0%", "20%", "40%", "60%"]
    assert chart.series[0].markers[0][2].share == 0.5


def test_heat_levels_are_linear_steps_of_the_maximum():
    assert [heat_level(count, 100) for count in (0, 1, 25, 26, 100)] == [0, 1, 1, 2, 4]


def test_event_dates_read_as_people_write_them():
    assert Event(name="Riga", date=D(2021, 11, 30), end_date=D(2021, 12, 1)).date_display == "30 Nov – 1 Dec 2021"
    assert Event(name="Crimea", date=D(2014, 1, 1), date_precision=YEAR).date_display == "2014"
    assert Event(name="Summit", date=D(2023, 7, 11), end_date=D(2023, 7, 12)).date_display == "11 – 12 Jul 2023"


@pytest.mark.django_db
def test_events_validate_their_dates():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="first day"):
        Event(name="Crimea", date=D(2014, 3, 18), date_precision=YEAR).full_clean()
    with pytest.raises(ValidationError, match="before the start"):
        Event(name="Riga", date=D(2021, 11, 30), end_date=D(2021, 11, 1)).full_clean()
    event = Event.objects.create(name="Crimea", date=D(2014, 1, 1), date_precision=YEAR)
    assert event.end_date == D(2014, 12, 31)
    assert list(Event.objects.overlapping(D(2014, 6, 1), D(2014, 6, 30))) == [event]
    assert list(Event.objects.overlapping(D(2015, 1, 1), D(2015, 6, 30))) == []


def test_a_requested_range_is_drawn_whole_unless_absurdly_wide():
    hits = (D(2021, 12, 3), D(2021, 12, 20))
    assert search_span(D(2021, 12, 1), D(2021, 12, 31), hits) == ((D(2021, 12, 1), D(2021, 12, 31)), Granularity.DAY)
    assert search_span(D(1, 1, 1), D(9999, 12, 31), hits) == (hits, Granularity.DAY)
    assert search_span(None, None, None) == (None, None)


@pytest.mark.django_db
def test_search_results_histogram_counts_hits_from_the_index():
    from archive.search.outbox import drain_all
    from tests.factories import make_article

    make_article("Riga meeting", date="2021-12-01")
    make_article("Riga again", date="2021-12-01", precision=MONTH)
    make_article("Riga letter", date="2022-01-01", precision=YEAR)
    make_article("Riga undated")
    make_article("Tallinn", date="2021-12-02")
    drain_all()
    from archive.search import query as q

    results = search(SearchRequest(query=q.parse_query("riga")))
    hist = results_histogram(results)
    assert hist.granularity == Granularity.MONTH
    assert counts(hist) == {"2021-12": 2}
    assert [(bucket.period.key, bucket.count) for bucket in hist.coarser] == [("2022", 1)]
    assert hist.undated == 1


def test_svg_coordinates_stay_numbers_in_a_decimal_comma_locale(settings):
    from django.template.loader import render_to_string
    from django.utils import translation

    from archive.timeline_context import Timeline

    settings.USE_THOUSAND_SEPARATOR = True
    starts = np.array([20210105, 20210305, 20210306])
    hist = histogram(starts, starts, granularity=Granularity.MONTH)
    with translation.override("de"):
        svg = render_to_string("includes/histogram.html", {"timeline": Timeline(hist, bar_chart(hist, str, "H"))})
    coordinates = re.findall(r' (?:x|y|width|height)="([^"]*)"', svg)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in coordinates)
