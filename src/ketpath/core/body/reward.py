"""Reward and its opposite: the opponent-process model of Chou & D'Orsogna 2022.

A pleasant a-process follows the drug signal D and an opposing b-process follows
a; what is felt is w = a - b (Solomon & Corbit 1974):

    a' = Ta D - alpha a        b' = Tb a - beta b

and after each dose of size Delta the b-process adapts,
beta <- beta (1 - B Delta) and Tb <- Tb (1 + G Delta), so with repeated use the
high shrinks and a low (w < 0) opens between doses and deepens.

What was checked (see ``knowledge/body.toml``, section ``reward``): the paper's
abstract (arXiv 2205.10704, published in Chaos 32:021102) describes this
biphasic a/b structure and the dose-by-dose neuroadaptation that strengthens the
b-process; an independent re-implementation of its Figure 2 uses exactly the
closed-form impulse response of the equations above with D' = -D + Delta
(impulses), the example values alpha 0.3, Ta 1, beta 0.5, Tb 0.1, and the updates
above with B and G in 0-0.1. We could not read the equations in the paper itself.

Departures, all project choices: D is the effect-site concentration Ce as a
saturating signal Ce / (Ce + C50) (racemic C50) instead of impulses, which is
Ce / C50 at low levels and stays below 1 for any amount; Delta is one dose's
area under Ce / C50 (what an impulse of size Delta integrates to in the paper,
in closed form); time is read in hours; beta and Tb stay within bounds, Tb never
exceeds ``max_gain`` x beta, and both relax toward their naive values with a
slow time constant, applied at each dose from the time since the last.

Bounded by construction, for any history: 0 <= D < 1 gives 0 <= a < Ta/alpha,
and Tb <= max_gain x beta at every moment gives 0 <= b < max_gain x Ta/alpha
(where b reaches max_gain x sup a, its derivative is <= 0), so
-max_gain x Ta/alpha < w < Ta/alpha: (-3.3, 3.3) with the default values.
Without these bounds years of heavy use drove w below -500.

Integration is exact for a drive that is linear between grid points: the grid is
the caller's times plus dense points after every dose, and each step uses the
closed-form response of the linear system (convolutions of exponentials).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ketpath.core.body.pk import (
    DoseHistory,
    FloatArray,
    convolved_exponentials,
    dose_auc,
    first_order_scan,
    superpose,
)
from ketpath.knowledge.body import body

__all__ = ["Reward", "RewardParameters", "dose_extremes", "opponent_process", "saturating_drive"]

# Offsets (h) after each dose at which the drive is sampled: 5 min for 4 h, then 30 min to 24 h.
_DOSE_GRID_H = np.concatenate([np.arange(0.0, 4.0, 5.0 / 60.0), np.arange(4.0, 24.01, 0.5)])


@dataclass(frozen=True)
class RewardParameters:
    """Rates per hour; adaptation per hour of normalised drive; recovery in hours."""

    alpha: float
    t_a: float
    beta: float
    t_b: float
    b_adaptation: float
    g_adaptation: float
    max_step: float
    beta_min: float
    t_b_max: float
    max_gain: float
    recovery_h: float

    def w_bounds(self) -> tuple[float, float]:
        """The open interval w always lies in: (-max_gain x Ta/alpha, Ta/alpha)."""
        high = self.t_a / self.alpha
        return -self.max_gain * high, high

    @classmethod
    def from_knowledge(cls) -> RewardParameters:
        reward = body().reward
        return cls(
            alpha=reward.alpha.value,
            t_a=reward.t_a.value,
            beta=reward.beta.value,
            t_b=reward.t_b.value,
            b_adaptation=reward.b_adaptation.value,
            g_adaptation=reward.g_adaptation.value,
            max_step=reward.max_step.value,
            beta_min=reward.beta_min.value,
            t_b_max=reward.t_b_max.value,
            max_gain=reward.max_gain.value,
            recovery_h=reward.recovery.value * 24.0,
        )


@dataclass(frozen=True)
class Reward:
    """The processes at the requested times; w > 0 is the high, w < 0 the low.

    a >= 0 and b >= 0; w lies within :meth:`RewardParameters.w_bounds`.
    """

    t_h: FloatArray
    a: FloatArray
    b: FloatArray
    w: FloatArray
    beta: FloatArray
    t_b: FloatArray


def opponent_process(
    history: DoseHistory,
    t_h: npt.ArrayLike,
    *,
    weight_kg: float = 70.0,
    params: RewardParameters | None = None,
) -> Reward:
    """a, b and w = a - b at ``t_h`` (sorted ascending) for the doses in ``history``."""
    settings = params or RewardParameters.from_knowledge()
    times = np.asarray(t_h, dtype=np.float64).reshape(-1)
    if np.any(np.diff(times) < 0):
        raise ValueError("t_h must be sorted ascending")
    if len(times) == 0:
        empty = np.zeros(0)
        return Reward(empty, empty, empty, empty, empty, empty)
    dose_times, sizes = _merged_doses(history, weight_kg, float(times[-1]))
    grid = _grid(times, dose_times)
    drive = saturating_drive(superpose(history, grid, ("effect",), weight_kg=weight_kg)["effect"])
    a, b, beta, t_b = _integrate(grid, drive, dose_times, sizes, settings)
    # Both processes are non-negative by construction; the exponential sums can
    # round a value that has decayed to nothing to -1e-43, which is zero.
    a, b = np.maximum(a, 0.0), np.maximum(b, 0.0)
    at = np.searchsorted(grid, times)
    return Reward(times, a[at], b[at], a[at] - b[at], beta[at], t_b[at])


def saturating_drive(effect_site_ng_ml: FloatArray) -> FloatArray:
    """D = Ce / (Ce + C50): Ce / C50 at low levels, always below 1."""
    c50 = body().effect.racemic_c50()
    site = np.maximum(effect_site_ng_ml, 0.0)
    result: FloatArray = site / (site + c50)
    return result


def dose_extremes(reward: Reward, history: DoseHistory) -> tuple[FloatArray, FloatArray]:
    """Highest and lowest w from each dose to the next (the last runs to the end).

    Resolution is that of ``reward.t_h``; use a fine grid to see the peaks.
    """
    starts = np.unique(history.times_h[history.times_h <= reward.t_h[-1]])
    edges = np.searchsorted(reward.t_h, starts)
    ends = np.append(edges[1:], len(reward.t_h))
    peaks = np.array(
        [reward.w[s:e].max() if e > s else np.nan for s, e in zip(edges, ends, strict=True)]
    )
    lows = np.array(
        [reward.w[s:e].min() if e > s else np.nan for s, e in zip(edges, ends, strict=True)]
    )
    return peaks, lows


def _merged_doses(
    history: DoseHistory, weight_kg: float, until_h: float
) -> tuple[FloatArray, FloatArray]:
    """Distinct dose times up to ``until_h`` and each one's size Delta (h of drive)."""
    sizes = dose_auc(history, weight_kg=weight_kg) / body().effect.racemic_c50()
    keep = history.times_h <= until_h
    dose_times, inverse = np.unique(history.times_h[keep], return_inverse=True)
    merged = np.asarray(
        np.bincount(inverse, weights=sizes[keep], minlength=len(dose_times)), dtype=np.float64
    )
    return dose_times, merged


