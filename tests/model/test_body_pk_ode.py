"""The closed-form pharmacokinetics agree with an ODE solver of the same compartments.

Moved from ``tests/unit/test_body_pk.py``: scipy's DOP853 at rtol 1e-13 over
hypothesis' dose histories takes seconds, too slow for the pure, fast ring.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ketpath.core.body import pk
from ketpath.core.body.pk import DoseHistory, concentrations


def ode_reference(history: DoseHistory, t_eval: np.ndarray, weight_kg: float) -> np.ndarray:
    """Integrate the same compartments numerically; returns (3, len(t_eval)) in ng/mL."""
    params = pk.parameters(weight_kg)
    routes = len(pk.route_names())
    v1, v2 = params.central_volume, params.peripheral_volume
    cl, q = params.clearance, params.intercompartmental_clearance
    ka = np.where(np.isfinite(params.absorption_rates), params.absorption_rates, 0.0)
    swallowed = params.swallowed_rate  # every route's presystemic share
    km, vm = params.norketamine_rate, params.norketamine_volume
    fraction = params.bioavailability["central"][history.routes]
    base = history.mg * params.base_fraction
    ketamine_in = base * fraction
    norketamine_in = base * (1 - fraction) * params.presystemic[history.routes]
    durations = history.infusion_h()
    intravenous = ~np.isfinite(params.absorption_rates[history.routes])
    # state: depots (routes), presystemic depots (routes), A1, A2, M, Ce
    a1, a2, m, ce = 2 * routes, 2 * routes + 1, 2 * routes + 2, 2 * routes + 3

    def rates_at(time: float) -> np.ndarray:
        inflow = np.zeros(2 * routes + 4)
        running = (durations > 0) & (history.times_h <= time) & (time < history.times_h + durations)
        for i in np.flatnonzero(running):
            if intravenous[i]:
                inflow[a1] += ketamine_in[i] / durations[i]
            else:
                inflow[history.routes[i]] += ketamine_in[i] / durations[i]
                inflow[routes + history.routes[i]] += norketamine_in[i] / durations[i]
        return inflow

    def derivative(_t: float, y: np.ndarray, inflow: np.ndarray) -> np.ndarray:
        dy = inflow.copy()
        dy[:routes] -= ka * y[:routes]
        dy[routes : 2 * routes] -= swallowed * y[routes : 2 * routes]
        dy[a1] += ka @ y[:routes] - (cl + q) / v1 * y[a1] + q / v2 * y[a2]
        dy[a2] += q / v1 * y[a1] - q / v2 * y[a2]
        dy[m] += params.norketamine_formation * vm * y[a1] / v1 - km * y[m]
        dy[m] += params.mass_ratio * swallowed * y[routes : 2 * routes].sum()
        dy[ce] += params.ke0 * (y[a1] / v1 - y[ce])
        return dy

    events = np.unique(
        np.concatenate([[0.0], history.times_h, history.times_h + durations, [t_eval.max()]])
    )
    y = np.zeros(2 * routes + 4)
    out = np.zeros((3, len(t_eval)))
    for start, stop in itertools.pairwise(events):
        for i in np.flatnonzero((history.times_h == start) & (durations == 0)):
            if intravenous[i]:
                y[a1] += ketamine_in[i]
            else:
                y[history.routes[i]] += ketamine_in[i]
                y[routes + history.routes[i]] += norketamine_in[i]
        inside = (t_eval > start) & (t_eval <= stop)
        points = np.unique(np.append(t_eval[inside], stop))
        solution = solve_ivp(
            derivative,
            (start, stop),
            y,
            method="DOP853",
            rtol=1e-13,
            atol=1e-22,
            t_eval=points,
            args=(rates_at((start + stop) / 2),),
        )
        states = solution.y[:, np.searchsorted(points, t_eval[inside])]
        out[0, inside] = states[a1] / v1 * 1000
        out[1, inside] = states[m] / vm * 1000
        out[2, inside] = states[ce] * 1000
        y = solution.y[:, -1]
    return out


dose_strategy = st.tuples(
    st.floats(0.0, 72.0),
    st.floats(1.0, 500.0),
    st.sampled_from(
        ["intravenous", "intramuscular", "intranasal", "oral", "sublingual", "rectal", "smoked"]
    ),
    st.one_of(st.just(0.0), st.floats(1.0, 120.0)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doses=st.lists(dose_strategy, min_size=1, max_size=6),
    weight_kg=st.floats(40.0, 130.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_closed_form_agrees_with_a_numerical_ode_solution(
    doses: list[tuple[float, float, str, float]], weight_kg: float, seed: int
) -> None:
    # The superposed closed form must match scipy's DOP853 (rtol 1e-13) to 1e-6
    # relative; values below 1e-9 of the largest concentration are compared
    # absolutely (there the dropped tails and the solver's atol dominate).
    times, mg, routes, infusion = (np.array(column) for column in zip(*doses, strict=True))
    history = DoseHistory(times, mg, routes, infusion)
    rng = np.random.default_rng(seed)
    t_eval = np.sort(np.concatenate([rng.uniform(0.0, 110.0, 40), times + 0.01, times + 0.5]))
    expected = ode_reference(history, t_eval, weight_kg)
    result = concentrations(history, t_eval, weight_kg=weight_kg)
    for row, values in enumerate(
        (result.ketamine_ng_ml, result.norketamine_ng_ml, result.effect_site_ng_ml)
    ):
        scale = np.abs(expected[row]).max()
        np.testing.assert_allclose(values, expected[row], rtol=1e-6, atol=1e-9 * scale)
