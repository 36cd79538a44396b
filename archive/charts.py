"""Server-rendered SVG charts: the geometry here, the markup in templates/includes/*chart*.html.

Bars are linear (a count of 40 is twice 20), with nice ticks (1, 2, 5 × 10ⁿ) on a labelled
axis, so the same chart reads for one hit and for 50,000. A non-zero count is never drawn
thinner than MIN_BAR_HEIGHT, and each bar's whole column is its link target, so a
bar of 1 beside one of 50,000 can still be seen and clicked. Every chart comes with a
data table; no chart needs JavaScript.
"""

import calendar
import datetime
import math
from dataclasses import dataclass, field

from archive.timeline import Granularity

WIDTH, HEIGHT = 960, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 28, 44
MIN_BAR_HEIGHT = 2
CHAR_WIDTH = 7.5  # of the 12px axis font, to keep labels from overlapping
SERIES_STYLES = [  # Okabe–Ito colours, told apart by dash pattern too
    ("#0072b2", ""),
    ("#d55e00", "8 4"),
    ("#009e73", "2 3"),
    ("#cc79a7", "10 3 2 3"),
    ("#8a6d00", "4 2"),
]
HEAT_LEVELS = 4


def nice_step(maximum, ticks=4):
    """The 1, 2 or 5 × 10ⁿ step that divides [0, maximum] into about `ticks` parts."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= raw)


def nice_ticks(maximum, whole=True):
    """Tick values from 0 to a round top at or above `maximum`."""
    step = nice_step(maximum)
    if whole:
        step = max(1, round(step))
    top = step * max(1, math.ceil(maximum / step))
    count = round(top / step)
    return [step * i for i in range(count + 1)]


def format_count(value):
    return f"{int(value):,}"


def format_percent(value):
    """A share as a percentage with as many decimals as small values need."""
    percent = value * 100
    if percent == 0:
        return "0%"
    decimals = 0 if percent >= 10 else 1 if percent >= 1 else 2
    return f"{percent:.{decimals}f}%"


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class AxisLabel:
    x: float
    text: str
    sub: str = ""  # a second line: the year under January, the month under day 1


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    slot_x: float
    slot_width: float
    label: str
    count: int
    url: str

    @property
    def count_text(self):
        return format_count(self.count)

    @property
    def description(self):
        """What a screen reader says and a tooltip shows: "December 2021: 3 articles"."""
        return f"{self.label}: {format_count(self.count)} article{'' if self.count == 1 else 's'}"


@dataclass
class EventMarker:
    number: int
    x: float
    width: float
    event: object

    @property
    def center(self):
        return round(self.x + self.width / 2, 2)


@dataclass
class Frame:
    """What every chart shares: the plot area, its ticks and period labels."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = MARGIN_LEFT
    top: int = MARGIN_TOP
    plot_width: float = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height: float = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    y_label: str = "articles"
    first_label: str = ""
    last_label: str = ""
    ticks: list = field(default_factory=list)
    x_labels: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def bottom(self):
        return self.top + self.plot_height

    @property
    def right(self):
        return self.left + self.plot_width

    @property
    def middle(self):
        return self.top + self.plot_height / 2

    @property
    def tick_x(self):
        return self.left - 6

    @property
    def label_y(self):
        return self.bottom + 16

    @property
    def sub_label_y(self):
        return self.bottom + 31

    @property
    def event_label_y(self):
        return self.top - 8

    def y_of(self, value, top_value):
        return self.bottom - value / top_value * self.plot_height if top_value else self.bottom


def period_labels(periods, left, slot):
    """Labels under the bars, thinned so they never overlap, with the year or month where it changes."""
    granularity = periods[0].granularity if periods else Granularity.YEAR
    if granularity == Granularity.MONTH and len(periods) > 24:
        return _year_labels(periods, left, slot)
    every = max(1, math.ceil(CHAR_WIDTH * 5 / slot))
    labels = []
    for i, period in enumerate(periods):
        x = left + (i + 0.5) * slot
        if granularity == Granularity.YEAR:
            if (period.year - periods[0].year) % every == 0:
                labels.append(AxisLabel(x, period.short_label))
            continue
        starts_group = i == 0 or (period.month == 1 if granularity == Granularity.MONTH else period.day == 1)
        if i % every == 0 or starts_group:
            labels.append(AxisLabel(x, period.short_label, group_label(period) if starts_group else ""))
    return _drop_crowded(labels)


