"""Calibration with Starsim's Optuna-based ``ss.Calibration`` against REFERENCE.md's figures.

The fitted parameters are those marked ``calibrated = true`` in
``knowledge/population.toml`` (or a subset, ``only``); the targets and their
tolerances are its ``[calibration.targets]``. The loss is the sum over targets
of the squared distance from the published value in units of the tolerance
half-width, so a loss below 1 per target means every figure is inside its
band. With ``storage`` an Optuna RDB URL (``postgresql://...``,
``sqlite:///...``), workers on several machines join one study by name.

The fit report (``docs/population-fit.md``) is rendered from a JSON record of
the fit (``docs/population-fit.json``) so that a test can check, cheaply,
that the report matches the record and the record matches the parameters
and the model (``fingerprint``).
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import starsim as ss

from ketpath.knowledge.load import knowledge_path
from ketpath.knowledge.population import population
from ketpath.population.model import BladderHarm, KetamineUse, structural_relapse
from ketpath.population.proportions import Proportion
from ketpath.population.scenarios import build_sim, fit_figures, fit_proportions, run, summarise


@dataclass(frozen=True)
class Fitted:
    """A calibrated parameter: where it lives in the TOML and which module reads it."""

    name: str
    table: str
    module: str
    low: float
    high: float
    value: float
    log: bool


def fitted_parameters(only: Sequence[str] | None = None) -> list[Fitted]:
    """The parameters marked ``calibrated = true`` (those named in ``only``), with their ranges."""
    knowledge = population()
    out: list[Fitted] = []
    # The modules whose parameters a trial may set (make_sim), and the tables each reads.
    readers = {"use": KetamineUse.TABLES, "bladder": BladderHarm.TABLES}
    for module, section in ((m, s) for m, tables in readers.items() for s in tables):
        block = getattr(knowledge, section)
        for name in type(block).model_fields:
            item = getattr(block, name)
            if getattr(item, "calibrated", False) and hasattr(item, "value"):
                low, high = item.range
                out.append(
                    Fitted(name, f"{section}.{name}", module, low, high, item.value, low > 0)
                )
    if only is not None:
        unknown = set(only) - {f.name for f in out}
        if unknown:
            known = ", ".join(f.name for f in out)
            raise ValueError(
                f"not a calibrated parameter: {', '.join(sorted(unknown))}; known: {known}"
            )
        out = [f for f in out if f.name in only]
    return out


def shipped_values() -> dict[str, float]:
    """The calibrated values as shipped in ``population.toml``."""
    return {f.name: f.value for f in fitted_parameters()}


def _split(values: dict[str, float]) -> tuple[dict[str, Any], dict[str, Any]]:
    use: dict[str, Any] = {}
    bladder: dict[str, Any] = {}
    for fitted in fitted_parameters():
        if fitted.name in values:
            (use if fitted.module == "use" else bladder)[fitted.name] = values[fitted.name]
    return use, bladder


def make_sim(*, agents: int, years: int, seed: int, values: dict[str, float]) -> ss.Sim:
    use, bladder = _split(values)
    return build_sim(agents=agents, years=years, seed=seed, use_pars=use, bladder_pars=bladder)


def _build(sim: ss.Sim, calib_pars: dict[str, Any], agents: int, years: int) -> ss.Sim:
    """``ss.Calibration``'s build_fn: a fresh sim with this trial's values."""
    values = {k: v["value"] for k, v in calib_pars.items() if isinstance(v, dict)}
    seed = int(calib_pars.get("rand_seed", 1))
    return make_sim(agents=agents, years=years, seed=seed, values=values)


def loss(figures: dict[str, float | None]) -> float:
    """Sum of squared misfits, each in units of its target's tolerance half-width.

    A figure that cannot be estimated (``None``: nobody in its denominator, as
    in a tiny trial run) counts as far off as its target allows.
    """
    total = 0.0
    for key, target in population().calibration.targets.items():
        half = (target.high - target.low) / 2.0
        observed = figures[key]
        miss = (
            max(target.value, 1.0 - target.value) if observed is None else observed - target.value
        )
        total += (miss / half) ** 2
    return total


def _evaluate(sim: ss.Sim) -> float:
    return loss(fit_figures(summarise(sim)))


def calibrate(
    *,
    trials: int,
    agents: int,
    years: int,
    workers: int = 1,
    storage: str | None = None,
    study: str = "ketpath-population",
    only: Sequence[str] | None = None,
    verbose: bool = False,
) -> dict[str, float]:
    """Run (or join) an Optuna study and return the best values found (with the rest as shipped)."""
    calib_pars = {
        f.name: {"low": f.low, "high": f.high, "guess": f.value, "log": f.log}
        for f in fitted_parameters(only)
    }
    shared = storage is not None
    calibration = ss.Calibration(
        sim=build_sim(agents=agents, years=years, seed=1),
        calib_pars=calib_pars,
        build_fn=_build,
        build_kw={"agents": agents, "years": years},
        eval_fn=_evaluate,
        total_trials=trials,
        n_workers=workers,
        study_name=study,
        storage=storage,
        continue_db=shared,
        keep_db=shared,
        debug=workers <= 1,
        die=True,
        verbose=verbose,
    )
    calibration.calibrate()
    best = {k: float(v) for k, v in calibration.best_pars.items() if k != "rand_seed"}
    return {**shipped_values(), **best}


@dataclass(frozen=True)
class TargetFit:
    """A target beside the model's share, pooled over seeds, with its Wilson 95% interval."""

    key: str
    label: str
    target: float
    low: float
    high: float
    numerator: int
    denominator: int
    observed: float | None
    interval_low: float | None
    interval_high: float | None
    spread: float | None

    @property
    def within(self) -> bool:
        return self.observed is not None and self.low <= self.observed <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "target": self.target,
            "low": self.low,
            "high": self.high,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "observed": _rounded(self.observed),
            "interval_low": _rounded(self.interval_low),
            "interval_high": _rounded(self.interval_high),
            "spread": _rounded(self.spread),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetFit:
        return cls(**data)


