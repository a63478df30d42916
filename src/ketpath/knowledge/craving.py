"""Schema and cached loader for ``craving.toml``: the moment of a craving (issue 14, point 3).

Two graded defaults (the intensity from which the craving plan is offered,
the length of the urge-surfing timer) and which sections of a practical page
explain urge surfing on ``/craving``. Loading validates the file (unknown keys
are errors) and checks that every cited source and claim exists and that the
named page and its sections are in ``practical.toml``, so the page can never
show an explanation that is not graded and sourced there.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from ketpath.knowledge.load import (
    Graded,
    KnowledgeError,
    NonEmpty,
    check_cited_sources,
    claims,
    practical_pages,
    read_toml,
    validate,
)

__all__ = ["CravingMoment", "craving_moment"]

FILE = "craving.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntensityDefault(Graded):
    label: NonEmpty
    value: int = Field(ge=1, le=10)
    """A craving's intensity on the 0 to 10 scale of ``core.records.Craving``."""


class MinutesDefault(Graded):
    label: NonEmpty
    value: int = Field(ge=1, le=60)


class CravingMoment(_Strict):
    practical_page: NonEmpty
    sections: tuple[NonEmpty, ...] = Field(min_length=1)
    offer_plan: IntensityDefault
    urge_timer: MinutesDefault


@cache
def craving_moment() -> CravingMoment:
    loaded = validate(CravingMoment, read_toml(FILE), f"knowledge/{FILE}")
    check_cited_sources(loaded, FILE)
    for name, default in (("offer_plan", loaded.offer_plan), ("urge_timer", loaded.urge_timer)):
        for claim_id in default.claims:
            if claim_id not in claims():
                raise KnowledgeError(
                    f"knowledge/{FILE}: {name}: refers to unknown claim {claim_id!r}"
                )
    page = practical_pages().get(loaded.practical_page)
    if page is None:
        raise KnowledgeError(
            f"knowledge/{FILE}: practical_page {loaded.practical_page!r} is not in practical.toml"
        )
    headings = {section.heading for section in page.sections}
    for heading in loaded.sections:
        if heading not in headings:
            raise KnowledgeError(
                f"knowledge/{FILE}: section {heading!r} is not on the page {page.id!r}"
            )
    return loaded
