"""Time the timeline of 50,000 hits: NumPy bucketing, chart geometry and SVG rendering.

    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python tests/bench_timeline.py

Not collected by pytest (timings depend on the machine); it prints what it measured.
"""

import time

import django

django.setup()

import numpy as np  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402

from archive.charts import bar_chart  # noqa: E402
from archive.timeline import Granularity, histogram  # noqa: E402
from archive.timeline_context import Timeline  # noqa: E402

HITS, ROUNDS = 50_000, 20


def timed(work):
    started = time.perf_counter()
    for _ in range(ROUNDS):
        result = work()
    return result, (time.perf_counter() - started) / ROUNDS * 1000


def main():
    rng = np.random.default_rng(1)
    years, months, days = rng.integers(2015, 2025, HITS), rng.integers(1, 13, HITS), rng.integers(1, 29, HITS)
    starts = years * 10000 + months * 100 + days
    ends = np.where(rng.random(HITS) < 0.1, years * 10000 + months * 100 + 28, starts)  # a tenth month-only
    for granularity in (Granularity.YEAR, Granularity.MONTH):
        hist, bucket_ms = timed(lambda granularity=granularity: histogram(starts, ends, granularity=granularity))
        chart, chart_ms = timed(lambda hist=hist: bar_chart(hist, lambda period: f"?d={period.key}", "Hits"))
        context = {"timeline": Timeline(hist, chart), "chart_id": "bench"}
        html, render_ms = timed(lambda context=context: render_to_string("includes/histogram.html", context))
        print(
            f"{HITS:,} hits by {granularity.name.lower()}: {len(hist.buckets)} bins; bucketing {bucket_ms:.1f} ms, "
            f"chart {chart_ms:.1f} ms, render {render_ms:.1f} ms, {len(html) / 1024:.0f} KB of HTML"
        )


if __name__ == "__main__":
    main()
