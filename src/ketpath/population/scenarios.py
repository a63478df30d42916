"""Named scenarios and the one function that builds a population simulation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import starsim as ss

from ketpath.errors import BadInput
from ketpath.knowledge.population import population
from ketpath.population.interventions import ContingencyManagement, Screening, TreatmentAccess
from ketpath.population.model import (
    BladderHarm,
    ClosedCohort,
    KetamineUse,
    PeerNetwork,
    Treatment,
)
from ketpath.population.proportions import Proportion, small_denominator_warnings

SCENARIOS: dict[str, Callable[[], list[ss.Intervention]]] = {
    "baseline": list,
    "screening": lambda: [Screening()],
    "treatment-access": lambda: [TreatmentAccess()],
    "contingency-management": lambda: [ContingencyManagement()],
}


class UnknownScenarioError(BadInput):
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
        # A closed cohort (no births or deaths), so Starsim's per-agent death
        # bookkeeping and its n_alive/n_female/deaths results are skipped:
        # nothing reads them (docs/performance.md).
        people=ClosedCohort(n_agents=agents, age_data=age_data()),
        people_results=False,
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


BAND_KEYS = (("monthly", "monthly"), ("weekly", "weekly"), ("near-daily", "near_daily"))

RELAPSE_DEFINITION = (
    "Share of people who completed treatment and were followed for a full year after"
    " leaving it who used again within that year. Treatment dropouts are not counted:"
    " they resume use when they leave (see treatment_dropouts) and are in neither the"
    " numerator nor the denominator. Completions in the last year of the run are left"
    " out until they have a year of follow-up."
)


def min_denominator() -> int:
    """Below this denominator a proportion is reported with a warning (population.toml)."""
    return int(population().reporting.min_denominator.value)


def relapse_after_treatment(sim: ss.Sim, ti: int | None = None) -> Proportion:
    """Completers followed for a full year by step ``ti``, and how many relapsed within it.

    ``Treatment.note_relapse`` counts a relapse against the completion step when
    it comes within a year (``window`` steps), so completions at least
    ``window`` steps before ``ti`` have been followed for the whole year.
    """
    res = sim.results.treatment
    ti = len(sim.t.yearvec) - 1 if ti is None else ti
    window = int(np.floor(1.0 / sim.t.dt_year + 1e-9))
    followed = ti - window + 1
    if followed <= 0:
        return Proportion(0, 0)
    completers = round(float(np.sum(res.treatment_exits[:followed])))
    relapsed = round(float(np.sum(res.relapses_1y_by_exit[:followed])))
    return Proportion(relapsed, completers)


def _proportions_at(sim: ss.Sim, ti: int) -> dict[str, Proportion]:
    use, bladder = sim.results.ketamine, sim.results.bladder

    def at(result: Any) -> int:
        return round(float(result[ti]))

    lifetime, past_year, dependent = at(use.lifetime), at(use.past_year), at(use.dependent)
    out = {
        "past_year_among_lifetime": Proportion(past_year, lifetime),
        "dependent_among_past_year": Proportion(dependent, past_year),
        "urinary_among_past_year": Proportion(at(bladder.urinary_past_year), past_year),
        "urinary_any_cause_among_past_year": Proportion(
            at(bladder.urinary_any_past_year), past_year
        ),
        "urinary_among_dependent": Proportion(at(bladder.urinary_dependent), dependent),
        "urinary_any_cause_among_dependent": Proportion(
            at(bladder.urinary_any_dependent), dependent
        ),
        "background_urinary_among_never_users": Proportion(
            at(bladder.background_never_users), at(bladder.never_users)
        ),
    }
    for _band, key in BAND_KEYS:
        out[f"urinary_among_{key}_users"] = Proportion(
            at(bladder[f"urinary_{key}"]), at(use[f"band_{key}"])
        )
    out["adult_past_year_prevalence"] = Proportion(at(use.adult_past_year), at(use.adults))
    out["relapse_within_1y_after_treatment"] = relapse_after_treatment(sim, ti)
    return out


def _counts_at(sim: ss.Sim, ti: int) -> dict[str, Any]:
    use, bladder, treatment = sim.results.ketamine, sim.results.bladder, sim.results.treatment

    def at(result: Any) -> int:
        return round(float(result[ti]))

    def so_far(result: Any) -> int:
        return round(float(np.sum(result[: ti + 1])))

    dependent = at(use.dependent)
    grams = float(use.dependent_grams[ti])
    return {
        "lifetime_users": at(use.lifetime),
        "past_year_users": at(use.past_year),
        "adults": at(use.adults),
        "adult_past_year_users": at(use.adult_past_year),
        "dependent": dependent,
        "urinary_symptoms": at(bladder.urinary_past_year),
        "urinary_symptoms_any_cause": at(bladder.urinary_any_past_year),
        "never_users": at(bladder.never_users),
        "background_urinary_symptoms_never_users": at(bladder.background_never_users),
        "grams_per_use_day_dependent": {
            "mean": round(grams / dependent, 4) if dependent else None,
            "people": dependent,
        },
        "by_frequency": {
            band: {
                "users": at(use[f"band_{key}"]),
                "urinary_symptoms": at(bladder[f"urinary_{key}"]),
            }
            for band, key in BAND_KEYS
        },
        "stages": {name: at(use[f"stage_{name.replace('-', '_')}"]) for name in _stage_names()},
        "treatment_entries": so_far(treatment.treatment_entries),
        "treatment_completions": so_far(treatment.treatment_exits),
        "treatment_dropouts": so_far(treatment.treatment_dropouts),
    }


def _row(sim: ss.Sim, ti: int, where: str) -> dict[str, Any]:
    """Counts, proportions ({numerator, denominator, value, low, high}) and warnings at ``ti``."""
    proportions = {k: v.to_dict() for k, v in _proportions_at(sim, ti).items()}
    return {
        **_counts_at(sim, ti),
        "proportions": proportions,
        "warnings": small_denominator_warnings(proportions, min_denominator(), where),
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
    """The JSON document of ``ketpath simulate``: final counts and shares, and a yearly timeseries.

    Every share is ``{numerator, denominator, value, low, high}`` with a Wilson
    95% interval, ``value: null`` when the denominator is 0; ``warnings`` lists
    the shares whose denominator is below ``min_denominator``.
    """
    final_ti = len(sim.t.yearvec) - 1
    return {
        "agents": len(sim.people),
        "start": int(sim.t.yearvec[0]),
        "steps": len(sim.t.yearvec),
        "definitions": {
            "interval": "Wilson 95% score interval",
            "min_denominator": min_denominator(),
            "relapse_within_1y_after_treatment": {
                "dropouts_counted": False,
                "follow_up_years": 1,
                "text": RELAPSE_DEFINITION,
            },
            "urinary": (
                "urinary_* shares count symptoms ketamine caused; urinary_any_cause_* add"
                " the background symptoms that never-users have too"
            ),
        },
        "final": _row(sim, final_ti, "final"),
        "timeseries": [{"year": year, **_row(sim, ti, str(year))} for year, ti in year_ends(sim)],
    }


def fit_proportions(summary: dict[str, Any]) -> dict[str, Proportion]:
    """The calibration targets' proportions from a summary's final shares."""
    shares = summary["final"]["proportions"]
    return {key: Proportion.from_dict(shares[key]) for key in population().calibration.targets}


def fit_figures(summary: dict[str, Any]) -> dict[str, float | None]:
    """The calibration figures from a summary's final shares (None where nothing is estimable)."""
    return {key: share.value for key, share in fit_proportions(summary).items()}


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
