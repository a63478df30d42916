"""Scenario sweeps: scenarios x seeds through Dask, summarised as means with intervals.

Each (scenario, seed) run is one Dask task; a local cluster is started unless a
scheduler address is given (``tcp://host:8786``), so the same command scales
from a laptop to a cluster. The interval is a 95% t-interval for the mean over
seeds, clipped at zero because a count cannot be negative: it describes
simulation noise, not the (much larger) uncertainty in the assumed
intervention effects. Shares (relapse after treatment) are pooled over seeds,
numerators and denominators summed, with a Wilson 95% interval, ``null``
when nothing is estimable, and a warning below the minimum denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketpath.population.proportions import Proportion, small_denominator_warnings

COUNT_OUTCOMES = (
    "lifetime_users",
    "past_year_users",
    "dependent",
    "urinary_symptoms",
    "treatment_entries",
)
SHARE_OUTCOMES = (
    "urinary_any_cause_among_dependent",
    "relapse_within_1y_after_treatment",
)
OUTCOMES = COUNT_OUTCOMES + SHARE_OUTCOMES


def run_one(scenario: str, seed: int, agents: int, years: int) -> dict[str, Any]:
    """One simulation's final outcomes (a Dask task: module-level and picklable)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    from ketpath.population.scenarios import run  # noqa: PLC0415

    _sim, summary = run(agents=agents, years=years, seed=seed, scenario=scenario)
    final = summary["final"]
    return {
        "scenario": scenario,
        "seed": seed,
        **{key: final[key] for key in COUNT_OUTCOMES},
        **{key: final["proportions"][key] for key in SHARE_OUTCOMES},
    }


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def estimate(values: Sequence[float]) -> Estimate:
    """Mean count and 95% t-interval over seeds, clipped at 0 (a point interval with one seed)."""
    from scipy import stats  # noqa: PLC0415

    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if len(data) < 2:
        return Estimate(mean, mean, mean)
    half = float(stats.t.ppf(0.975, len(data) - 1) * data.std(ddof=1) / np.sqrt(len(data)))
    return Estimate(mean, max(0.0, mean - half), mean + half)


def pooled_share(shares: Iterable[dict[str, Any]]) -> dict[str, int | float | None]:
    """One share from several seeds: numerators and denominators summed, Wilson 95% interval."""
    return Proportion.pooled(Proportion.from_dict(share) for share in shares).to_dict()


def summarise(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per scenario: each count's mean, low, high; each share pooled over seeds."""
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_scenario.setdefault(row["scenario"], []).append(row)
    return {
        scenario: {
            **{key: estimate([r[key] for r in runs]).to_dict() for key in COUNT_OUTCOMES},
            **{key: pooled_share(r[key] for r in runs) for key in SHARE_OUTCOMES},
        }
        for scenario, runs in by_scenario.items()
    }


def warnings(table: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Pooled shares whose denominator is below the minimum (or 0)."""
    from ketpath.population.scenarios import min_denominator  # noqa: PLC0415

    out = []
    for scenario, outcomes in table.items():
        shares = {key: outcomes[key] for key in SHARE_OUTCOMES}
        out += small_denominator_warnings(shares, min_denominator(), scenario)
    return out


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


def render(table: dict[str, dict[str, dict[str, Any]]], seeds: int) -> str:
    """A plain-text table: mean [95% interval] per count, pooled share [Wilson 95%] per share."""
    lines = [
        f"counts: means over {seeds} seeds with 95% intervals for the mean (not below 0);"
        " shares: pooled over seeds (k/n) with Wilson 95% intervals; relapse counts"
        " treatment completers only (dropouts are not counted)"
    ]
    for scenario, outcomes in table.items():
        lines.append(scenario)
        for key, value in outcomes.items():
            if key in SHARE_OUTCOMES:
                lines.append(f"  {key:<36} {_share(value)}")
            else:
                lines.append(
                    f"  {key:<36} {value['mean']:>10.4g}  [{value['low']:.4g}, {value['high']:.4g}]"
                )
    lines += [f"warning: {warning}" for warning in warnings(table)]
    return "\n".join(lines)


def _share(value: dict[str, Any]) -> str:
    counts = f"{value['numerator']}/{value['denominator']}"
    if value["value"] is None:
        return f"{'n/a':>10}  ({counts})"
    return f"{value['value']:>10.4g}  [{value['low']:.4g}, {value['high']:.4g}]  ({counts})"
