"""Tolerance as two slow processes driven by exposure, and the trend of weekly exposure.

Metabolic tolerance (clearance induction) and pharmacodynamic tolerance (a
rightward shift of C50) each rise with every dose toward a ceiling and decay
toward none with their own time constant tau. Both are reported as fractions:
0 means none, 0.5 means clearance (or C50) is 1.5 times the naive value.

Each dose moves a component part of the way to its ceiling,
T <- T + (max - T) (1 - exp(-AUC / (half x tau))), where AUC is the dose's own
ketamine plasma area; between doses T decays as exp(-dt / tau). So the ceiling
holds by construction, a long break lowers tolerance exactly with its time
constant whatever the level it started from, and at low exposure or in a steady
pattern of use the level matches the saturating map of the mean concentration,
max x m / (m + half), that defines ``half``. (An earlier version saturated a
memory of the concentration instead; heavy use then held tolerance near its
ceiling for weeks after the last dose, because the memory had to fall far below
``half`` before the map moved.)

Known inexactness, accepted: a dose's whole area counts at the moment it is
taken, while absorption and elimination spread it over hours; against time
constants of days this shifts the build-up by hours at most.

The sizes and time constants are calibration choices (rat data only, see
``knowledge/body.toml``). Tolerance is computed from the exposure the baseline
model predicts and is not fed back into the concentrations: feedback would let
an uncalibrated guess act twice and would break the exact superposition of
doses that keeps this fast. Callers wanting a tolerant clearance pass
``clearance_multiplier = 1 + pk`` to :func:`ketpath.core.body.pk.concentrations`.

:func:`tolerance_reading` turns the two fractions into the words a person sees
(a level and a direction, ``knowledge/body.toml`` section ``tolerance.reading``):
never a percentage or a multiplier, which would read as "take more".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ketpath.core.body.pk import DoseHistory, FloatArray, auc_windows, dose_auc
from ketpath.knowledge.body import ToleranceComponent, body

__all__ = [
    "Direction",
    "Exposure",
    "Level",
    "Tolerance",
    "ToleranceReading",
    "Trend",
    "exposure",
    "saturation",
    "tolerance",
    "tolerance_reading",
]

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 7.0 * HOURS_PER_DAY
Trend = Literal["rising", "falling", "stable", "none"]
Level = Literal["low", "moderate", "high"]
Direction = Literal["rising", "steady", "falling"]


@dataclass(frozen=True)
class Tolerance:
    """Metabolic (CL multiplier - 1) and pharmacodynamic (C50 multiplier - 1) tolerance."""

    pk: FloatArray
    pd: FloatArray


def tolerance(history: DoseHistory, t_h: npt.ArrayLike, *, weight_kg: float = 70.0) -> Tolerance:
    """Both tolerance components at times ``t_h`` (hours, any order); doses after a time don't count."""
    components = body().tolerance
    times = np.asarray(t_h, dtype=np.float64).reshape(-1)
    order = np.argsort(history.times_h, kind="stable")
    dose_times = history.times_h[order]
    areas = dose_auc(history, weight_kg=weight_kg)[order] if len(history) else np.zeros(0)
    return Tolerance(
        pk=_component(dose_times, areas, times, components.pk),
        pd=_component(dose_times, areas, times, components.pd),
    )


def _component(
    dose_times: FloatArray, areas: FloatArray, times: FloatArray, component: ToleranceComponent
) -> FloatArray:
    """Level just after each dose by the recurrence, then decayed to each requested time."""
    tau_h = component.time_constant.value * HOURS_PER_DAY
    after_dose = _after_each_dose(
        dose_times,
        areas,
        tau_h=tau_h,
        ceiling=component.max_fraction.value,
        scale=component.half_saturation.value * tau_h,
    )
    last = np.searchsorted(dose_times, times, side="right") - 1
    result = np.zeros_like(times)
    seen = last >= 0
    since = times[seen] - dose_times[last[seen]]
    result[seen] = after_dose[last[seen]] * np.exp(-since / tau_h)
    return result