def _grid(times: FloatArray, dose_times: FloatArray) -> FloatArray:
    after_doses = (dose_times[:, None] + _DOSE_GRID_H[None, :]).reshape(-1)
    start = min(float(times[0]), float(dose_times[0])) if len(dose_times) else float(times[0])
    points = np.concatenate([times, dose_times, after_doses, [start]])
    points = points[(points >= start) & (points <= times[-1])]
    grid: FloatArray = np.unique(points)
    return grid


def _integrate(
    grid: FloatArray,
    drive: FloatArray,
    dose_times: FloatArray,
    sizes: FloatArray,
    settings: RewardParameters,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Step the linear system segment by segment; parameters change only at doses."""
    a, b = np.zeros_like(grid), np.zeros_like(grid)
    beta = np.full_like(grid, settings.beta)
    t_b = np.full_like(grid, settings.t_b)
    boundaries = np.searchsorted(grid, dose_times)
    current_beta, current_t_b, previous_dose = settings.beta, settings.t_b, -math.inf
    segment_starts = np.append(boundaries, len(grid) - 1)
    for k, (start, stop) in enumerate(itertools.pairwise(segment_starts)):
        since = dose_times[k] - previous_dose
        current_beta, current_t_b = _adapt(current_beta, current_t_b, since, sizes[k], settings)
        previous_dose = dose_times[k]
        beta[start:] = current_beta
        t_b[start:] = current_t_b
        if stop > start:
            _step_segment(
                grid,
                drive,
                a,
                b,
                start=start,
                stop=stop,
                beta=current_beta,
                t_b=current_t_b,
                settings=settings,
            )
    return a, b, beta, t_b


def _adapt(
    beta: float, t_b: float, since_h: float, size: float, settings: RewardParameters
) -> tuple[float, float]:
    """Relax toward naive values over ``since_h``, then apply one dose's adaptation.

    Tb is held at or below ``max_gain`` x beta, which keeps b, and so w, bounded.
    """
    relax = math.exp(-since_h / settings.recovery_h) if math.isfinite(since_h) else 0.0
    beta = settings.beta + (beta - settings.beta) * relax
    t_b = settings.t_b + (t_b - settings.t_b) * relax
    beta = max(
        beta * (1.0 - min(settings.b_adaptation * size, settings.max_step)), settings.beta_min
    )
    t_b = min(t_b * (1.0 + min(settings.g_adaptation * size, settings.max_step)), settings.t_b_max)
    return beta, min(t_b, settings.max_gain * beta)


def _step_segment(
    grid: FloatArray,
    drive: FloatArray,
    a: FloatArray,
    b: FloatArray,
    *,
    start: int,
    stop: int,
    beta: float,
    t_b: float,
    settings: RewardParameters,
) -> None:
    """Fill a and b on grid[start..stop] from their values at ``start`` (in place)."""
    alpha, t_a = settings.alpha, settings.t_a
    times = grid[start : stop + 1]
    step = np.diff(times)
    before, after = drive[start:stop], drive[start + 1 : stop + 1]

    def chain(*rates: float) -> FloatArray:
        nodes = np.repeat(np.array(rates, dtype=np.float64)[:, None], len(step), axis=1)
        return convolved_exponentials(nodes, step)

    hold_a, ramp_a = chain(0.0, alpha), chain(0.0, 0.0, alpha) / step
    into_a = t_a * (before * (hold_a - ramp_a) + after * ramp_a)
    a[start : stop + 1] = first_order_scan(times, np.append(0.0, into_a), alpha, a[start])
    hold_b, ramp_b = chain(0.0, alpha, beta), chain(0.0, 0.0, alpha, beta) / step
    into_b = t_b * a[start:stop] * chain(alpha, beta) + t_b * t_a * (
        before * (hold_b - ramp_b) + after * ramp_b
    )
    b[start : stop + 1] = first_order_scan(times, np.append(0.0, into_b), beta, b[start])
