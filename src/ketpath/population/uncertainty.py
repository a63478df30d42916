"""Population uncertainty: sample the assumptions' plausible ranges, run, and rank what drives each output.

Every assumption in ``knowledge/population.toml`` has a plausible range
(``plausible.low``, ``.high``). ``ketpath uncertainty`` draws ``runs`` points
from those ranges with a Latin hypercube (SciPy's ``scipy.stats.qmc``), runs
the baseline model once per point, and reports each output's median and 90%
interval over the runs, and for each assumption its partial rank correlation
coefficient (PRCC) with each output (Marino, Hogue, Ray & Kirschner 2008, "A
methodology for performing global uncertainty and sensitivity analysis in
systems biology", J Theor Biol 254:178).

Why a Latin hypercube and PRCC rather than a Sobol sequence and Sobol indices:
a Latin hypercube stratifies every assumption's range into ``runs`` equal
slices and hits each slice once, for any number of runs (a Sobol sequence
keeps its balance only at powers of two and SciPy warns otherwise), and it is
reproducible from one seed. PRCC then needs only NumPy and SciPy and a few
times more runs than assumptions, where Sobol indices need Saltelli's
``N x (2k + 2)`` runs and another dependency (SALib). PRCC measures monotone
effects, which is what these hazards, ratios and times have on the outputs.

A vector (one number per band, stage or age bin) varies as one assumption: a
single coordinate moves every entry between its ``low`` and ``high`` together,
so the vector keeps its shape and gets one PRCC. An assumption whose range is a
point (``low == high``) is listed as not varied, with its reason. Values are
drawn uniformly on each range.

Each run has its own model seed (from the same ``--seed``), so the interval
holds simulation noise as well as parameter uncertainty, as a forecast's
would; with few agents the noise dominates and PRCCs are near 0.

The pure functions (sampling, specs, summaries, PRCC, the report) are testable
without Dask; :func:`run_on_dask` is the edge that sends the runs to a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ketpath.knowledge.population import ModelValue, Parameter, Population, Values, population

__all__ = [
    "MODEL_TABLES",
    "NETWORK_PARAMETERS",
    "OUTPUTS",
    "Assumption",
    "RunSpec",
    "assumptions",
    "latin_hypercube",
    "not_varied",
    "prcc",
    "report",
    "run_on_dask",
    "run_one",
    "specs",
]

MODEL_TABLES = ("initiation", "use", "tolerance", "bladder", "treatment")
"""The tables a baseline run reads and takes overrides for (the modules' ``TABLES``).

``population`` (age structure) has only point ranges; ``scenarios`` is read only
by the interventions and ``reporting`` by no model, so neither is sampled here.
"""

NETWORK_PARAMETERS = ("peer_contacts", "peer_min_age", "peer_max_age")
"""Initiation parameters the peer network (not the use module) reads."""

OUTPUTS: dict[str, str] = {
    "adult_past_year_prevalence": "adult past-year prevalence of use",
    "past_year_among_lifetime": "past-year use among lifetime users",
    "dependent_among_past_year": "dependence among past-year users",
    "dependent_per_1000": "dependent past-year users per 1,000 people",
    "urinary_among_past_year": "urinary symptoms caused by ketamine among past-year users",
    "urinary_any_cause_among_dependent": "urinary symptoms (any cause) among dependent users",
    "treatment_entries_per_1000": "treatment entries per 1,000 people over the run",
    "relapse_within_1y_after_treatment": "relapse within a year of completing treatment",
}
"""What each run reports at its last step: the calibration figures and the sweep's."""

INTERVAL = (5.0, 95.0)
"""The percentiles of the reported interval: a 90% interval over the runs."""

Unit = NDArray[np.float64]


@dataclass(frozen=True)
class Assumption:
    """One assumption as sampled: its dotted name, shipped value and plausible ends."""

    table: str
    name: str
    value: ModelValue
    low: ModelValue
    high: ModelValue
    grade: str
    reason: str

    @property
    def key(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def varied(self) -> bool:
        return self.low != self.high

    def at(self, unit: float) -> ModelValue:
        """The value a fraction ``unit`` of the way from ``low`` to ``high`` (each entry of a vector)."""
        if isinstance(self.low, tuple) and isinstance(self.high, tuple):
            return tuple(lo + unit * (hi - lo) for lo, hi in zip(self.low, self.high, strict=True))
        assert isinstance(self.low, float) and isinstance(self.high, float)
        return self.low + unit * (self.high - self.low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.key,
            "value": _plain(self.value),
            "low": _plain(self.low),
            "high": _plain(self.high),
            "grade": self.grade,
            "reason": self.reason,
        }


def _plain(value: ModelValue) -> float | list[float]:
    return list(value) if isinstance(value, tuple) else value


def _all_assumptions(knowledge: Population) -> list[Assumption]:
    found = []
    for table in type(knowledge).model_fields:
        section = getattr(knowledge, table)
        for name in type(section).model_fields:
            item = getattr(section, name)
            if not isinstance(item, Parameter | Values) or item.plausible is None:
                continue
            value: ModelValue = item.values if isinstance(item, Values) else item.value
            plausible = item.plausible
            assert plausible.low is not None and plausible.high is not None
            found.append(
                Assumption(
                    table,
                    name,
                    value,
                    plausible.low,
                    plausible.high,
                    plausible.grade,
                    plausible.reason,
                )
            )
    return found


def assumptions(knowledge: Population | None = None) -> list[Assumption]:
    """The assumptions a baseline run varies, in the order of ``population.toml``."""
    found = _all_assumptions(knowledge or population())
    return [a for a in found if a.table in MODEL_TABLES and a.varied]


def not_varied(knowledge: Population | None = None) -> list[dict[str, str]]:
    """The other assumptions, each with why this run leaves it at its value."""
    out = []
    for item in _all_assumptions(knowledge or population()):
        if item.table in MODEL_TABLES and item.varied:
            continue
        why = item.reason if not item.varied else f"the baseline does not read [{item.table}]"
        out.append({"name": item.key, "why": why})
    return out


def latin_hypercube(dimensions: int, runs: int, seed: int) -> Unit:
    """``runs`` points in the unit cube, one per slice of every axis, reproducible from ``seed``."""
    from scipy.stats import qmc  # noqa: PLC0415

    return np.asarray(qmc.LatinHypercube(d=dimensions, rng=seed).random(runs), dtype=np.float64)


@dataclass(frozen=True)
class RunSpec:
    """One run: its index, model seed and the assumptions' values (a picklable Dask argument)."""

    index: int
    seed: int
    values: dict[str, ModelValue]
    agents: int
    years: int


def model_seeds(seed: int, runs: int) -> list[int]:
    """One model seed per run, drawn from ``seed`` so that runs do not share random streams."""
    state = np.random.SeedSequence(seed).generate_state(runs)
    return [int(value) for value in state]


def specs(
    chosen: Sequence[Assumption], unit: Unit, *, seed: int, agents: int, years: int
) -> list[RunSpec]:
    """Scale the unit sample onto the plausible ranges: one spec per row."""
    seeds = model_seeds(seed, len(unit))
    return [
        RunSpec(
            index=index,
            seed=seeds[index],
            values={a.key: a.at(float(u)) for a, u in zip(chosen, row, strict=True)},
            agents=agents,
            years=years,
        )
        for index, row in enumerate(unit)
    ]


def _module_pars(values: dict[str, ModelValue]) -> dict[str, dict[str, Any]]:
    """Sampled values grouped by the module that reads them (vectors as arrays)."""
    from ketpath.population.model import BladderHarm, KetamineUse, Treatment  # noqa: PLC0415

    readers = {"use": KetamineUse.TABLES, "bladder": BladderHarm.TABLES}
    readers["treatment"] = Treatment.TABLES
    grouped: dict[str, dict[str, Any]] = {module: {} for module in readers}
    for key, value in values.items():
        table, name = key.split(".")
        module = next(m for m, tables in readers.items() if table in tables)
        grouped[module][name] = np.array(value) if isinstance(value, tuple) else value
    return grouped


def run_one(spec: RunSpec) -> dict[str, float | None]:
    """Run the baseline with one spec's values and return its outputs (``None``: not estimable)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    import starsim as ss  # noqa: PLC0415

    from ketpath.population.scenarios import build_sim, summarise  # noqa: PLC0415

    pars = _module_pars(spec.values)
    sim = build_sim(
        agents=spec.agents,
        years=spec.years,
        seed=spec.seed,
        use_pars=pars["use"],
        bladder_pars=pars["bladder"],
        treatment_pars=pars["treatment"],
    )
    network = {name: pars["use"][name] for name in NETWORK_PARAMETERS if name in pars["use"]}
    if network:
        # build_sim's PeerNetwork reads population.toml; before the sim is
        # initialised its pars can still be replaced with this run's values.
        defaults = population().initiation
        sim.pars.networks.update_pars(
            n_contacts=ss.poisson(lam=network.get("peer_contacts", defaults.peer_contacts.value)),
            age_range=[
                network.get("peer_min_age", defaults.peer_min_age.value),
                network.get("peer_max_age", defaults.peer_max_age.value),
            ],
        )
    sim.run()
    return outputs(summarise(sim))


def outputs(summary: dict[str, Any]) -> dict[str, float | None]:
    """The reported outputs from a run's summary (``ketpath simulate``'s document)."""
    final = summary["final"]
    people = max(int(summary["agents"]), 1)
    shares = final["proportions"]
    found: dict[str, float | None] = {}
    for key in OUTPUTS:
        if key in shares:
            found[key] = shares[key]["value"]
    found["dependent_per_1000"] = 1000.0 * final["dependent"] / people
    found["treatment_entries_per_1000"] = 1000.0 * final["treatment_entries"] / people
    return {key: found[key] for key in OUTPUTS}


# ---------------------------------------------------------------- analysis


def interval(values: Sequence[float | None]) -> dict[str, float | int | None]:
    """Median and 90% interval over the runs that could estimate the output."""
    data = np.array([v for v in values if v is not None], dtype=np.float64)
    if not len(data):
        return {"median": None, "low": None, "high": None, "runs": 0}
    low, median, high = np.percentile(data, [INTERVAL[0], 50.0, INTERVAL[1]])
    return {"median": float(median), "low": float(low), "high": float(high), "runs": len(data)}


def prcc(inputs: Unit, output: NDArray[np.float64]) -> tuple[Unit, Unit]:
    """Each input's partial rank correlation with ``output`` and its two-sided p-value.

    Rank-transform inputs and output; for each input, regress its ranks and the
    output's ranks on the other inputs' ranks (with an intercept) and correlate
    the residuals (Marino 2008, section 3.3.1). The p-value is the t test with
    ``n - k - 1`` degrees of freedom. Rows where the output is NaN are left out;
    with fewer than ``k + 3`` rows, or an output that never changes, every
    coefficient is NaN.
    """
    from scipy import stats  # noqa: PLC0415

    keep = np.isfinite(output)
    x, y = inputs[keep], output[keep]
    n, k = x.shape
    nothing = np.full(inputs.shape[1], np.nan)
    if n < k + 3 or np.ptp(y) == 0:
        return nothing, nothing.copy()
    ranked_x = stats.rankdata(x, axis=0)
    ranked_y = stats.rankdata(y)
    coefficients = np.empty(k)
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(ranked_x, j, axis=1)])
        residual_x = ranked_x[:, j] - others @ np.linalg.lstsq(others, ranked_x[:, j])[0]
        residual_y = ranked_y - others @ np.linalg.lstsq(others, ranked_y)[0]
        scale = np.linalg.norm(residual_x) * np.linalg.norm(residual_y)
        coefficients[j] = residual_x @ residual_y / scale if scale > 1e-12 else np.nan
    freedom = n - k - 1
    clipped = np.clip(coefficients, -0.999999, 0.999999)
    t = clipped * np.sqrt(freedom / (1.0 - clipped**2))
    p_values = 2.0 * stats.t.sf(np.abs(t), freedom)
    return coefficients, np.where(np.isnan(coefficients), np.nan, p_values)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def _p_value(value: float) -> float | None:
    """Three significant figures: a p-value's size matters more than its decimals."""
    return None if math.isnan(value) else float(f"{value:.3g}")


def report(
    chosen: Sequence[Assumption],
    unit: Unit,
    run_specs: Sequence[RunSpec],
    results: Sequence[dict[str, float | None]],
    *,
    seed: int,
    workers: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JSON document of ``ketpath uncertainty``: intervals, PRCCs and every run."""
    out: dict[str, Any] = {}
    warnings = []
    needed = len(chosen) + 3
    if len(results) < needed:
        warnings.append(
            f"PRCC needs at least {needed} runs for {len(chosen)} assumptions"
            f" (got {len(results)}); the coefficients are null"
        )
    for key, label in OUTPUTS.items():
        values = [row[key] for row in results]
        column = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        coefficients, p_values = prcc(unit, column)
        out[key] = {
            "label": label,
            **interval(values),
            "prcc": {
                a.key: {"prcc": _number(r), "p": _p_value(p)}
                for a, r, p in zip(chosen, coefficients, p_values, strict=True)
            },
        }
    first = run_specs[0] if run_specs else None
    return {
        "runs": len(results),
        "agents": first.agents if first else None,
        "years": first.years if first else None,
        "seed": seed,
        "sampling": "Latin hypercube (scipy.stats.qmc), uniform on each plausible range",
        "interval": "5th to 95th percentile over the runs (90%)",
        "sensitivity": "partial rank correlation coefficient (PRCC) with a t-test p-value",
        "assumptions": [a.to_dict() for a in chosen],
        "not_varied": not_varied(),
        "outputs": out,
        "results": [
            {
                "index": spec.index,
                "seed": spec.seed,
                **({"worker": workers[spec.index]} if workers is not None else {}),
                "outputs": row,
            }
            for spec, row in zip(run_specs, results, strict=True)
        ],
        "warnings": warnings,
    }


def render(document: dict[str, Any], *, top: int = 3) -> str:
    """Plain text: each output's median and 90% interval, and its strongest drivers.

    Each PRCC shows its p-value: with few runs per assumption, or a small
    population whose noise swamps the assumptions, large coefficients arise by
    chance, and the p-value says so.
    """
    lines = [
        f"{document['runs']} runs of {document['agents']:,} people x {document['years']} years;"
        f" {len(document['assumptions'])} assumptions varied ({document['sampling']});"
        f" intervals: {document['interval']}"
    ]
    for key, output in document["outputs"].items():
        if output["median"] is None:
            lines.append(f"{key}: not estimable in any run")
            continue
        lines.append(
            f"{key}: {output['median']:.4g} [{output['low']:.4g}, {output['high']:.4g}]"
            f" ({output['runs']} runs)"
        )
        ranked = sorted(
            ((name, v) for name, v in output["prcc"].items() if v["prcc"] is not None),
            key=lambda item: -abs(item[1]["prcc"]),
        )
        for name, coefficient in ranked[:top]:
            lines.append(f"    PRCC {coefficient['prcc']:+.2f} (p {coefficient['p']:.2g})  {name}")
    lines += [f"warning: {warning}" for warning in document["warnings"]]
    return "\n".join(lines)


# ---------------------------------------------------------------- the Dask edge


def _run_and_name_worker(spec: RunSpec) -> tuple[dict[str, float | None], str]:
    """A Dask task: the run's outputs and the address of the worker that ran it."""
    from distributed import get_worker  # noqa: PLC0415

    return run_one(spec), str(get_worker().address)


def run_on_dask(
    run_specs: Sequence[RunSpec],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict[str, float | None]], list[str]]:
    """Run every spec on Dask (``Client(scheduler)``, or a local cluster of processes), in order.

    Returns each run's outputs and the address of the worker that ran it, both
    in the specs' order; ``progress(done, total)`` is called as runs finish.
    Workers started by hand (``dask worker ADDRESS``) must be able to import
    the same version of ketpath: a task is this module's function, not its code.
    """
    from distributed import Client, LocalCluster, as_completed  # noqa: PLC0415

    def gather(client: Client) -> tuple[list[dict[str, float | None]], list[str]]:
        futures = client.map(_run_and_name_worker, list(run_specs), pure=False)
        for done, _future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            if progress is not None:
                progress(done, len(futures))
        pairs = client.gather(futures)  # type: ignore[no-untyped-call]
        return [pair[0] for pair in pairs], [pair[1] for pair in pairs]

    if scheduler is not None:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            return gather(client)
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        return gather(client)
