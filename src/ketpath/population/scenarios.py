"""Named scenarios and the one function that builds a population simulation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import starsim as ss

from ketpath.knowledge.population import population
from ketpath.population.interventions import ContingencyManagement, Screening, TreatmentAccess
from ketpath.population.model import BladderHarm, KetamineUse, PeerNetwork, Treatment

SCENARIOS: dict[str, Callable[[], list[ss.Intervention]]] = {
    "baseline": list,
    "screening": lambda: [Screening()],
    "treatment-access": lambda: [TreatmentAccess()],
    "contingency-management": lambda: [ContingencyManagement()],
}


class UnknownScenarioError(ValueError):
    """A scenario name that is not one of SCENARIOS."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")


class Progress(ss.Analyzer):
    """Calls ``callback(done, total)`` after every step (the CLI's progress bar)."""

    def __init__(self, callback: Callable[[int, int], None]) -> None:
        super().__init__(name="progress")
        self.callback = callback

    def step(self) -> None:
        self.callback(self.ti + 1, self.t.npts)


def age_data() -> np.ndarray[Any, np.dtype[np.float64]]:
    """Starsim's age table (bin start, share) with a closing zero-share bin."""
    pop = population().population
    edges = np.array(pop.age_edges.values)
    shares = np.array((*pop.age_shares.values, 0.0))
    return np.column_stack([edges, shares])


def build_sim(
    *,
    agents: int,
    years: int,
    seed: int,
    scenario: str = "baseline",
    use_pars: dict[str, Any] | None = None,
    bladder_pars: dict[str, Any] | None = None,
    treatment_pars: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    analyzers: list[ss.Analyzer] | None = None,
) -> ss.Sim:
    """A weekly-step simulation of ``agents`` people over ``years`` years."""
    if scenario not in SCENARIOS:
        raise UnknownScenarioError(scenario)
    start = int(population().population.start_year.value)
    watchers = [Progress(progress)] if progress is not None else []
    return ss.Sim(
        people=ss.People(n_agents=agents, age_data=age_data()),
        networks=PeerNetwork(),
        custom=[
            KetamineUse(use_pars),
            Treatment(treatment_pars),
            BladderHarm(bladder_pars),
        ],
        interventions=SCENARIOS[scenario](),
        analyzers=[*watchers, *(analyzers or [])],
        start=start,
        stop=start + years,
        dt=ss.week,
        rand_seed=seed,
        use_aging=True,
        verbose=0,
    )


def _fraction(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else 0.0


def relapse_within_year(sim: ss.Sim) -> float:
    """Share of completed treatments followed by relapse within a year.

    Exits in the last year of the run have not been followed for a year; they
    are left out unless no exit has a full year of follow-up.
    """
    res = sim.results.treatment
    exits = np.asarray(res.treatment_exits, dtype=np.float64)
    relapses = np.asarray(res.relapses_1y_by_exit, dtype=np.float64)
    followed = len(exits) - round(1.0 / sim.t.dt_year)
    if followed > 0 and exits[:followed].sum() > 0:
        return _fraction(relapses[:followed].sum(), exits[:followed].sum())
    return _fraction(relapses.sum(), exits.sum())


def _counts_at(sim: ss.Sim, ti: int) -> dict[str, Any]:
    use, bladder = sim.results.ketamine, sim.results.bladder

    def at(result: Any) -> int:
        return round(float(result[ti]))

    return {
        "lifetime_users": at(use.lifetime),
        "past_year_users": at(use.past_year),
        "adults": at(use.adults),
        "adult_past_year_users": at(use.adult_past_year),
        "dependent": at(use.dependent),
        "urinary_symptoms": at(bladder.urinary_past_year),
        "by_frequency": {
            band: {
                "users": at(use[f"band_{key}"]),
                "urinary_symptoms": at(bladder[f"urinary_{key}"]),
            }
            for band, key in (
                ("monthly", "monthly"),
                ("weekly", "weekly"),
                ("near-daily", "near_daily"),
            )
        },
        "stages": {name: at(use[f"stage_{name.replace('-', '_')}"]) for name in _stage_names()},
    }


def _stage_names() -> tuple[str, ...]:
    from ketpath.population.model import STAGES  # noqa: PLC0415

    return STAGES[1:]


def year_ends(sim: ss.Sim) -> list[tuple[int, int]]:
    """(calendar year, step index) of the last step in each simulated year."""
    years = np.floor(np.asarray(sim.t.yearvec, dtype=np.float64) + 1e-9).astype(int)
    last = {int(year): int(index) for index, year in enumerate(years)}
    return sorted(last.items())


def summarise(sim: ss.Sim) -> dict[str, Any]:
    """The JSON document of ``ketpath simulate``: final counts and a yearly timeseries."""
    final_ti = len(sim.t.yearvec) - 1
    entries = np.asarray(sim.results.treatment.treatment_entries, dtype=np.float64)
    final = _counts_at(sim, final_ti)
    final["treatment_entries"] = round(entries.sum())
    final["relapse_within_1y_after_treatment"] = round(relapse_within_year(sim), 4)
    timeseries = []
    for year, ti in year_ends(sim):
        row = {"year": year, **_counts_at(sim, ti)}
        row["treatment_entries"] = round(entries[: ti + 1].sum())
        timeseries.append(row)
    return {
        "agents": len(sim.people),
        "start": int(sim.t.yearvec[0]),
        "steps": len(sim.t.yearvec),
        "final": final,
        "timeseries": timeseries,
    }


def fit_figures(summary: dict[str, Any]) -> dict[str, float]:
    """The four calibration figures from a summary's final counts."""
    final = summary["final"]
    past_year = final["past_year_users"]
    return {
        "past_year_among_lifetime": _fraction(past_year, final["lifetime_users"]),
        "dependent_among_past_year": _fraction(final["dependent"], past_year),
        "urinary_among_past_year": _fraction(final["urinary_symptoms"], past_year),
        "adult_past_year_prevalence": _fraction(final["adult_past_year_users"], final["adults"]),
    }


def run(
    *,
    agents: int,
    years: int,
    seed: int,
    scenario: str = "baseline",
    progress: Callable[[int, int], None] | None = None,
    **pars: Any,
) -> tuple[ss.Sim, dict[str, Any]]:
    """Build, run and summarise one simulation."""
    sim = build_sim(
        agents=agents, years=years, seed=seed, scenario=scenario, progress=progress, **pars
    )
    sim.run()
    return sim, summarise(sim)


def plot_stages(summary: dict[str, Any], path: str) -> None:
    """Stage prevalence (per 1,000 people) over time, as a stable SVG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.rcParams["svg.hashsalt"] = "ketpath"
    rows = summary["timeseries"]
    years = [row["year"] for row in rows]
    people = max(summary.get("agents", 0), 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name in _stage_names():
        values = [1000.0 * row["stages"][name] / people for row in rows]
        ax.plot(years, values, label=name, linewidth=1.6)
    ax.set_xlabel("year")
    ax.set_ylabel("people per 1,000")
    ax.set_title("Stage prevalence over time (population model)")
    ax.legend(fontsize=8, ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
