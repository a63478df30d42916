"""The pharmacokinetic model beside the adult human data it was fitted to.

Each row is one published number (an area, a peak, a peak time, a ratio or a
half-life after a stated dose) and what the model gives for the same dose at
70 kg with the central bioavailability. ``knowledge/body.toml`` says which
values were fitted to which rows; ``docs/pk-fit.md`` is :func:`fit_markdown`
of :func:`fit_rows` (``scripts/make_pk_fit.py`` writes it, and a test fails
when it is stale), so the page cannot drift from the model.

Clinical doses are stated as ketamine base (ketamine for injection is labelled
as base), so they enter the model through :func:`pk.hydrochloride_mg`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ketpath.core.body import pk

__all__ = ["OBSERVATIONS", "FitRow", "Observation", "fit_markdown", "fit_rows"]

WEIGHT_KG = 70.0


@dataclass(frozen=True)
class Observation:
    """One published adult figure; ``target`` marks those the parameters were fitted to."""

    data_set: str
    quantity: str
    unit: str
    observed: float
    sources: tuple[str, ...]
    target: bool
    note: str = ""


@dataclass(frozen=True)
class FitRow:
    """An observation and the model's value for it."""

    observation: Observation
    model: float

    @property
    def ratio(self) -> float:
        """Model divided by observed."""
        return self.model / self.observation.observed


def _history(base_mg: float, route: str, infusion_min: float | None = None) -> pk.DoseHistory:
    return pk.DoseHistory(
        np.array([0.0]),
        pk.hydrochloride_mg(np.array([base_mg])),
        np.array([route]),
        None if infusion_min is None else np.array([infusion_min]),
    )


def _summary(base_mg: float, route: str) -> dict[str, dict[str, float | list[float]]]:
    return pk.single_dose_summary(float(pk.hydrochloride_mg(base_mg)), route, weight_kg=WEIGHT_KG)


def _value(base_mg: float, route: str, species: str, key: str) -> float:
    value = _summary(base_mg, route)[species][key]
    assert isinstance(value, float)
    return value


def _area_ratio(base_mg: float, route: str) -> float:
    return _value(base_mg, route, "norketamine", "auc_ng_h_ml") / _value(
        base_mg, route, "ketamine", "auc_ng_h_ml"
    )


def _concentration_at(base_mg: float, route: str, minutes: float, infusion_min: float) -> float:
    history = _history(base_mg, route, infusion_min or None)
    curves = pk.concentrations(history, [minutes / 60.0], weight_kg=WEIGHT_KG)
    return float(curves.ketamine_ng_ml[0])


def _half_life(which: int) -> Callable[[], float]:
    def compute() -> float:
        return math.log(2.0) / pk.parameters(WEIGHT_KG).rates[which] * (60.0 if which == 0 else 1.0)

    return compute


_P22 = ("pharmacotherapy-2022",)
_HALF_MG_PER_KG = 0.5 * WEIGHT_KG