def _year_labels(periods, left, slot):
    """Many months: a tick label at each January (every few years when even those would crowd)."""
    every = max(1, math.ceil(CHAR_WIDTH * 6 / (slot * 12)))
    return [
        AxisLabel(left + (i + 0.5) * slot, str(period.year))
        for i, period in enumerate(periods)
        if period.month == 1 and period.year % every == 0
    ]


def group_label(period):
    return str(period.year) if period.granularity == Granularity.MONTH else f"{period.start:%b} {period.year}"


def _drop_crowded(labels):
    kept = []
    for label in labels:
        width = CHAR_WIDTH * max(len(label.text), len(label.sub))
        if kept and label.x - kept[-1].x < width:
            continue
        kept.append(label)
    return kept


def event_markers(events, periods, left, slot):
    """A band over the bars each event's period covers, numbered in date order."""
    if not periods:
        return []
    first, last = periods[0].start, periods[-1].end
    markers = []
    for event in sorted(events, key=lambda event: (event.start, event.name)):
        start, end = max(event.start, first), min(event.end, last)
        if start > end:
            continue
        i = next(n for n, period in enumerate(periods) if period.end >= start)
        j = next(n for n, period in enumerate(periods) if period.end >= end)
        markers.append(EventMarker(len(markers) + 1, left + i * slot, max((j - i + 1) * slot, 2), event))
    return markers


@dataclass
class BarChart(Frame):
    bars: list = field(default_factory=list)
    unit: str = "month"
    total: int = 0


