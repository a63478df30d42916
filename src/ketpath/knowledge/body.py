"""Schema and cached loader for ``body.toml``, the body model's parameters.

Each parameter states its value, unit, sources and, where it is uncertain, a
range; ``assumption = true`` marks project choices made where no human data
exist. Loading validates the file (unknown keys are errors), checks that every
cited source exists in ``sources.toml`` and that the routes match the route
vocabulary, so the core can use the numbers without re-checking them.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator

from ketpath.knowledge.load import (
    Grade,
    KnowledgeError,
    NonEmpty,
    Parameter,
    Sources,
    Strict,
    check_cited_sources,
    claims,
    read_toml,
    validate,
    vocabulary,
)

__all__ = [
    "Bioavailability",
    "Body",
    "Parameter",
    "Route",
    "body",
]


class Bioavailability(Strict):
    """The fraction of a dose reaching the circulation: central value and bounds."""

    value: float = Field(gt=0, le=1)
    low: float = Field(gt=0, le=1)
    high: float = Field(gt=0, le=1)
    sources: Sources = Field(min_length=1)
    assumption: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bioavailability:
        if not self.low <= self.value <= self.high:
            raise ValueError("bioavailability needs low <= value <= high")
        return self

    def pick(self, which: str) -> float:
        """The ``"central"``, ``"low"`` or ``"high"`` value."""
        if which == "central":
            return self.value
        if which == "low":
            return self.low
        if which == "high":
            return self.high
        raise ValueError(f"bioavailability must be 'central', 'low' or 'high', not {which!r}")


class _Section(Strict):
    rationale: NonEmpty
    grade: Grade
    sources: Sources = Field(min_length=1)


class DoseSection(_Section):
    base_fraction: Parameter


class Disposition(_Section):
    clearance: Parameter
    intercompartmental_clearance: Parameter
    central_volume: Parameter
    peripheral_volume: Parameter
    clearance_exponent: Parameter
    volume_exponent: Parameter
    reference_weight: Parameter


class Norketamine(_Section):
    fraction_metabolised: Parameter
    clearance: Parameter
    volume: Parameter
    mass_ratio: Parameter


class Effect(_Section):
    t_half_ke0: Parameter
    c50_s_ketamine: Parameter
    r_to_s_potency: Parameter
    hill: Parameter

    def racemic_c50(self) -> float:
        """C50 of racemic ketamine (ng/mL): S counts fully, R at its relative potency."""
        return self.c50_s_ketamine.value / (0.5 * (1.0 + self.r_to_s_potency.value))


class Route(Strict):
    bioavailability: Bioavailability
    tmax: Parameter | None = None
    presystemic_norketamine: Parameter


class ToleranceComponent(Strict):
    time_constant: Parameter
    max_fraction: Parameter
    half_saturation: Parameter


class ToleranceReadingRule(_Section):
    """How tolerance is put into words for a person: levels, direction, a break."""

    moderate: Parameter
    high: Parameter
    negligible: Parameter
    window: Parameter
    change: Parameter
    break_days: Parameter
    break_claim: NonEmpty

    @model_validator(mode="after")
    def _ordered(self) -> ToleranceReadingRule:
        if not 0 < self.negligible.value < self.moderate.value < self.high.value < 1:
            raise ValueError("reading needs 0 < negligible < moderate < high < 1")
        if not 0 < self.change.value < 1 or self.window.value <= 0 or self.break_days.value <= 0:
            raise ValueError("reading needs 0 < change < 1 and a positive window and break_days")
        return self


class Tolerance(_Section):
    pk: ToleranceComponent
    pd: ToleranceComponent
    reading: ToleranceReadingRule


class Trend(_Section):
    prior_weeks: Parameter
    rising_ratio: Parameter
    falling_ratio: Parameter
    min_exposure: Parameter


class Reward(_Section):
    alpha: Parameter
    t_a: Parameter
    beta: Parameter
    t_b: Parameter
    b_adaptation: Parameter
    g_adaptation: Parameter
    max_step: Parameter
    beta_min: Parameter
    t_b_max: Parameter
    max_gain: Parameter
    recovery: Parameter

    @model_validator(mode="after")
    def _gain_bounded(self) -> Reward:
        if not self.t_b.value <= self.max_gain.value * self.beta.value:
            raise ValueError("reward: the naive t_b / beta must not exceed max_gain")
        return self


class BodyWords(Strict):
    """Person-facing sentences: levels and directions only, never a number for tolerance."""

    trend_rising: NonEmpty
    trend_falling: NonEmpty
    trend_stable: NonEmpty
    trend_none: NonEmpty
    exposure: NonEmpty
    level_low: NonEmpty
    level_moderate: NonEmpty
    level_high: NonEmpty
    direction_rising: NonEmpty
    direction_steady: NonEmpty
    direction_falling: NonEmpty
    tolerance: NonEmpty
    after_a_break: NonEmpty


class ResearchTools(_Section):
    """What ``ketpath pk`` and ``ketpath body`` say about themselves, and where effect is shown."""

    note: NonEmpty
    effect_routes: tuple[NonEmpty, ...] = Field(min_length=1)


class AssessmentSection(_Section):
    default_weight_kg: float = Field(gt=20, le=400)
    unknown_route: NonEmpty
    caveat: NonEmpty
    words: BodyWords
    research: ResearchTools


class Body(Strict):
    dose: DoseSection
    pk: Disposition
    norketamine: Norketamine
    effect: Effect
    routes: dict[str, Route]
    tolerance: Tolerance
    trend: Trend
    reward: Reward
    assessment: AssessmentSection

    @model_validator(mode="after")
    def _routes_complete(self) -> Body:
        if "intravenous" not in self.routes:
            raise ValueError("routes: intravenous is required (it defines bioavailability 1)")
        for name, route in self.routes.items():
            if name != "intravenous" and route.tmax is None:
                raise ValueError(f"routes.{name}: tmax is required for an absorbed route")
        return self


@cache
def body() -> Body:
    """The validated body parameters; every cited source must exist."""
    loaded = validate(Body, read_toml("body.toml"), "knowledge/body.toml")
    check_cited_sources(loaded, "body.toml")
    known_routes = set(vocabulary().routes)
    for name in loaded.routes:
        if name not in known_routes:
            raise KnowledgeError(f"knowledge/body.toml: routes.{name}: not in the route vocabulary")
    if loaded.assessment.unknown_route not in loaded.routes:
        raise KnowledgeError("knowledge/body.toml: assessment.unknown_route: not a modelled route")
    for name in loaded.assessment.research.effect_routes:
        if name not in loaded.routes:
            raise KnowledgeError(
                f"knowledge/body.toml: assessment.research.effect_routes: {name}: not a modelled route"
            )
    if loaded.tolerance.reading.break_claim not in claims():
        raise KnowledgeError("knowledge/body.toml: tolerance.reading.break_claim: unknown claim")
    return loaded