def _pharmacotherapy_rows() -> list[tuple[Observation, Callable[[], float]]]:
    """Pharmacotherapy 2022, Table 6: geometric means, healthy adults, racemic ketamine."""
    iv = "Pharmacotherapy 2022: 10 mg IV"
    rows: list[tuple[Observation, Callable[[], float]]] = [
        (
            Observation(iv, "ketamine AUC", "ng·h/mL", 113.0, _P22, True),
            lambda: _value(10.0, "intravenous", "ketamine", "auc_ng_h_ml"),
        ),
        (
            Observation(
                iv,
                "ketamine at 2 min",
                "ng/mL",
                296.0,
                _P22,
                False,
                "the measured peak, first sample at 2 min; mixing after a bolus is not modelled",
            ),
            lambda: _concentration_at(10.0, "intravenous", 2.0, 0.0),
        ),
        (
            Observation(iv, "norketamine AUC", "ng·h/mL", 22.0, _P22, True),
            lambda: _value(10.0, "intravenous", "norketamine", "auc_ng_h_ml"),
        ),
        (
            Observation(iv, "norketamine/ketamine AUC", "1", 0.19, _P22, True),
            lambda: _area_ratio(10.0, "intravenous"),
        ),
        (
            Observation(iv, "norketamine peak time", "min", 30.0, _P22, True),
            lambda: _value(10.0, "intravenous", "norketamine", "tmax_min"),
        ),
        (
            Observation(
                iv,
                "norketamine peak",
                "ng/mL",
                27.0,
                _P22,
                False,
                "read from the peak per mg (2.7) and the peak ratio (0.089 x 296); "
                "not reconcilable with the small IV area in a linear model",
            ),
            lambda: _value(10.0, "intravenous", "norketamine", "cmax_ng_ml"),
        ),
    ]
    # dose, ketamine AUC / peak / peak time, norketamine AUC / AUC ratio / peak / peak
    # time, the study's bioavailability (the 10 mg arm had too few norketamine areas)
    for dose, ketamine, norketamine, bioavailability in (
        (10.0, (19.0, 22.9, 23.0), (None, None, 17.8, 79.0), 0.17),
        (30.0, (46.0, 60.8, 14.0), (181.0, 3.95, 68.1, 60.0), 0.13),
        (50.0, (64.0, 77.6, 16.0), (291.0, 4.54, 105.0, 56.0), 0.11),
    ):
        name = f"Pharmacotherapy 2022: {dose:.0f} mg intranasal (F {bioavailability:.2f})"
        rows += _intranasal_rows(name, dose, ketamine, norketamine)
    return rows


def _intranasal_rows(
    name: str,
    dose: float,
    ketamine: tuple[float, float, float],
    norketamine: tuple[float | None, float | None, float, float],
) -> list[tuple[Observation, Callable[[], float]]]:
    route = "intranasal"
    area, peak, peak_min = ketamine
    nk_area, nk_ratio, nk_peak, nk_peak_min = norketamine
    peak_note = "measured peak lies inside the model's bioavailability range"
    rows: list[tuple[Observation, Callable[[], float]]] = [
        (
            Observation(name, "ketamine AUC", "ng·h/mL", area, _P22, True),
            lambda: _value(dose, route, "ketamine", "auc_ng_h_ml"),
        ),
        (
            Observation(name, "ketamine peak", "ng/mL", peak, _P22, False, peak_note),
            lambda: _value(dose, route, "ketamine", "cmax_ng_ml"),
        ),
        (
            Observation(name, "ketamine peak time", "min", peak_min, _P22, True),
            lambda: _value(dose, route, "ketamine", "tmax_min"),
        ),
    ]
    if nk_area is not None and nk_ratio is not None:
        rows += [
            (
                Observation(name, "norketamine AUC", "ng·h/mL", nk_area, _P22, True),
                lambda: _value(dose, route, "norketamine", "auc_ng_h_ml"),
            ),
            (
                Observation(name, "norketamine/ketamine AUC", "1", nk_ratio, _P22, True),
                lambda: _area_ratio(dose, route),
            ),
        ]
    rows += [
        (
            Observation(name, "norketamine peak", "ng/mL", nk_peak, _P22, nk_area is not None),
            lambda: _value(dose, route, "norketamine", "cmax_ng_ml"),
        ),
        (
            Observation(
                name, "norketamine peak time", "min", nk_peak_min, _P22, nk_area is not None
            ),
            lambda: _value(dose, route, "norketamine", "tmax_min"),
        ),
    ]
    return rows


