"""Calibration with Starsim's Optuna-based ``ss.Calibration`` against REFERENCE.md's figures.

The fitted parameters are those marked ``calibrated = true`` in
``knowledge/population.toml``; the targets and their tolerances are its
``[calibration.targets]``. The loss is the sum over targets of the squared
distance from the published value in units of the tolerance half-width, so a
loss below 1 per target means every figure is inside its band. With
``storage`` an Optuna RDB URL (``postgresql://...``, ``sqlite:///...``), workers
on several machines join one study by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import starsim as ss

from ketpath.knowledge.load import knowledge_path
from ketpath.knowledge.population import population
from ketpath.population.scenarios import build_sim, fit_figures, summarise


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


def fitted_parameters() -> list[Fitted]:
    """The parameters marked ``calibrated = true``, with their search ranges."""
    knowledge = population()
    out: list[Fitted] = []
    for section, module in (("initiation", "use"), ("use", "use"), ("bladder", "bladder")):
        block = getattr(knowledge, section)
        for name in type(block).model_fields:
            item = getattr(block, name)
            if getattr(item, "calibrated", False) and hasattr(item, "value"):
                low, high = item.range
                out.append(
                    Fitted(name, f"{section}.{name}", module, low, high, item.value, low > 0)
                )
    return out


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


def loss(figures: dict[str, float]) -> float:
    """Sum of squared misfits, each in units of its target's tolerance half-width."""
    total = 0.0
    for key, target in population().calibration.targets.items():
        half = (target.high - target.low) / 2.0
        total += ((figures[key] - target.value) / half) ** 2
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
    verbose: bool = False,
) -> dict[str, float]:
    """Run (or join) an Optuna study and return the best values found."""
    calib_pars = {
        f.name: {"low": f.low, "high": f.high, "guess": f.value, "log": f.log}
        for f in fitted_parameters()
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
    return {k: float(v) for k, v in calibration.best_pars.items() if k != "rand_seed"}


@dataclass(frozen=True)
class TargetFit:
    key: str
    label: str
    target: float
    low: float
    high: float
    observed: float
    spread: float

    @property
    def within(self) -> bool:
        return self.low <= self.observed <= self.high


def check_fit(
    *, agents: int, years: int, seeds: Iterable[int], values: dict[str, float] | None = None
) -> list[TargetFit]:
    """Mean (and SD over seeds) of each calibration figure with the given or shipped values."""
    rows = []
    for seed in seeds:
        sim = make_sim(agents=agents, years=years, seed=seed, values=values or {})
        sim.run()
        rows.append(fit_figures(summarise(sim)))
    out = []
    for key, target in population().calibration.targets.items():
        observed = np.array([row[key] for row in rows])
        out.append(
            TargetFit(
                key,
                target.label,
                target.value,
                target.low,
                target.high,
                float(observed.mean()),
                float(observed.std(ddof=1)) if len(observed) > 1 else 0.0,
            )
        )
    return out


def _percent(value: float) -> str:
    return f"{100 * value:.3g}%"


def fit_table(fits: list[TargetFit]) -> str:
    """A Markdown table of target, tolerance, model mean ± SD and verdict."""
    lines = [
        "| target | published | tolerance | model (mean ± SD over seeds) | within |",
        "|---|---|---|---|---|",
    ]
    for fit in fits:
        lines.append(
            f"| {fit.label} | {_percent(fit.target)} | {_percent(fit.low)}–{_percent(fit.high)} "
            f"| {_percent(fit.observed)} ± {_percent(fit.spread)} | {'yes' if fit.within else 'NO'} |"
        )
    return "\n".join(lines)


def plot_fit(fits: list[TargetFit], path: str) -> None:
    """Each target's tolerance band, published value and model mean ± SD, as a stable SVG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.rcParams["svg.hashsalt"] = "ketpath"
    fig, axes = plt.subplots(1, len(fits), figsize=(3.0 * len(fits), 3.4))
    for ax, fit in zip(np.atleast_1d(axes), fits, strict=True):
        ax.axhspan(100 * fit.low, 100 * fit.high, color="#cfe3f3", label="tolerance")
        ax.axhline(100 * fit.target, color="#1f5f99", linewidth=1.5, label="published")
        ax.errorbar(
            [0], [100 * fit.observed], yerr=[100 * fit.spread], fmt="o", color="#c0392b",
            capsize=4, label="model",
        )  # fmt: skip
        ax.set_xlim(-1, 1)
        ax.set_xticks([])
        ax.set_title(fit.label, fontsize=8, wrap=True)
        ax.set_ylabel("%")
        top = max(fit.high, fit.observed + fit.spread) * 100 * 1.3
        ax.set_ylim(0, top)
    np.atleast_1d(axes)[0].legend(fontsize=7, frameon=False, loc="lower left")
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


def fit_document(
    fits: list[TargetFit], values: dict[str, float], *, agents: int, years: int, seeds: int
) -> str:
    """The Markdown fit report (docs/population-fit.md)."""
    targets = population().calibration.targets
    sources = {key: ", ".join(t.sources) for key, t in targets.items()}
    lines = [
        "# Population model: fit to the calibration targets",
        "",
        f"Each figure is the mean over {seeds} seeds of a {agents:,}-person, {years}-year run"
        " (weekly steps) with the calibrated defaults in `knowledge/population.toml`, measured"
        " at the last step. Regenerate with `ketpath calibrate --report docs/population-fit.md"
        " --plot docs/population-fit.svg`.",
        "",
        fit_table(fits),
        "",
        "Sources: " + "; ".join(f"{targets[f.key].label}: {sources[f.key]}" for f in fits) + ".",
        "",
        "The targets come from different populations (an online global sample, a UK"
        " dance-music sample, the US household survey); no single real population matches"
        " them all, so the fit shows the model can hold all four at once, not that it"
        " describes any one of them.",
        "",
        "## Calibrated values",
        "",
        "| parameter | value |",
        "|---|---|",
        *(f"| `{name}` | {value:.6g} |" for name, value in sorted(values.items())),
        "",
        "![fit per target](population-fit.svg)",
        "",
    ]
    return "\n".join(lines)
