"""Schema and cached loader for ``population.toml``, the population model's parameters.

Every parameter states its value (or values), unit and sources; ``assumption =
true`` marks a project choice where no ketamine data exist, ``calibrated =
true`` a value fitted by ``ketpath calibrate`` inside its ``range``. Every
assumption also carries a ``plausible`` range (``low``, ``high``, a one-line
``reason``, its ``grade`` and ``sources``), which ``ketpath uncertainty``
samples. Loading validates the file (unknown keys are errors) and checks every
cited source, so the model can use the numbers without re-checking them.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator

from ketpath.knowledge.load import (
    Grade,
    KnowledgeError,
    NonEmpty,
    Sources,
    Strict,
    check_cited_sources,
    read_toml,
    validate,
)
from ketpath.knowledge.load import Parameter as BaseParameter

__all__ = [
    "BANDS",
    "Check",
    "ModelValue",
    "Parameter",
    "Plausible",
    "Population",
    "RelapseCohort",
    "Target",
    "Values",
    "population",
]

BANDS = ("rare", "monthly", "weekly", "near-daily")

ModelValue = float | tuple[float, ...]
"""What a model reads for one parameter: its number, or a vector's numbers."""


class Plausible(Strict):
    """Where an assumed value could plausibly lie: the range ``ketpath uncertainty`` samples.

    ``low`` and ``high`` are a number for a parameter and one number per entry
    for a vector. A range with ``low == high`` says the assumption is not worth
    varying (a reporting bin, a well-known share) and the reason says why.
    Both ends are optional in the schema only so that a missing one gets the
    message below rather than pydantic's generic one.
    """

    low: float | tuple[float, ...] | None = None
    high: float | tuple[float, ...] | None = None
    reason: NonEmpty
    grade: Grade
    sources: Sources = Field(min_length=1)

    @model_validator(mode="after")
    def _both_ends(self) -> Plausible:
        if self.low is None or self.high is None:
            raise ValueError("a plausible range needs both low and high")
        return self

    def bounds(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``low`` and ``high`` as vectors (a parameter's as vectors of one)."""
        return _vector(self.low), _vector(self.high)


def _vector(end: float | tuple[float, ...] | None) -> tuple[float, ...]:
    if end is None:
        return ()
    return end if isinstance(end, tuple) else (end,)


def _check_plausible(
    plausible: Plausible | None,
    values: tuple[float, ...],
    search: tuple[float, float] | None,
    *,
    assumption: bool,
    vector: bool,
) -> None:
    """Raise unless the plausible range suits the value (see ``Plausible``)."""
    if plausible is None:
        if assumption:
            raise ValueError("an assumption needs a plausible range (plausible.low, .high)")
        return
    if not assumption:
        raise ValueError("a plausible range belongs only on an assumption (assumption = true)")
    if not vector and not (isinstance(plausible.low, float) and isinstance(plausible.high, float)):
        raise ValueError("plausible.low and plausible.high must be numbers, not lists")
    low, high = plausible.bounds()
    if vector and not len(low) == len(high) == len(values):
        raise ValueError(
            f"plausible.low and plausible.high need one number per value ({len(values)})"
        )
    for lo, value, hi in zip(low, values, high, strict=True):
        if not lo <= value <= hi:
            raise ValueError(f"value {value:g} lies outside its plausible range [{lo:g}, {hi:g}]")
        if search is not None and not search[0] <= lo <= hi <= search[1]:
            raise ValueError(f"plausible range [{lo:g}, {hi:g}] lies outside range {list(search)}")


class Parameter(BaseParameter):
    """A model parameter; a fitted one (``calibrated``) carries its search range."""

    calibrated: bool = False
    plausible: Plausible | None = Field(default=None, exclude=True)
    """Left out of ``model_dump`` and so of the fit record's fingerprint: the fit
    depends on the values the model runs with, not on how widely ``ketpath
    uncertainty`` varies them."""

    @model_validator(mode="after")
    def _searchable(self) -> Parameter:
        if self.calibrated and self.range is None:
            raise ValueError("a calibrated parameter needs a range to search")
        _check_plausible(
            self.plausible, (self.value,), self.range, assumption=self.assumption, vector=False
        )
        return self


class Values(Strict):
    """A short vector (one number per band, age bin or stage) with its unit and sources."""

    values: tuple[float, ...] = Field(min_length=1)
    unit: NonEmpty
    range: tuple[float, float] | None = None
    sources: Sources = Field(min_length=1)
    assumption: bool = False
    calibrated: bool = False
    note: str | None = None
    plausible: Plausible | None = Field(default=None, exclude=True)
    """Left out of ``model_dump`` and so of the fit record's fingerprint: the fit
    depends on the values the model runs with, not on how widely ``ketpath
    uncertainty`` varies them."""

    @model_validator(mode="after")
    def _plausible(self) -> Values:
        _check_plausible(
            self.plausible, self.values, self.range, assumption=self.assumption, vector=True
        )
        return self


class _Section(Strict):
    rationale: NonEmpty
    grade: Grade
    sources: Sources = Field(min_length=1)

    def parameters(self) -> dict[str, ModelValue]:
        """Every parameter and vector of this table under its TOML name (text fields left out)."""
        found: dict[str, ModelValue] = {}
        for name in type(self).model_fields:
            item = getattr(self, name)
            if isinstance(item, BaseParameter):
                found[name] = item.value
            elif isinstance(item, Values):
                found[name] = item.values
        return found


class PopulationSection(_Section):
    age_edges: Values
    age_shares: Values
    adult_age: Parameter
    start_year: Parameter

    @model_validator(mode="after")
    def _bins(self) -> PopulationSection:
        if len(self.age_edges.values) != len(self.age_shares.values) + 1:
            raise ValueError("age_edges needs one more entry than age_shares")
        return self


class Initiation(_Section):
    age_edges: Values
    age_weights: Values
    background_rate: Parameter
    male_ratio: Parameter
    peer_rate: Parameter
    peer_contacts: Parameter
    peer_min_age: Parameter
    peer_max_age: Parameter
    social_weight: Values
    initial_lifetime: Parameter
    initial_past_year: Parameter
    initial_bands: Values

    @model_validator(mode="after")
    def _shapes(self) -> Initiation:
        if len(self.age_edges.values) != len(self.age_weights.values) + 1:
            raise ValueError("age_edges needs one more entry than age_weights")
        if len(self.social_weight.values) != 5:
            raise ValueError("social_weight needs one value per active stage (5)")
        if len(self.initial_bands.values) != len(BANDS):
            raise ValueError("initial_bands needs one value per band (4)")
        return self


class Use(_Section):
    use_days_per_week: Values
    experimental_max_use_days: Parameter
    escalation_rates: Values
    deescalation_rates: Values
    dependence_rate: Parameter
    near_daily_dependence_ratio: Parameter
    stop_rates: Values
    quit_attempt_rate: Parameter
    quit_success: Parameter
    relapse_rate: Parameter
    relapse_decay: Parameter
    dependent_relapse_ratio: Parameter
    casual_resume_rate: Parameter

    @model_validator(mode="after")
    def _shapes(self) -> Use:
        per_band = len(BANDS)
        if len(self.use_days_per_week.values) != per_band:
            raise ValueError("use_days_per_week needs one value per band (4)")
        for name in ("escalation_rates", "deescalation_rates", "stop_rates"):
            if len(getattr(self, name).values) != per_band - 1:
                raise ValueError(f"{name} needs three values")
        return self


class Tolerance(_Section):
    base_dose_mg: Parameter
    sessions_per_use_day: Values
    levels: Values
    build_time: Parameter
    fade_time: Parameter


class Bladder(_Section):
    harm_per_gram: Parameter
    heal_time: Parameter
    threshold_sigma: Parameter
    background_prevalence: Parameter


class Treatment(_Section):
    entry_rate: Parameter
    addiction_cycle_entry_ratio: Parameter
    duration: Parameter
    dropout_rate: Parameter
    post_treatment_relapse_ratio: Parameter


class Scenarios(_Section):
    screening_rate: Parameter
    brief_effect_time: Parameter
    brief_escalation_ratio: Parameter
    brief_stop_ratio: Parameter
    referral_probability: Parameter
    access_entry_ratio: Parameter
    access_early_entry_rate: Parameter
    cm_dropout_ratio: Parameter
    cm_relapse_ratio: Parameter


class Reporting(_Section):
    min_denominator: Parameter


class Target(Strict):
    """A published figure the calibrated model must reproduce within [low, high]."""

    label: NonEmpty
    value: float = Field(ge=0, le=1)
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    sources: Sources = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if not self.low <= self.value <= self.high:
            raise ValueError("a target needs low <= value <= high")
        return self

    def within(self, observed: float) -> bool:
        return self.low <= observed <= self.high


class Check(Strict):
    """A published figure shown beside the model's in the fit report, outside the loss."""

    label: NonEmpty
    unit: NonEmpty
    value: float = Field(ge=0)
    low: float = Field(ge=0)
    high: float = Field(ge=0)
    sources: Sources = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Check:
        if not self.low <= self.value <= self.high:
            raise ValueError("a check needs low <= value <= high")
        return self

    def within(self, observed: float) -> bool:
        return self.low <= observed <= self.high


class RelapseCohort(Strict):
    """A treated cohort's relapse figure, set beside the model's relapse at the same follow-up."""

    label: NonEmpty
    relapsed: float = Field(ge=0, le=1)
    people: int = Field(ge=1)
    follow_up_years: float = Field(gt=0)
    follow_up: NonEmpty
    sources: Sources = Field(min_length=1)
    note: str | None = None


class Calibration(_Section):
    agents: int = Field(ge=1000)
    years: int = Field(ge=1, le=100)
    trials: int = Field(ge=1)
    targets: dict[str, Target] = Field(min_length=1)
    checks: dict[str, Check] = Field(default_factory=dict)
    relapse_cohorts: dict[str, RelapseCohort] = Field(default_factory=dict)


class Population(Strict):
    population: PopulationSection
    initiation: Initiation
    use: Use
    tolerance: Tolerance
    bladder: Bladder
    treatment: Treatment
    scenarios: Scenarios
    reporting: Reporting
    calibration: Calibration

    def parameters(self, *tables: str) -> dict[str, ModelValue]:
        """The parameters of these tables (``"use"``, ``"bladder"``, ...) under their TOML names.

        This is how a Starsim module gets its parameters: the TOML and this
        schema are their one definition, so a module names the tables it reads
        rather than copying each number across by hand. A name in two of the
        tables would be ambiguous and is an error.
        """
        found: dict[str, ModelValue] = {}
        for table in tables:
            section = getattr(self, table, None)
            if not isinstance(section, _Section):
                raise KnowledgeError(f"population.toml has no parameter table {table!r}")
            for name, value in section.parameters().items():
                if name in found:
                    raise KnowledgeError(
                        f"population.toml: {name!r} is in more than one of {', '.join(tables)}"
                    )
                found[name] = value
        return found


@cache
def population() -> Population:
    """The validated population parameters; every cited source must exist."""
    loaded = validate(Population, read_toml("population.toml"), "knowledge/population.toml")
    check_cited_sources(loaded, "population.toml")
    if abs(sum(loaded.population.age_shares.values) - 1.0) > 1e-6:
        raise KnowledgeError("knowledge/population.toml: population.age_shares must sum to 1")
    return loaded
