"""Scenario sweeps: scenarios x seeds through Dask, summarised as means with intervals.

Each (scenario, seed) run is one Dask task; a local cluster is started unless a
scheduler address is given (``tcp://host:8786``), so the same command scales
from a laptop to a cluster. The interval is a 95% t-interval for the mean over
seeds: it describes simulation noise, not the (much larger) uncertainty in
the assumed intervention effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

OUTCOMES = (
    "lifetime_users",
    "past_year_users",
    "dependent",
    "urinary_symptoms",
    "treatment_entries",
    "relapse_within_1y_after_treatment",
)


def run_one(scenario: str, seed: int, agents: int, years: int) -> dict[str, Any]:
    """One simulation's final outcomes (a Dask task: module-level and picklable)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    from ketpath.population.scenarios import run  # noqa: PLC0415

    _sim, summary = run(agents=agents, years=years, seed=seed, scenario=scenario)
    final = summary["final"]
    return {"scenario": scenario, "seed": seed, **{key: final[key] for key in OUTCOMES}}


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95% t-interval over seeds (a point interval with one seed)."""
    from scipy import stats  # noqa: PLC0415

    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if len(data) < 2:
        return Estimate(mean, mean, mean)
    half = float(stats.t.ppf(0.975, len(data) - 1) * data.std(ddof=1) / np.sqrt(len(data)))
    return Estimate(mean, mean - half, mean + half)


def summarise(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per scenario and outcome: mean, low, high."""
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_scenario.setdefault(row["scenario"], []).append(row)
    return {
        scenario: {key: estimate([r[key] for r in runs]).to_dict() for key in OUTCOMES}
        for scenario, runs in by_scenario.items()
    }


def sweep(
    *,
    scenarios: Sequence[str],
    seeds: Sequence[int],
    agents: int,
    years: int,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    synchronous: bool = False,
) -> list[dict[str, Any]]:
    """Run every (scenario, seed) pair on Dask and return one row per run."""
    from dask import compute, delayed  # type: ignore[attr-defined]  # noqa: PLC0415

    tasks = [
        delayed(run_one)(scenario, seed, agents, years) for scenario in scenarios for seed in seeds
    ]
    if synchronous:
        return list(compute(*tasks, scheduler="synchronous"))  # type: ignore[no-untyped-call]
    from distributed import Client, LocalCluster  # noqa: PLC0415

    if scheduler is not None:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            return list(client.gather(client.compute(tasks)))
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        return list(client.gather(client.compute(tasks)))


def render(table: dict[str, dict[str, dict[str, float]]], seeds: int) -> str:
    """A plain-text table: mean [95% interval] per scenario and outcome."""
    lines = [f"means over {seeds} seeds with 95% intervals for the mean"]
    for scenario, outcomes in table.items():
        lines.append(scenario)
        for key, value in outcomes.items():
            lines.append(
                f"  {key:<36} {value['mean']:>10.4g}  [{value['low']:.4g}, {value['high']:.4g}]"
            )
    return "\n".join(lines)
