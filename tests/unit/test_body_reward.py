"""The opponent process: a shrinking high and a deepening low with repeated use.

That it stays bounded over years and for any history is checked in
``tests/model/test_body_reward_over_years.py`` (slow).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ketpath.core.body import dose_extremes, opponent_process, pk
from ketpath.core.body.pk import DoseHistory
from ketpath.core.body.reward import RewardParameters

DAY = 24.0


# 280 mg snorted at intranasal bioavailability 0.13 reaches the circulation like the
# 80 mg these tests were written for at the former 0.45 (body.toml, routes.intranasal).
def daily(days: int, mg: float = 280.0) -> DoseHistory:
    times = np.arange(days, dtype=np.float64) * DAY + 20.0
    return DoseHistory(times, np.full(days, mg), np.array(["intranasal"] * days))


def fine_grid(days: int) -> np.ndarray:
    return np.arange(0.0, days * DAY + 20.0, 5.0 / 60.0)


def test_a_first_dose_gives_a_high_that_fades() -> None:
    # Solomon & Corbit 1974; Chou & D'Orsogna 2022: naive users feel mostly the a-process.
    history = daily(1)
    reward = opponent_process(history, fine_grid(2))
    assert reward.w.max() > 0.4
    assert abs(reward.w[-1]) < 0.05 * reward.w.max()


def test_repeated_use_shrinks_the_high_per_dose() -> None:
    # Chou & D'Orsogna 2022: adaptation of beta and Tb strengthens the b-process,
    # so the peak of w after each dose falls with repetition.
    # With the gain bound (max_gain, body.toml) the b-process at most cancels a
    # in steady use, so the high shrinks by about a fifth here, not more.
    history = daily(30)
    peaks, _ = dose_extremes(opponent_process(history, fine_grid(30)), history)
    assert peaks[-1] < 0.85 * peaks[0]
    # It falls with each dose until Tb reaches max_gain x beta (about the eighth
    # dose here), then stays near that level.
    assert np.all(np.diff(peaks[:8]) < 0)
    assert np.all(peaks[8:] < 0.82 * peaks[0])


def test_repeated_use_opens_and_deepens_a_low_between_doses() -> None:
    # The same adaptation makes the b-process outlast the a-process: w dips
    # below zero between doses and the dip deepens (Chou & D'Orsogna 2022).
    history = daily(30)
    _, lows = dose_extremes(opponent_process(history, fine_grid(30)), history)
    assert lows[0] > -0.05
    assert lows[10] < 0.0
    assert lows[-1] < lows[10] < lows[3]


def test_adaptation_off_gives_the_same_high_every_day() -> None:
    settings = dataclasses.replace(
        RewardParameters.from_knowledge(), b_adaptation=0.0, g_adaptation=0.0
    )
    history = daily(10)
    peaks, _ = dose_extremes(opponent_process(history, fine_grid(10), params=settings), history)
    assert peaks[-1] == pytest.approx(peaks[1], rel=1e-3)


def test_exact_stepping_matches_a_numerical_solution_of_the_same_equations() -> None:
    # Between doses the parameters are fixed and the drive is linear between grid
    # points, so a and b must match solve_ivp on the same piecewise-linear drive.
    from ketpath.core.body import reward as reward_module

    history = daily(3, 150.0)
    settings = RewardParameters.from_knowledge()
    times = np.linspace(0.0, 3 * DAY + 20.0, 300)
    result = opponent_process(history, times, params=settings)
    dose_times, sizes = reward_module._merged_doses(history, 70.0, float(times[-1]))
    grid = reward_module._grid(times, dose_times)
    drive = reward_module.saturating_drive(pk.superpose(history, grid, ("effect",))["effect"])

    beta, t_b, state, previous = settings.beta, settings.t_b, np.zeros(2), -np.inf
    checkpoints = np.append(dose_times, grid[-1])
    expected_a = np.zeros_like(times)
    expected_b = np.zeros_like(times)
    for k in range(len(dose_times)):
        beta, t_b = reward_module._adapt(beta, t_b, dose_times[k] - previous, sizes[k], settings)
        previous = dose_times[k]
        start, stop = checkpoints[k], checkpoints[k + 1]

        def rhs(t: float, y: np.ndarray, beta: float = beta, t_b: float = t_b) -> list[float]:
            d = np.interp(t, grid, drive)
            return [settings.t_a * d - settings.alpha * y[0], t_b * y[0] - beta * y[1]]

        inside = (times >= start) & (times <= stop)
        breakpoints = grid[(grid >= start) & (grid <= stop)]
        for left, right in itertools.pairwise(breakpoints):
            solution = solve_ivp(rhs, (left, right), state, rtol=1e-11, atol=1e-14, method="DOP853")
            state = solution.y[:, -1]
            hit = inside & np.isclose(times, right, rtol=0, atol=1e-12)
            expected_a[hit], expected_b[hit] = state
    np.testing.assert_allclose(result.a, expected_a, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(result.b, expected_b, rtol=1e-7, atol=1e-10)
