"""Tolerance as two slow memories of exposure, and the trend of weekly exposure.

Metabolic tolerance (clearance induction) and pharmacodynamic tolerance (a
rightward shift of C50) each follow a first-order memory of plasma ketamine
(time constant tau) passed through a saturating map, so both rise with
exposure, level off, and decay once use stops. Both are reported as fractions:
0 means none, 0.5 means clearance (or C50) is 1.5 times the naive value.

The sizes and time constants are calibration choices (rat data only, see
``knowledge/body.toml``). Tolerance is computed from the exposure the baseline
model predicts and is not fed back into the concentrations: feedback would let
an uncalibrated guess act twice and would break the exact superposition of
doses that keeps this fast. Callers wanting a tolerant clearance pass
``clearance_multiplier = 1 + pk`` to :func:`ketpath.core.body.pk.concentrations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ketpath.core.body.pk import DoseHistory, FloatArray, auc_windows, exposure_memory
from ketpath.knowledge.body import ToleranceComponent, body

__all__ = ["Exposure", "Tolerance", "Trend", "exposure", "tolerance"]

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 7.0 * HOURS_PER_DAY
Trend = Literal["rising", "falling", "stable", "none"]


@dataclass(frozen=True)
class Tolerance:
    """Metabolic (CL multiplier - 1) and pharmacodynamic (C50 multiplier - 1) tolerance."""

    pk: FloatArray
    pd: FloatArray


def tolerance(history: DoseHistory, t_h: npt.ArrayLike, *, weight_kg: float = 70.0) -> Tolerance:
    """Both tolerance components at times ``t_h`` (hours, any order)."""
    components = body().tolerance
    return Tolerance(
        pk=_component(history, t_h, components.pk, weight_kg),
        pd=_component(history, t_h, components.pd, weight_kg),
    )


def _component(
    history: DoseHistory, t_h: npt.ArrayLike, component: ToleranceComponent, weight_kg: float
) -> FloatArray:
    memory = exposure_memory(
        history,
        t_h,
        time_constant_h=component.time_constant.value * HOURS_PER_DAY,
        weight_kg=weight_kg,
    )
    half = component.half_saturation.value
    result: FloatArray = component.max_fraction.value * memory / (memory + half)
    return result


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