def bar_chart(histogram, link_for, title, events=()):
    """A bar per bucket; `link_for(period)` gives each bar's URL."""
    chart = BarChart(title=title, unit=histogram.unit, total=histogram.placed)
    periods = [bucket.period for bucket in histogram.buckets]
    if not periods:
        return chart
    slot = chart.plot_width / len(periods)
    ticks = nice_ticks(histogram.max_count)
    chart.ticks = [Tick(round(chart.y_of(value, ticks[-1]), 1), format_count(value)) for value in ticks]
    gap = min(slot * 0.2, 4) if slot > 3 else 0
    for i, bucket in enumerate(histogram.buckets):
        height = bucket.count / ticks[-1] * chart.plot_height
        if bucket.count:
            height = max(height, MIN_BAR_HEIGHT)
        chart.bars.append(
            Bar(
                x=round(chart.left + i * slot + gap / 2, 2),
                y=round(chart.bottom - height, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(height, 2),
                slot_x=round(chart.left + i * slot, 2),
                slot_width=round(slot, 2),
                label=bucket.period.label,
                count=bucket.count,
                url=link_for(bucket.period),
            )
        )
    chart.x_labels = period_labels(periods, chart.left, slot)
    chart.events = event_markers(events, periods, chart.left, slot)
    chart.first_label, chart.last_label = periods[0].label, periods[-1].label
    return chart


@dataclass
class Series:
    label: str
    histogram: object
    colour: str
    dash: str
    points: str = ""
    markers: list = field(default_factory=list)  # (x, y, bucket)
    url: str = ""


@dataclass
class LineChart(Frame):
    series: list = field(default_factory=list)
    periods: list = field(default_factory=list)
    share: bool = False


def line_chart(named_histograms, title, share=False, events=()):
    """One line per (label, histogram, url) over shared periods: counts, or shares of all articles."""
    chart = LineChart(title=title, share=share, y_label="share of all articles" if share else "articles")
    if not named_histograms or not named_histograms[0][1].buckets:
        return chart
    chart.periods = [bucket.period for bucket in named_histograms[0][1].buckets]
    slot = chart.plot_width / len(chart.periods)

    def value(bucket):
        return bucket.share if share else bucket.count

    maximum = max((value(b) for _, histogram, _ in named_histograms for b in histogram.buckets), default=0)
    ticks = _share_ticks(maximum) if share else nice_ticks(maximum)
    formatter = format_percent if share else format_count
    chart.ticks = [Tick(round(chart.y_of(tick, ticks[-1]), 1), formatter(tick)) for tick in ticks]
    for (label, histogram, url), (colour, dash) in zip(named_histograms, SERIES_STYLES, strict=False):
        series = Series(label, histogram, colour, dash, url=url)
        for i, bucket in enumerate(histogram.buckets):
            x, y = round(chart.left + (i + 0.5) * slot, 2), round(chart.y_of(value(bucket), ticks[-1]), 2)
            series.markers.append((x, y, bucket))
        series.points = " ".join(f"{x},{y}" for x, y, _ in series.markers)
        chart.series.append(series)
    chart.x_labels = period_labels(chart.periods, chart.left, slot)
    chart.events = event_markers(events, chart.periods, chart.left, slot)
    chart.first_label, chart.last_label = chart.periods[0].label, chart.periods[-1].label
    return chart


def _share_ticks(maximum):
    if maximum <= 0:
        return [0, 0.01]
    step = nice_step(maximum)
    return [step * i for i in range(math.ceil(maximum / step - 1e-9) + 1)]


@dataclass
class HeatCell:
    x: float
    y: float
    level: int
    count: int
    label: str
    url: str


@dataclass
class HeatMap:
    title: str
    width: int
    height: int
    cells: list
    row_labels: list  # (y, text)
    column_labels: list  # (x, text)
    legend: list  # (level, text)
    cell_size: int
    table_columns: list = field(default_factory=list)
    table_rows: list = field(default_factory=list)  # (row label, cells)


def heat_level(count, maximum):
    """0 for none, else 1–HEAT_LEVELS in equal linear steps of the maximum."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, math.ceil(count / maximum * HEAT_LEVELS))


def heat_legend(maximum):
    legend = [(0, "none")]
    for level in range(1, HEAT_LEVELS + 1):
        low = math.floor(maximum * (level - 1) / HEAT_LEVELS) + 1
        high = math.floor(maximum * level / HEAT_LEVELS)
        if high >= low:
            legend.append((level, format_count(low) if low == high else f"{format_count(low)}–{format_count(high)}"))
    return legend


HEAT_CELL, HEAT_GAP, HEAT_LEFT, HEAT_TOP = 22, 3, 48, 22


def months_heatmap(month_counts, years, link_for, title):
    """Years as rows of twelve month cells: `month_counts` maps (year, month) → count."""
    maximum = max(month_counts.values(), default=0)
    pitch = HEAT_CELL + HEAT_GAP
    cells = []
    for row, year in enumerate(years):
        for month in range(1, 13):
            count = month_counts.get((year, month), 0)
            label = f"{calendar.month_name[month]} {year}: {format_count(count)} article{'s' if count != 1 else ''}"
            x, y = HEAT_LEFT + (month - 1) * pitch, HEAT_TOP + row * pitch
            cells.append(
                HeatCell(x, y, heat_level(count, maximum), count, label, link_for(year, month) if count else "")
            )
    return HeatMap(
        title=title,
        width=HEAT_LEFT + 12 * pitch,
        height=HEAT_TOP + len(years) * pitch,
        cells=cells,
        row_labels=[(HEAT_TOP + row * pitch + HEAT_CELL * 0.7, str(year)) for row, year in enumerate(years)],
        column_labels=[(HEAT_LEFT + (m - 1) * pitch + HEAT_CELL / 2, calendar.month_abbr[m][0]) for m in range(1, 13)],
        legend=heat_legend(maximum),
        cell_size=HEAT_CELL,
        table_columns=list(calendar.month_abbr)[1:],
        table_rows=[(str(year), cells[row * 12 : (row + 1) * 12]) for row, year in enumerate(years)],
    )


DAY_CELL, DAY_GAP = 13, 2
WEEKDAY_LABELS = ((0, "Mon"), (2, "Wed"), (4, "Fri"))


def day_calendar(year, day_counts, link_for, title):
    """A year as a strip of weeks (columns) by weekday (rows): `day_counts` maps date → count."""
    maximum = max(day_counts.values(), default=0)
    pitch = DAY_CELL + DAY_GAP
    first = datetime.date(year, 1, 1)
    cells, column_labels = [], []
    days_in_year = 366 if calendar.isleap(year) else 365
    for offset in range(days_in_year):  # not "while day.year == year": 31 Dec 9999 has no next day
        day = first + datetime.timedelta(days=offset)
        week = (offset + first.weekday()) // 7
        x, y = HEAT_LEFT + week * pitch, HEAT_TOP + day.weekday() * pitch
        count = day_counts.get(day, 0)
        label = f"{day.day} {day:%b %Y}: {format_count(count)} article{'s' if count != 1 else ''}"
        cells.append(HeatCell(x, y, heat_level(count, maximum), count, label, link_for(day) if count else ""))
        if day.day == 1:
            column_labels.append((x, f"{day:%b}"))
    weeks = max(cell.x for cell in cells) + pitch
    return HeatMap(
        title=title,
        width=int(weeks) + 4,
        height=HEAT_TOP + 7 * pitch,
        cells=cells,
        row_labels=[
            (HEAT_TOP + row * pitch + DAY_CELL * 0.8, name) for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
        ],
        column_labels=column_labels,
        legend=heat_legend(maximum),
        cell_size=DAY_CELL,
    )
