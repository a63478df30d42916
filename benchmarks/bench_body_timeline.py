"""How long do the body timeline and its chart take on five years of near-daily doses?

Target: history_timeline well under 2 s for ~1,800 doses (it backs the person's
body page). Almost all of it is the opponent-process reward; the chart is
timed on the same history. Prints medians; asserts nothing.

    python benchmarks/bench_body_timeline.py [--repeats 5]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from bench_body import five_years, median_ms

from ketpath.core.body.reward import opponent_process
from ketpath.core.body.timeline import history_timeline
from ketpath.present.charts import body_timeline_chart


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    history = five_years()
    as_of = float(history.times_h[-1]) + 12.0
    timeline = history_timeline(history, as_of)
    start, zone = datetime(2021, 7, 1, tzinfo=UTC), ZoneInfo("Europe/London")
    print(f"history: {len(history)} doses over {as_of / 24:.0f} days")
    rows = [
        ("history_timeline (target well under 2 s)", lambda: history_timeline(history, as_of)),
        (
            "  of which opponent_process, daily grid",
            lambda: opponent_process(history, np.arange(0.0, as_of, 24.0)),
        ),
        (
            "body_timeline_chart",
            lambda: body_timeline_chart(timeline, start=start, zone=zone),
        ),
    ]
    for label, action in rows:
        print(f"{label:<44} median {median_ms(action, repeats):9.1f} ms")
    size = len(body_timeline_chart(timeline, start=start, zone=zone).svg)
    print(f"{'body_timeline_chart SVG size':<44} {size / 1024:9.0f} KiB")


if __name__ == "__main__":
    main()
