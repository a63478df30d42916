"""The vectorised tolerance recurrence gives the levels of the step-by-step loop it replaced."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketpath.core.body import tolerance
from ketpath.core.body.pk import DoseHistory, dose_auc
from ketpath.core.body.tolerance import _after_each_dose
from ketpath.knowledge.body import body

DAY = 24.0


def levels_by_loop(
    dose_times: np.ndarray, areas: np.ndarray, *, tau_h: float, ceiling: float, scale: float
) -> np.ndarray:
    """The recurrence one dose at a time, as ``tolerance._component`` computed it before."""
    remaining = np.exp(-areas / scale)
    after_dose = np.empty_like(dose_times)
    level, previous = 0.0, -math.inf
    for k, (time, left) in enumerate(zip(dose_times.tolist(), remaining.tolist(), strict=True)):
        if math.isfinite(previous):
            level *= math.exp(-(time - previous) / tau_h)
        level = ceiling - (ceiling - level) * left
        after_dose[k], previous = level, time
    return after_dose


gaps_h = st.lists(
    st.one_of(
        st.just(0.0),
        st.floats(min_value=0.0, max_value=2.0),
        st.floats(min_value=0.0, max_value=24.0 * 400),
    ),
    min_size=0,
    max_size=300,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gaps=gaps_h,
    area_scale=st.floats(min_value=1e-6, max_value=1e4),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    tau_days=st.floats(min_value=0.5, max_value=60.0),
    ceiling=st.floats(min_value=0.05, max_value=5.0),
    half=st.floats(min_value=0.5, max_value=50.0),
)
def test_the_scan_agrees_with_the_loop_to_1e_12_on_random_doses(
    *,
    gaps: list[float],
    area_scale: float,
    seed: int,
    tau_days: float,
    ceiling: float,
    half: float,
) -> None:
    rng = np.random.default_rng(seed)
    times = 1e5 + np.cumsum(np.array(gaps, dtype=np.float64))
    areas = rng.exponential(area_scale, size=len(times)) * (rng.random(len(times)) < 0.9)
    tau_h = tau_days * DAY
    parameters = {"tau_h": tau_h, "ceiling": ceiling, "scale": half * tau_h}
    scanned = _after_each_dose(times, areas, **parameters)
    looped = levels_by_loop(times, areas, **parameters)
    assert scanned.shape == looped.shape
    assert np.all(np.abs(scanned - looped) <= 1e-12)
    assert np.all((scanned >= 0.0) & (scanned <= ceiling))


def test_five_years_of_near_daily_use_read_the_same_as_the_loop_at_every_day() -> None:
    rng = np.random.default_rng(7)
    days = 5 * 365
    used = np.flatnonzero(rng.random(days) < 0.9)
    history = DoseHistory(
        used * DAY + rng.uniform(18.0, 23.0, len(used)),
        50.0 + 0.4 * used + rng.uniform(-20.0, 20.0, len(used)),
        np.array(["intranasal"] * len(used)),
    )
    grid = np.arange(days + 30) * DAY + 23.5
    result = tolerance(history, grid)
    components = body().tolerance
    areas = dose_auc(history)
    for level, component in ((result.pk, components.pk), (result.pd, components.pd)):
        tau_h = component.time_constant.value * DAY
        after = levels_by_loop(
            history.times_h,
            areas,
            tau_h=tau_h,
            ceiling=component.max_fraction.value,
            scale=component.half_saturation.value * tau_h,
        )
        last = np.searchsorted(history.times_h, grid, side="right") - 1
        expected = np.where(
            last >= 0,
            after[np.maximum(last, 0)]
            * np.exp(-(grid - history.times_h[np.maximum(last, 0)]) / tau_h),
            0.0,
        )
        assert np.max(np.abs(level - expected)) <= 1e-12
