"""Exposure memory equals the weighted integral of plasma ketamine, by quadrature.

Moved from ``tests/unit/test_body_tolerance.py``: scipy's quad over the
closed form takes seconds, too slow for the pure, fast ring.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from ketpath.core.body.pk import DoseHistory, concentrations, exposure_memory

DAY = 24.0


def test_exposure_memory_is_the_weighted_integral_of_plasma_ketamine() -> None:
    history = DoseHistory(
        np.array([0.0, 30.0, 50.0]),
        np.array([100.0, 50.0, 80.0]),
        np.array(["intranasal", "oral", "intravenous"]),
        np.array([0.0, 0.0, 20.0]),
    )
    tau = 7 * DAY
    for at in (10.0, 60.0, 500.0):
        numerical = quad(
            lambda s, at=at: (
                concentrations(history, [s]).ketamine_ng_ml[0] * np.exp(-(at - s) / tau) / tau
            ),
            0.0,
            at,
            points=[30.0, 50.0],
            limit=500,
            epsabs=1e-14,
            epsrel=1e-11,
        )[0]
        memory = exposure_memory(history, [at], time_constant_h=tau)[0]
        assert memory == pytest.approx(numerical, rel=1e-8)
