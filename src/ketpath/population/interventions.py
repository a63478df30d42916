"""The scenarios' interventions, as Starsim interventions.

Effect sizes come from ``knowledge/population.toml`` ([scenarios]); they are
general substance-use evidence applied by extrapolation, since no
ketamine-specific trials exist (REFERENCE.md), so scenarios compare
directions and orders of magnitude rather than predict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import starsim as ss

from ketpath.population.model import (
    DEPENDENT,
    KetamineUse,
    Treatment,
    hazard_to_prob,
    table_parameters,
    uniforms,
)

SCENARIO_TABLES = ("scenarios",)
"""Every intervention reads the ``[scenarios]`` table under its TOML names (``brief_*``, ``access_*``, ``cm_*``)."""


class Screening(ss.Intervention):
    """Screening and brief intervention at events (parties, clubs, festivals).

    Past-year users who use socially are screened at a yearly rate; a brief
    intervention slows escalation and speeds stopping for a while, and
    screened dependent users are referred to treatment.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="screening", **kwargs)
        self.define_pars(**table_parameters(SCENARIO_TABLES, {}))
        self.define_states(ss.FloatArr("ti_brief_until"))
        self.screen_draw = ss.random(name="screen_draw")
        self.referral_draw = ss.random(name="referral_draw")

    def init_results(self) -> None:
        super().init_results()
        self.define_results(ss.Result("screened", dtype=int, scale=True, label="Screened"))

    def step(self) -> None:
        use: KetamineUse = self.sim.custom["ketamine"]
        treatment: Treatment = self.sim.custom["treatment"]
        ti, p = self.ti, self.pars
        users = use.users
        expired = users[self.ti_brief_until.raw[users] < ti]
        use.rel_escalation.raw[expired] = 1.0
        use.rel_stop.raw[expired] = 1.0
        self.ti_brief_until.raw[expired] = np.nan
        social = users[use.using.raw[users]]
        prob = hazard_to_prob(p.screening_rate, self.t.dt_year)
        screened = social[uniforms(self.screen_draw, social) < prob]
        if not len(screened):
            return
        self.results.screened[ti] += len(screened)
        self.ti_brief_until.raw[screened] = ti + p.brief_effect_time / self.t.dt_year
        use.rel_escalation.raw[screened] = p.brief_escalation_ratio
        use.rel_stop.raw[screened] = p.brief_stop_ratio
        dependent = screened[use.stage.raw[screened] >= DEPENDENT]
        referred = dependent[uniforms(self.referral_draw, dependent) < p.referral_probability]
        treatment.enter(referred, ti)


class TreatmentAccess(ss.Intervention):
    """More and earlier treatment: a higher entry rate, and entry for regular users with bladder symptoms."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="treatment_access", **kwargs)
        self.define_pars(**table_parameters(SCENARIO_TABLES, {}))

    def init_post(self) -> None:
        super().init_post()
        treatment: Treatment = self.sim.custom["treatment"]
        treatment.pars.entry_ratio = self.pars.access_entry_ratio
        treatment.pars.early_entry_rate = self.pars.access_early_entry_rate

    def step(self) -> None:
        """Nothing per step: the treatment module reads the raised rates."""


class ContingencyManagement(ss.Intervention):
    """Rewards for negative drug screens: fewer dropouts, less relapse after treatment."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="contingency_management", **kwargs)
        self.define_pars(**table_parameters(SCENARIO_TABLES, {}))

    def init_post(self) -> None:
        super().init_post()
        treatment: Treatment = self.sim.custom["treatment"]
        treatment.pars.dropout_ratio = self.pars.cm_dropout_ratio
        treatment.pars.exit_relapse_ratio = self.pars.cm_relapse_ratio

    def step(self) -> None:
        """Nothing per step: the treatment module reads the changed ratios."""
