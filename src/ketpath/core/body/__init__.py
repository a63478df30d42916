"""The body model: what a history of doses does to a body.

Pure functions over NumPy arrays, parameterised by ``knowledge/body.toml``:
``pk`` (closed-form ketamine, norketamine and effect-site concentrations for a
whole dose history at once), ``tolerance`` (two slow components driven by
exposure, and the weekly exposure trend) and ``reward`` (the opponent-process
high and low). It describes; it never recommends or inverts a dose.
"""

from __future__ import annotations

from typing import TypedDict

from ketpath.core.body.pk import (
    Concentrations,
    DoseHistory,
    auc_between,
    concentrations,
    effect,
    single_dose_summary,
)
from ketpath.core.body.reward import Reward, dose_extremes, opponent_process
from ketpath.core.body.tolerance import Tolerance, Trend, exposure, tolerance

__all__ = [
    "BodySummary",
    "Concentrations",
    "DoseHistory",
    "Reward",
    "Tolerance",
    "auc_between",
    "body_summary",
    "concentrations",
    "dose_extremes",
    "effect",
    "exposure",
    "opponent_process",
    "single_dose_summary",
    "tolerance",
]


class ToleranceSummary(TypedDict):
    pk: float
    pd: float


class BodySummary(TypedDict):
    exposure_7d_ng_h_ml: float
    exposure_30d_ng_h_ml: float
    tolerance: ToleranceSummary
    trend: Trend


def body_summary(history: DoseHistory, as_of_h: float, weight_kg: float = 70.0) -> BodySummary:
    """Recent exposure, current tolerance and the weekly exposure trend at ``as_of_h``.

    Exposure is ketamine plasma AUC (ng·h/mL) in the last 7 and 30 days;
    tolerance is reported as fractions (0 = none); doses after ``as_of_h`` are
    ignored. Built for the assessment JSON, so it stays within a few milliseconds
    for years of near-daily doses.
    """
    past = history.before(as_of_h)
    recent = exposure(past, as_of_h, weight_kg=weight_kg)
    now = tolerance(past, [as_of_h], weight_kg=weight_kg)
    return {
        "exposure_7d_ng_h_ml": recent.last_7_days,
        "exposure_30d_ng_h_ml": recent.last_30_days,
        "tolerance": {"pk": float(now.pk[0]), "pd": float(now.pd[0])},
        "trend": recent.trend,
    }