def _rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _sd(values: list[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def _target_fits(runs: list[dict[str, Any]]) -> list[TargetFit]:
    out = []
    for key, target in population().calibration.targets.items():
        parts = [fit_proportions(summary)[key] for summary in runs]
        pooled = Proportion.pooled(parts).to_dict()
        per_seed = [p.value for p in parts if p.value is not None]
        out.append(
            TargetFit(
                key,
                target.label,
                target.value,
                target.low,
                target.high,
                int(pooled["numerator"] or 0),
                int(pooled["denominator"] or 0),
                pooled["value"],
                pooled["low"],
                pooled["high"],
                _sd(per_seed),
            )
        )
    return out


def _checks(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Grams per use-day and relapse after treatment, pooled over seeds, beside their checks."""
    checks = population().calibration.checks
    grams = checks["grams_per_use_day_dependent"]
    people = sum(r["final"]["grams_per_use_day_dependent"]["people"] for r in runs)
    total = sum(
        (r["final"]["grams_per_use_day_dependent"]["mean"] or 0.0)
        * r["final"]["grams_per_use_day_dependent"]["people"]
        for r in runs
    )
    relapse = checks["relapse_within_year_after_treatment"]
    pooled = Proportion.pooled(
        Proportion.from_dict(r["final"]["proportions"]["relapse_within_1y_after_treatment"])
        for r in runs
    )
    return {
        "grams_per_use_day_dependent": {
            "value": grams.value,
            "low": grams.low,
            "high": grams.high,
            "observed": _rounded(total / people if people else None, 4),
            "people": people,
        },
        "relapse_within_year_after_treatment": {
            "value": relapse.value,
            "low": relapse.low,
            "high": relapse.high,
            "structural": _rounded(structural_relapse(1.0), 4),
            "simulated": pooled.to_dict(4),
            "dropouts_counted": False,
        },
        "relapse_cohorts": [
            {
                "key": key,
                "relapsed": cohort.relapsed,
                "people": cohort.people,
                "follow_up_years": cohort.follow_up_years,
                "structural": _rounded(structural_relapse(cohort.follow_up_years), 4),
            }
            for key, cohort in population().calibration.relapse_cohorts.items()
        ],
    }


# The small seeded run whose figures pin the fit record to the model (see ``fingerprint``).
FINGERPRINT_RUN = {"agents": 20_000, "years": 3, "seed": 1}


def fingerprint() -> dict[str, Any]:
    """What the fit record depends on: every number in ``population.toml`` and a small run's shares.

    A change to a parameter or target, or to the model's code, changes one or
    the other, so a stored record with another fingerprint is stale.
    """
    numbers = json.dumps(_numbers(population().model_dump()), sort_keys=True)
    _sim, summary = run(
        agents=FINGERPRINT_RUN["agents"],
        years=FINGERPRINT_RUN["years"],
        seed=FINGERPRINT_RUN["seed"],
    )
    shares = {k: v["value"] for k, v in summary["final"]["proportions"].items()}
    return {
        "parameters_sha256": hashlib.sha256(numbers.encode("utf-8")).hexdigest(),
        "small_run": {**FINGERPRINT_RUN, "shares": shares},
    }


def _numbers(node: Any) -> Any:
    """The numeric leaves of a parameter tree (text such as rationales is left out)."""
    if isinstance(node, dict):
        kept = {k: _numbers(v) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(node, list | tuple):
        return [_numbers(v) for v in node]
    if isinstance(node, bool | int | float):
        return node
    return None


def check_fit(
    *, agents: int, years: int, seeds: Iterable[int], values: dict[str, float] | None = None
) -> dict[str, Any]:
    """The fit record: every target and check, pooled over seeds, with the given or shipped values."""
    seeds = list(seeds)
    runs = []
    for seed in seeds:
        sim = make_sim(agents=agents, years=years, seed=seed, values=values or {})
        sim.run()
        runs.append(summarise(sim))
    return {
        "agents": agents,
        "years": years,
        "seeds": seeds,
        "targets": [fit.to_dict() for fit in _target_fits(runs)],
        "checks": _checks(runs),
        "values": {
            k: float(f"{v:.6g}") for k, v in sorted({**shipped_values(), **(values or {})}.items())
        },
        "fingerprint": fingerprint(),
    }


def target_fits(record: dict[str, Any]) -> list[TargetFit]:
    return [TargetFit.from_dict(row) for row in record["targets"]]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.3g}%"


def _interval(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{_percent(low)}–{_percent(high)}"


def fit_table(fits: list[TargetFit]) -> str:
    """A Markdown table: target, tolerance, model share pooled over seeds (k/n, Wilson 95%), SD."""
    lines = [
        "| target | published | tolerance | model, pooled over seeds (k / n) | Wilson 95% | SD over seeds | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for fit in fits:
        lines.append(
            f"| {fit.label} | {_percent(fit.target)} | {_percent(fit.low)}–{_percent(fit.high)} "
            f"| {_percent(fit.observed)} ({fit.numerator:,} / {fit.denominator:,}) "
            f"| {_interval(fit.interval_low, fit.interval_high)} "
            f"| {_percent(fit.spread)} | {'yes' if fit.within else 'NO'} |"
        )
    return "\n".join(lines)


def plot_fit(fits: list[TargetFit], path: str) -> None:
    """Each target's tolerance band, published value and the model's pooled share (Wilson 95%)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.rcParams["svg.hashsalt"] = "ketpath"
    columns = min(len(fits), 3)
    rows = -(-len(fits) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.4 * rows), squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(fits) :]:
        ax.set_visible(False)
    for ax, fit in zip(axes, fits, strict=False):
        ax.axhspan(100 * fit.low, 100 * fit.high, color="#cfe3f3", label="tolerance")
        ax.axhline(100 * fit.target, color="#1f5f99", linewidth=1.5, label="published")
        top = fit.high
        if fit.observed is not None:
            below = 100 * (fit.observed - (fit.interval_low or fit.observed))
            above = 100 * ((fit.interval_high or fit.observed) - fit.observed)
            ax.errorbar(
                [0], [100 * fit.observed], yerr=[[below], [above]], fmt="o", color="#c0392b",
                capsize=4, label="model (Wilson 95%)",
            )  # fmt: skip
            top = max(top, fit.interval_high or fit.observed)
        ax.set_xlim(-1, 1)
        ax.set_xticks([])
        ax.set_title(textwrap.fill(fit.label, 30), fontsize=8)
        ax.set_ylabel("%")
        ax.set_ylim(0, top * 100 * 1.3)
    axes[0].legend(fontsize=7, frameon=False, loc="lower left")
    fig.suptitle("Population model against its calibration targets", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def write_defaults(values: dict[str, float]) -> Path:
    """Write fitted values into ``population.toml`` (only the ``value =`` lines change)."""
    path = knowledge_path("population.toml")
    text = path.read_text(encoding="utf-8")
    for fitted in fitted_parameters():
        if fitted.name not in values:
            continue
        pattern = re.compile(
            rf"(^\[{re.escape(fitted.table)}\]\n(?:(?!^\[).*\n)*?)^value = .*$", re.MULTILINE
        )
        text, count = pattern.subn(rf"\g<1>value = {values[fitted.name]:.6g}", text, count=1)
        if count != 1:
            raise ValueError(f"could not find [{fitted.table}] value in population.toml")
    path.write_text(text, encoding="utf-8")
    population.cache_clear()
    return path


def regenerate_command(record: dict[str, Any]) -> str:
    return (
        f"ketpath calibrate --check-only --agents {record['agents']} --years {record['years']}"
        f" --seeds {len(record['seeds'])} --report docs/population-fit.md"
        " --plot docs/population-fit.svg"
    )


def fit_document(record: dict[str, Any]) -> str:
    """The Markdown fit report (docs/population-fit.md), rendered from a fit record alone."""
    knowledge = population()
    targets = knowledge.calibration.targets
    fits = target_fits(record)
    seeds = len(record["seeds"])
    lines = [
        "# Population model: fit to the calibration targets",
        "",
        f"Each figure pools {seeds} seed{'s' if seeds != 1 else ''} of a {record['agents']:,}-person,"
        f" {record['years']}-year run (weekly steps) with the calibrated defaults in"
        " `knowledge/population.toml`, measured at the last step: k of n people across the"
        " seeds, with a Wilson 95% interval, and the SD of the per-seed shares. Regenerate"
        f" with `{regenerate_command(record)}` (it also writes `docs/population-fit.json`, the"
        " record this page is rendered from); `ketpath calibrate` without `--check-only`"
        " refits first.",
        "",
        "## Targets",
        "",
        fit_table(fits),
        "",
        "Sources: "
        + "; ".join(f"{targets[f.key].label}: {', '.join(targets[f.key].sources)}" for f in fits)
        + ".",
        "",
        "The targets come from different populations (an online global sample, a UK"
        " dance-music sample, an online US survey, people with a use disorder, the US"
        " household survey); no single real population matches them all, so the fit shows"
        " the model can hold them at once, not that it describes any one of them.",
        "",
        "Urinary symptoms: surveys of users cannot tell symptoms ketamine caused from those"
        " people would have anyway, so the model's any-cause share (ketamine harm or the"
        " background that never-users have too) is what is compared with them. The"
        " ketamine-caused share is reported apart (`urinary_among_*` in `ketpath simulate"
        " --json`).",
        "",
        *_checks_section(record),
        "## Calibrated values",
        "",
        "| parameter | value |",
        "|---|---|",
        *(f"| `{name}` | {value:.6g} |" for name, value in sorted(record["values"].items())),
        "",
        "![fit per target](population-fit.svg)",
        "",
    ]
    return "\n".join(lines)


def _checks_section(record: dict[str, Any]) -> list[str]:
    knowledge = population().calibration
    checks = record["checks"]
    grams, relapse = (
        checks["grams_per_use_day_dependent"],
        checks["relapse_within_year_after_treatment"],
    )
    grams_check = knowledge.checks["grams_per_use_day_dependent"]
    relapse_check = knowledge.checks["relapse_within_year_after_treatment"]
    simulated = relapse["simulated"]
    observed = grams["observed"]
    lines = [
        "## Checks (not fitted)",
        "",
        "| check | published | band | model | within |",
        "|---|---|---|---|---|",
        f"| {grams_check.label} ({', '.join(grams_check.sources)}) | {grams['value']:.3g} g"
        f" | {grams['low']:.3g}–{grams['high']:.3g} g"
        f" | {'—' if observed is None else f'{observed:.3g} g'} (mean over {grams['people']:,} people)"
        f" | {'yes' if observed is not None and grams['low'] <= observed <= grams['high'] else 'NO'} |",
        f"| {relapse_check.label}, structural ({', '.join(relapse_check.sources)})"
        f" | {_percent(relapse['value'])} | {_percent(relapse['low'])}–{_percent(relapse['high'])}"
        f" | {_percent(relapse['structural'])}"
        f" | {'yes' if relapse['low'] <= relapse['structural'] <= relapse['high'] else 'NO'} |",
        f"| {relapse_check.label}, simulated | | "
        f"| {_percent(simulated['value'])} ({simulated['numerator']} / {simulated['denominator']}"
        f" completers; Wilson 95% {_interval(simulated['low'], simulated['high'])})"
        " | — |",
        "",
        "The structural relapse is what the parameters give in closed form"
        " (`model.structural_relapse`); the simulated share counts people who completed"
        " treatment and were followed for a full year, pooled over the seeds. Treatment"
        " dropouts are not counted: they resume use when they leave. Completers are few"
        " (about a dozen per 100,000 people over ten years), so the simulated share is"
        " read through its interval.",
        "",
        "Ketamine cohorts, set beside the model at the same follow-up (not fitted):",
        "",
        "| cohort | relapsed | follow-up | model (structural) at that follow-up | source |",
        "|---|---|---|---|---|",
    ]
    for row in checks["relapse_cohorts"]:
        cohort = knowledge.relapse_cohorts[row["key"]]
        lines.append(
            f"| {cohort.label} | {_percent(row['relapsed'])} of {row['people']}"
            f" | {cohort.follow_up} | {_percent(row['structural'])}"
            f" | {', '.join(cohort.sources)} |"
        )
    lines += [
        "",
        "The model carries the general prior (McLellan 2000), which sits above what the two"
        " Taiwanese ketamine cohorts report; they are youths, followed by different means,"
        " so they are shown rather than fitted.",
        "",
    ]
    return lines


def write_report(record: dict[str, Any], report: Path) -> Path:
    """Write the fit record as JSON beside the Markdown report, and the report itself."""
    record_path = report.with_suffix(".json")
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report.write_text(fit_document(record), encoding="utf-8")
    return record_path
