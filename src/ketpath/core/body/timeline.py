"""A whole dose history seen through the body model, as series ready to chart or serialise.

:func:`history_timeline` gathers what the research tool ``ketpath body`` and its
chart show over time: ketamine exposure per week, tolerance per day (as the
model's fractions; persons see them only as level words), and the high and the
low that each dose produced in the opponent-process model ("the high shrinks,
the low grows"). :func:`dose_curve` gives one dose's concentration curve, and
its effect curve for routes with human effect data.

Times are hours on the caller's clock (the assessment uses hours since the Unix
epoch, UTC); the caller turns them into dates. Days and weeks are runs of 24 and
168 hours from ``origin_h``, so across a daylight-saving change a "day" is off
local midnight by an hour, which is harmless for charts at this scale.

These series describe what logged doses did in the model. Nothing here chooses,
suggests or inverts a dose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ketpath.core.body import BodySummary, body_summary
from ketpath.core.body.pk import (
    DoseHistory,
    FloatArray,
    auc_windows,
    concentrations,
    effect,
    single_dose_summary,
)
from ketpath.core.body.reward import _DOSE_GRID_H, dose_extremes, opponent_process
from ketpath.core.body.tolerance import HOURS_PER_DAY, HOURS_PER_WEEK, tolerance
from ketpath.knowledge.body import body

__all__ = [
    "DailyTolerance",
    "DoseRewards",
    "Timeline",
    "WeeklyExposure",
    "dose_curve",
    "history_timeline",
]

#: A dose's low is looked for this long before the next dose as well, so a low
#: still deepening when the next dose comes is not missed between grid points.
_BEFORE_NEXT_DOSE_H = 1.0 / 60.0


@dataclass(frozen=True)
class WeeklyExposure:
    """Ketamine plasma AUC (ng·h/mL) in each week; the last week ends at ``as_of``."""

    start_h: FloatArray
    ketamine_auc_ng_h_ml: FloatArray


@dataclass(frozen=True)
class DailyTolerance:
    """Tolerance at the close of each day (at ``as_of`` for the current day), as fractions."""

    start_h: FloatArray
    pk: FloatArray
    pd: FloatArray


@dataclass(frozen=True)
class DoseRewards:
    """Per dose time: the highest and the lowest felt effect w until the next dose.

    Doses logged at the same instant count as one, as in the reward model.
    w is in the model's own units (0 = neither high nor low).
    """

    t_h: FloatArray
    high: FloatArray
    low: FloatArray


@dataclass(frozen=True)
class Timeline:
    """Exposure by week, tolerance by day and reward by dose, up to ``as_of_h``."""

    as_of_h: float
    weight_kg: float
    weeks: WeeklyExposure
    days: DailyTolerance
    doses: DoseRewards
    summary: BodySummary

    def to_dict(self) -> dict[str, object]:
        """Plain lists and floats for JSON; times stay in hours for the caller to convert."""
        return {
            "as_of_h": self.as_of_h,
            "weight_kg": self.weight_kg,
            "weeks": {
                "start_h": _floats(self.weeks.start_h),
                "ketamine_auc_ng_h_ml": _floats(self.weeks.ketamine_auc_ng_h_ml),
            },
            "days": {
                "start_h": _floats(self.days.start_h),
                "tolerance_pk": _floats(self.days.pk),
                "tolerance_pd": _floats(self.days.pd),
            },
            "doses": {
                "t_h": _floats(self.doses.t_h),
                "reward_high": _floats(self.doses.high),
                "reward_low": _floats(self.doses.low),
            },
            "summary": self.summary,
        }


def _floats(values: FloatArray) -> list[float]:
    return [float(value) for value in values]


def history_timeline(
    history: DoseHistory, as_of_h: float, *, weight_kg: float = 70.0, origin_h: float = 0.0
) -> Timeline:
    """The body model's view of every dose up to ``as_of_h`` (later doses are ignored).

    Weeks and days run from the one holding the first dose to the one holding
    ``as_of_h``; ``origin_h`` is an instant at which both a day and a week begin
    (pass a local Monday midnight for calendar weeks).

    Cost: five years of near-daily doses (about 1,800) took 1.10 s at best of 8
    runs on the development machine, against 1.04 s for ``opponent_process``
    alone on a daily grid; medians were 1.3-1.9 s while the machine was busy
    with other work (``python benchmarks/bench_body_timeline.py``). Almost all is
    :func:`~ketpath.core.body.reward.opponent_process`, whose own integration grid
    (5-minute steps for 4 h after each dose, then 30-minute steps to 24 h) and
    per-dose stepping set a floor that no choice of sample times here removes. So
    the reward is sampled on that same grid, which resolves each dose's peak to
    5 minutes (within 1% of a 1-minute grid) without adding integration points,
    plus one point a minute before each next dose; integration stops 24 h after
    the last dose, skipping the quiet tail to ``as_of_h``.
    """
    past = history.before(as_of_h)
    if len(past) == 0:
        empty = np.zeros(0)
        return Timeline(
            as_of_h=as_of_h,
            weight_kg=weight_kg,
            weeks=WeeklyExposure(empty, empty),
            days=DailyTolerance(empty, empty, empty),
            doses=DoseRewards(empty, empty, empty),
            summary=body_summary(past, as_of_h, weight_kg),
        )
    first_h = float(past.times_h.min())
    return Timeline(
        as_of_h=as_of_h,
        weight_kg=weight_kg,
        weeks=_weekly_exposure(past, first_h, as_of_h, weight_kg, origin_h),
        days=_daily_tolerance(past, first_h, as_of_h, weight_kg, origin_h),
        doses=_dose_rewards(past, as_of_h, weight_kg),
        summary=body_summary(past, as_of_h, weight_kg),
    )


def _period_starts(first_h: float, as_of_h: float, length_h: float, origin_h: float) -> FloatArray:
    """Starts of the periods of ``length_h`` (aligned on ``origin_h``) from first_h to as_of_h."""
    first = math.floor((first_h - origin_h) / length_h)
    last = math.floor((as_of_h - origin_h) / length_h)
    starts: FloatArray = origin_h + length_h * np.arange(first, last + 1, dtype=np.float64)
    return starts


def _weekly_exposure(
    history: DoseHistory, first_h: float, as_of_h: float, weight_kg: float, origin_h: float
) -> WeeklyExposure:
    starts = _period_starts(first_h, as_of_h, HOURS_PER_WEEK, origin_h)
    # The last week ends at as_of (a single instant when as_of starts a week: AUC 0).
    edges = np.append(starts, as_of_h)
    return WeeklyExposure(starts, auc_windows(history, edges, weight_kg=weight_kg))


def _daily_tolerance(
    history: DoseHistory, first_h: float, as_of_h: float, weight_kg: float, origin_h: float
) -> DailyTolerance:
    starts = _period_starts(first_h, as_of_h, HOURS_PER_DAY, origin_h)
    closes = np.minimum(starts + HOURS_PER_DAY, as_of_h)
    level = tolerance(history, closes, weight_kg=weight_kg)
    return DailyTolerance(starts, level.pk, level.pd)


def _dose_rewards(history: DoseHistory, as_of_h: float, weight_kg: float) -> DoseRewards:
    dose_times = np.unique(history.times_h)
    until = min(as_of_h, float(dose_times[-1]) + float(_DOSE_GRID_H[-1]))
    after_doses = (dose_times[:, None] + _DOSE_GRID_H[None, :]).reshape(-1)
    before_next = dose_times[1:] - _BEFORE_NEXT_DOSE_H
    points = np.unique(np.concatenate([dose_times, after_doses, before_next, [until]]))
    points = points[points <= until]
    reward = opponent_process(history, points, weight_kg=weight_kg)
    highs, lows = dose_extremes(reward, history)
    return DoseRewards(dose_times[: len(highs)], highs, lows)


def dose_curve(
    dose_mg: float,
    route: str,
    *,
    weight_kg: float = 70.0,
    infusion_min: float | None = None,
    hours: float = 12.0,
    step_min: float = 5.0,
) -> dict[str, list[float]]:
    """One dose's plasma ketamine and norketamine (ng/mL) and effect (0-1) over time.

    The effect is given only for routes with human effect data
    (``knowledge/body.toml``, ``assessment.research.effect_routes``); for the
    others (smoked, sublingual, rectal) the curve has no ``"effect"`` key.
    The regular grid of ``step_min`` is joined by the peak times that
    :func:`single_dose_summary` finds, so a fast peak (an injection, smoking)
    is drawn at its height instead of falling between grid points. Describes a
    given dose for research; never suggests one.
    """
    if not hours > 0 or not step_min > 0:
        raise ValueError("hours and step_min must be positive")
    summary = single_dose_summary(dose_mg, route, weight_kg=weight_kg, infusion_min=infusion_min)
    with_effect = route in body().assessment.research.effect_routes
    peaks_min = [
        _number(summary["ketamine"]["tmax_min"]),
        _number(summary["norketamine"]["tmax_min"]),
    ]
    if with_effect:
        peaks_min.append(_number(summary["effect"]["time_to_peak_min"]))
    regular = np.arange(0.0, hours * 60.0 + step_min / 2.0, step_min)
    t_min = np.unique(np.concatenate([regular, [p for p in peaks_min if p <= hours * 60.0]]))
    history = DoseHistory(
        np.array([0.0]),
        np.array([float(dose_mg)]),
        np.array([route]),
        None if infusion_min is None else np.array([float(infusion_min)]),
    )
    levels = concentrations(history, t_min / 60.0, weight_kg=weight_kg)
    curve = {
        "t_min": _floats(t_min),
        "ketamine_ng_ml": _floats(levels.ketamine_ng_ml),
        "norketamine_ng_ml": _floats(levels.norketamine_ng_ml),
    }
    if with_effect:
        curve["effect"] = _floats(effect(levels.effect_site_ng_ml))
    return curve


def _number(value: float | list[float]) -> float:
    if isinstance(value, list):
        raise TypeError("expected a single number")
    return float(value)