def _after_each_dose(
    dose_times: FloatArray, areas: FloatArray, *, tau_h: float, ceiling: float, scale: float
) -> FloatArray:
    """The level just after each dose (times ascending), from none before the first.

    Dose k decays the level by ``d = exp(-dt / tau)`` since the dose before and
    then leaves ``r = exp(-AUC / scale)`` of the way to the ceiling still to go:
    ``T_k = T_{k-1} d r + ceiling (1 - r)``, an affine map of ``T_{k-1}``. Affine
    maps compose associatively, so every prefix is found in log2(n) vectorised
    doubling steps (a Hillis-Steele inclusive scan) instead of a Python loop over
    the doses: on five years of near-daily use about six times faster. The
    products stay within [0, 1] and each level passes through at most log2(n)
    roundings, so it agrees with the step-by-step loop to about 1e-15 of the
    ceiling (tests/unit/test_body_tolerance_scan.py checks 1e-12).
    """
    count = len(dose_times)
    if not count:
        return np.zeros(0)
    # The first dose starts from no tolerance: a zero factor drops whatever came before.
    decay = np.concatenate(([0.0], np.exp(-np.diff(dose_times) / tau_h)))
    factor = decay * np.exp(-areas / scale)
    level = -ceiling * np.expm1(-areas / scale)
    shift = 1
    while shift < count:
        # Compose each element's map with the one ``shift`` places before it.
        level[shift:] = factor[shift:] * level[:-shift] + level[shift:]
        factor[shift:] = factor[shift:] * factor[:-shift]
        shift *= 2
    # Rounding can put a level at the ceiling one unit in the last place above it.
    return np.minimum(level, ceiling)


def saturation(level: Tolerance) -> FloatArray:
    """The larger of the two components as a fraction of its ceiling (0 none, 1 the ceiling)."""
    components = body().tolerance
    result: FloatArray = np.maximum(
        level.pk / components.pk.max_fraction.value, level.pd / components.pd.max_fraction.value
    )
    return result


@dataclass(frozen=True)
class ToleranceReading:
    """Tolerance in words: how high it is now, and which way it went over the last window."""

    level: Level
    direction: Direction


def tolerance_reading(
    history: DoseHistory, as_of_h: float, *, weight_kg: float = 70.0
) -> ToleranceReading:
    """The level at ``as_of_h`` and its direction since a window before (``tolerance.reading``)."""
    rule = body().tolerance.reading
    window_h = rule.window.value * HOURS_PER_DAY
    now, before = saturation(tolerance(history, [as_of_h, as_of_h - window_h], weight_kg=weight_kg))
    return ToleranceReading(
        level=level_of(float(now)), direction=_direction(float(now), float(before))
    )


def level_of(fraction_of_ceiling: float) -> Level:
    """``low``, ``moderate`` or ``high`` by the thresholds in ``tolerance.reading``."""
    rule = body().tolerance.reading
    if fraction_of_ceiling >= rule.high.value:
        return "high"
    if fraction_of_ceiling >= rule.moderate.value:
        return "moderate"
    return "low"


def _direction(now: float, before: float) -> Direction:
    rule = body().tolerance.reading
    larger = max(now, before)
    if larger < rule.negligible.value:
        return "steady"
    if now - before >= rule.change.value * larger:
        return "rising"
    if before - now >= rule.change.value * larger:
        return "falling"
    return "steady"


@dataclass(frozen=True)
class Exposure:
    """Ketamine plasma AUC (ng·h/mL) over recent windows, and its weekly trend."""

    last_7_days: float
    last_30_days: float
    prior_weekly_mean: float
    trend: Trend


def exposure(history: DoseHistory, as_of_h: float, *, weight_kg: float = 70.0) -> Exposure:
    """Exposure in the last 7 and 30 days before ``as_of_h`` and its trend.

    The trend compares the last week with the mean of the weeks before it
    (``knowledge/body.toml``, section ``trend``).
    """
    rule = body().trend
    prior_weeks = round(rule.prior_weeks.value)
    week_edges = as_of_h - HOURS_PER_WEEK * np.arange(prior_weeks + 1, -1, -1)
    edges = np.unique(np.concatenate([week_edges, [as_of_h - 30.0 * HOURS_PER_DAY]]))
    cumulative = np.concatenate(
        [[0.0], np.cumsum(auc_windows(history, edges, weight_kg=weight_kg))]
    )

    def between(start: float, end: float) -> float:
        first, last = np.searchsorted(edges, [start, end])
        return float(cumulative[last] - cumulative[first])

    last_week = between(as_of_h - HOURS_PER_WEEK, as_of_h)
    prior = between(week_edges[0], week_edges[-2]) / prior_weeks
    return Exposure(
        last_7_days=last_week,
        last_30_days=between(as_of_h - 30.0 * HOURS_PER_DAY, as_of_h),
        prior_weekly_mean=prior,
        trend=_trend(last_week, prior, prior_weeks),
    )


def _trend(last_week: float, prior_mean: float, prior_weeks: int) -> Trend:
    rule = body().trend
    if last_week + prior_weeks * prior_mean < rule.min_exposure.value:
        return "none"
    if last_week >= rule.rising_ratio.value * prior_mean:
        return "rising"
    if last_week <= rule.falling_ratio.value * prior_mean:
        return "falling"
    return "stable"
