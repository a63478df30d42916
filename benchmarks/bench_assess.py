"""How long does assessing a heavy user's five-year history take?

Targets (issue #2): median <= 20 ms for one five-year near-daily history
(~5,000 records) on one core, and 10,000 such people in <= 60 s on this
machine's two cores. Prints figures; asserts nothing.

    python benchmarks/bench_assess.py [--people 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import figure
from synthetic import end_of_history, five_year_history

from ketpath.core.assess import assess
from ketpath.core.assess.body_reading import body_section
from ketpath.core.assess.history import build_history

DISTINCT_HISTORIES = 8


def time_one(repeats: int) -> list[float]:
    records = five_year_history(0)
    as_of = end_of_history()
    assess(records, as_of)  # warm the knowledge caches
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        assess(records, as_of)
        timings.append(time.perf_counter() - start)
    return timings


def time_body_section(repeats: int) -> list[float]:
    """The body section alone (issue #4: it may add at most 5 ms to the assessment).

    Each run gets a fresh history (built untimed), so that the columns a history
    reads once and keeps (the doses, the use-days) are counted in the figure.
    """
    records, as_of = five_year_history(0), end_of_history()
    body_section(build_history(records, as_of))
    timings = []
    for _ in range(repeats):
        history = build_history(records, as_of)
        start = time.perf_counter()
        body_section(history)
        timings.append(time.perf_counter() - start)
    return timings


def assess_many(worker: int, people: int) -> float:
    """Assess `people` person-histories; distinct histories cycle with shifted as_of."""
    histories = [five_year_history(worker * 1000 + k) for k in range(DISTINCT_HISTORIES)]
    end = end_of_history()
    start = time.perf_counter()
    for person in range(people):
        assess(histories[person % DISTINCT_HISTORIES], end - timedelta(days=person % 50))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()

    records = five_year_history(0)
    timings = time_one(args.repeats)
    print(f"history: {len(records)} records, {sum(r.type == 'use' for r in records)} uses")
    print(
        f"assess one five-year history: median {statistics.median(timings) * 1000:.2f} ms, "
        f"p95 {sorted(timings)[int(0.95 * len(timings)) - 1] * 1000:.2f} ms over {args.repeats} runs (target <= 20 ms)"
    )
    figure(
        "assess.one_history_median",
        statistics.median(timings) * 1000,
        "ms",
        target=20,
        label="assess one five-year history, median",
    )
    body = time_body_section(args.repeats)
    print(
        f"  of which the body section: median {statistics.median(body) * 1000:.2f} ms (target <= 5 ms)"
    )
    figure(
        "assess.body_section_median",
        statistics.median(body) * 1000,
        "ms",
        target=5,
        label="assess: of which the body section, median",
    )
    share = [
        args.people // args.workers + (1 if w < args.people % args.workers else 0)
        for w in range(args.workers)
    ]
    wall = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        busy = list(pool.map(assess_many, range(args.workers), share))
    wall = time.perf_counter() - wall
    print(
        f"assess {args.people} people on {args.workers} workers: {wall:.1f} s wall "
        f"(assessing alone: {max(busy):.1f} s per worker; target <= 60 s)"
    )
    figure(
        "assess.many_people",
        wall,
        "s",
        target=60,
        label=f"assess {args.people:,} people, {args.workers} workers",
    )


if __name__ == "__main__":
    main()
