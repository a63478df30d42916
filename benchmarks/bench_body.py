"""How long does the body model take on five years of near-daily doses?

Target: body_summary <= 5 ms for ~1,800 doses (it goes into every assessment).
Also times the vectorised concentrations on daily and hourly grids, tolerance
and the opponent-process reward. Prints medians; asserts nothing.

    python benchmarks/bench_body.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from figures import figure

from ketpath.core.body import body_summary, concentrations, opponent_process, tolerance
from ketpath.core.body.pk import DoseHistory

ROUTES = ("intranasal", "intranasal", "intranasal", "oral", "smoked", "intramuscular")


def five_years(seed: int = 3) -> DoseHistory:
    """About 1,800 doses: most days, evening, mixed routes and amounts."""
    rng = np.random.default_rng(seed)
    days = np.flatnonzero(rng.random(5 * 365) < 0.985)
    times = days * 24.0 + 19.0 + rng.uniform(0.0, 5.0, len(days))
    mg = rng.uniform(30.0, 400.0, len(days))
    routes = rng.choice(np.array(ROUTES), len(days))
    return DoseHistory(times, mg, routes)


def median_ms(action: Callable[[], object], repeats: int) -> float:
    """The median of ``repeats`` timed calls, in ms, after one untimed call.

    The untimed call warms what the first call fills: the knowledge cache, the
    absorption-rate solve and, for a chart, matplotlib's fonts.
    """
    action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    history = five_years()
    end = float(history.times_h[-1]) + 12.0
    daily = np.arange(0.0, end, 24.0)
    hourly = np.arange(0.0, end, 1.0)
    print(f"history: {len(history)} doses over {end / 24:.0f} days")
    rows = [
        ("body_summary (target <= 5 ms)", lambda: body_summary(history, end), repeats),
        (
            f"concentrations, daily grid ({len(daily)} points)",
            lambda: concentrations(history, daily),
            repeats,
        ),
        (
            f"concentrations, hourly grid ({len(hourly)} points)",
            lambda: concentrations(history, hourly),
            3,
        ),
        (
            f"tolerance, daily grid ({len(daily)} points)",
            lambda: tolerance(history, daily),
            repeats,
        ),
        (
            f"opponent_process, daily grid ({len(daily)} points)",
            lambda: opponent_process(history, daily),
            3,
        ),
    ]
    for label, action, count in rows:
        median = median_ms(action, count)
        print(f"{label:<52} median {median:9.2f} ms")
        if label.startswith("body_summary"):
            figure(
                "body.summary_median",
                median,
                "ms",
                target=5,
                label="body model summary, five years of doses, median",
            )


if __name__ == "__main__":
    main()