def _other_rows() -> list[tuple[Observation, Callable[[], float]]]:
    infusion = "Zarate 2006: 0.5 mg/kg IV over 40 min"
    return [
        (
            Observation(
                infusion,
                "ketamine at the end of the infusion",
                "ng/mL",
                185.0,
                ("zarate-2006", "zanos-2018"),
                True,
                "venous samples; as tabulated in Zanos 2018, Table 1",
            ),
            lambda: _concentration_at(_HALF_MG_PER_KG, "intravenous", 40.0, 40.0),
        ),
        (
            Observation(
                "Grant 1981: 0.5 mg/kg oral",
                "ketamine peak",
                "ng/mL",
                45.0,
                ("zanos-2018",),
                False,
                "as tabulated in Zanos 2018, Table 1",
            ),
            lambda: _value(_HALF_MG_PER_KG, "oral", "ketamine", "cmax_ng_ml"),
        ),
        (
            Observation(
                "Fanta 2015: oral S-ketamine",
                "norketamine/ketamine AUC",
                "1",
                16.5,
                ("fanta-2015",),
                False,
                "S-ketamine (oral bioavailability 0.08), not racemic: the model's racemic "
                "oral ratio should be several-fold, not equal",
            ),
            lambda: _area_ratio(_HALF_MG_PER_KG, "oral"),
        ),
        (
            Observation(
                "Ketalar label: IV",
                "distribution half-life",
                "min",
                12.5,
                ("ketalar-label",),
                True,
                "10-15 min",
            ),
            _half_life(0),
        ),
        (
            Observation(
                "Clements 1982, Yanagihara 2003: IV",
                "terminal half-life",
                "h",
                2.5,
                ("clements-1982", "yanagihara-2003"),
                True,
                "2-3 h with sampling over hours",
            ),
            _half_life(1),
        ),
        (
            Observation(
                "Hasan 2021: long sampling",
                "terminal half-life",
                "h",
                5.65,
                ("hasan-2021",),
                False,
                "S- 5.2 h, R- 6.1 h; a third, slow phase the two-compartment model leaves out",
            ),
            _half_life(1),
        ),
    ]


def _catalogue() -> list[tuple[Observation, Callable[[], float]]]:
    return _pharmacotherapy_rows() + _other_rows()


#: Every observation the fit page shows, in page order.
OBSERVATIONS: tuple[Observation, ...] = tuple(row for row, _ in _catalogue())


def fit_rows() -> tuple[FitRow, ...]:
    """The model's value beside each observation, for the parameters in ``body.toml``."""
    return tuple(FitRow(observation, compute()) for observation, compute in _catalogue())


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def fit_markdown(rows: tuple[FitRow, ...]) -> str:
    """docs/pk-fit.md for ``rows``: the table, the parameters behind it, how to regenerate."""
    parameters = pk.parameters(WEIGHT_KG)
    lines = [
        "# Body model: pharmacokinetics against adult human data",
        "",
        "Each row is a published figure for racemic ketamine in adults (unless the row"
        " says otherwise) and what the model gives for the same dose at 70 kg with the"
        " central bioavailability of the route. Clinical doses are ketamine base and"
        " enter the model as base. *Fitted* rows are those the parameters in"
        " `knowledge/body.toml` were chosen to match; the others are checks, and their"
        " notes say why they miss where they do. Regenerate with"
        " `python scripts/make_pk_fit.py`; `tests/model/test_pk_fit.py` fails when this"
        " page is stale.",
        "",
        "| data set | quantity | observed | model | model / observed | fitted | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        item = row.observation
        unit = "" if item.unit == "1" else f" {item.unit}"
        lines.append(
            f"| {item.data_set} | {item.quantity} | {_number(item.observed)}{unit}"
            f" | {_number(row.model)}{unit} | {row.ratio:.2f}"
            f" | {'yes' if item.target else 'no'} | {item.note} |"
        )
    sources = sorted({source for row in rows for source in row.observation.sources})
    lines += [
        "",
        "Sources (ids in `knowledge/sources.toml`): " + ", ".join(sources) + ".",
        "",
        "## The model at 70 kg",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| clearance | {parameters.clearance:.1f} L/h |",
        f"| central / peripheral volume | {parameters.central_volume:.1f}"
        f" / {parameters.peripheral_volume:.1f} L |",
        f"| intercompartmental clearance | {parameters.intercompartmental_clearance:.1f} L/h |",
        f"| distribution / terminal half-life | {math.log(2) / parameters.rates[0] * 60:.1f}"
        f" min / {math.log(2) / parameters.rates[1]:.2f} h |",
        f"| norketamine clearance / volume | {parameters.norketamine_rate * parameters.norketamine_volume:.1f}"
        f" L/h / {parameters.norketamine_volume:.1f} L |",
        "",
        "![model / observed for each row](pk-fit.svg)",
        "",
    ]
    return "\n".join(lines)
