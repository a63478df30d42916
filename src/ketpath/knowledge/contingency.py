"""Schema and cached loader for ``contingency.toml``, the default reward schedule.

Every default is a graded entry (value, label, rationale, grade, sources), so
the pages can show each setting beside where it comes from. Loading validates
the file (unknown keys are errors) and checks that every cited source and
claim exists.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ketpath.knowledge.load import (
    Graded,
    KnowledgeError,
    NonEmpty,
    check_cited_sources,
    claims,
    read_toml,
    validate,
)

__all__ = ["Contingency", "ContingencyDefaults", "Effect", "contingency"]

InvalidRule = Literal["reset", "hold"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Default(Graded):
    label: NonEmpty
    value: float | int | bool | str


Default = _Default


class MoneyDefault(_Default):
    value: float = Field(ge=0, le=10_000)


class CountDefault(_Default):
    value: int = Field(ge=0, le=1000)


class PositiveCountDefault(_Default):
    value: int = Field(ge=1, le=1000)


class FlagDefault(_Default):
    value: bool


class InvalidDefault(_Default):
    value: InvalidRule


class ContingencyDefaults(_Strict):
    start_value: MoneyDefault
    increment: MoneyDefault
    max_value: MoneyDefault
    bonus_every: CountDefault
    bonus_value: MoneyDefault
    return_after: CountDefault
    reset_on_missed: FlagDefault
    invalid: InvalidDefault
    max_days_between_screens: PositiveCountDefault
    min_hours_between_rewards: CountDefault

    def items(self) -> list[tuple[str, Default]]:
        """(setting name, graded default) in the order of the file."""
        return [(name, getattr(self, name)) for name in type(self).model_fields]


class Effect(Graded):
    title: NonEmpty


class Contingency(_Strict):
    currency: Literal["USD", "GBP", "EUR"]
    effect: Effect
    defaults: ContingencyDefaults


@cache
def contingency() -> Contingency:
    loaded = validate(Contingency, read_toml("contingency.toml"), "knowledge/contingency.toml")
    check_cited_sources(loaded, "contingency.toml")
    for claim_id in loaded.effect.claims:
        if claim_id not in claims():
            raise KnowledgeError(
                f"knowledge/contingency.toml: effect: refers to unknown claim {claim_id!r}"
            )
    if loaded.defaults.max_value.value < loaded.defaults.start_value.value:
        raise KnowledgeError("knowledge/contingency.toml: max_value is below start_value")
    return loaded
