"""Screening instruments as data: the schema and loader for ``knowledge/instruments/*.toml``.

Each instrument (items, options with codes and scores, skip rules, subscales,
bands, flags, LOINC codes, licence, sources) lives in its own TOML file so a
clinician can review the scoring without reading code, and so the scoring
engine (:mod:`ketpath.core.instruments`) stays generic. Files are validated on
load: unknown keys, scores that do not add up to the bands, a skip rule naming
an unknown item, or wording shipped for an instrument whose wording may not be
reproduced are all errors that name the file, the item and the field.

Where an instrument's wording is copyrighted (DSM-5, DAST-10, ...), the files
carry only short labels of our own; a clinic holding a licence can supply the
real wording from a local file (:mod:`ketpath.knowledge.clinic_wording`).
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketpath.knowledge.load import (
    KNOWLEDGE_DIR,
    Grade,
    KnowledgeError,
    NonEmpty,
    check_sources,
    read_toml,
    validate,
)

INSTRUMENTS_DIR = KNOWLEDGE_DIR / "instruments"
Code = Annotated[int, Field(ge=0)]
Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
LoincCode = Annotated[str, Field(pattern=r"^\d{1,6}-\d$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    """One answer option: its code (0 = first on the published form), label and score."""

    code: Code
    label: NonEmpty
    score: int


class Item(_Strict):
    """One question. ``label`` is a short label of our own; ``wording`` only where licensed."""

    id: Ident
    label: NonEmpty
    wording: str | None = None
    options: tuple[Option, ...] = Field(min_length=2)
    reversed: bool = False
    subscale: str | None = None
    loinc: LoincCode | None = None

    @model_validator(mode="after")
    def _codes_and_direction(self) -> Item:
        codes = [option.code for option in self.options]
        if codes != list(range(len(codes))):
            raise ValueError("option codes must be 0, 1, 2, ... in the order of the form")
        first, last = self.options[0].score, self.options[-1].score
        if self.reversed and not first > last:
            raise ValueError("a reversed item must score its first option above its last")
        if not self.reversed and first > last:
            raise ValueError("the first option scores above the last: mark the item reversed")
        return self

    @property
    def min_score(self) -> int:
        return min(option.score for option in self.options)

    @property
    def max_score(self) -> int:
        return max(option.score for option in self.options)

    def option(self, code: int) -> Option | None:
        return self.options[code] if 0 <= code < len(self.options) else None


class SkipRule(_Strict):
    """When item ``when`` is answered with one of ``codes``, the ``skip`` items are not asked.

    Skipped items must be written ``-``; otherwise they must be answered.
    """

    when: Ident
    codes: tuple[Code, ...] = Field(min_length=1)
    skip: tuple[Ident, ...] = Field(min_length=1)


class Subscale(_Strict):
    id: Ident
    label: NonEmpty


class Band(_Strict):
    """A band of the total, ``min`` and ``max`` inclusive."""

    id: Ident
    min: int
    max: int
    label: NonEmpty


class FlagRule(_Strict):
    """A flag raised when one item's score, or the total, reaches a threshold."""

    id: Ident
    message: NonEmpty
    item: Ident | None = None
    min_item_score: int | None = None
    min_total: int | None = None
    grade: Grade
    note: str | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> FlagRule:
        by_item = self.item is not None and self.min_item_score is not None
        by_total = self.item is None and self.min_item_score is None and self.min_total is not None
        if by_item == by_total:
            raise ValueError("a flag needs either item + min_item_score, or min_total alone")
        return self


class Loinc(_Strict):
    panel: LoincCode | None = None
    total: LoincCode | None = None


class Licence(_Strict):
    text: NonEmpty
    wording_reproducible: bool


class ChineseVersion(_Strict):
    """Which published, validated Chinese version a clinic should use (issue 15, point 3).

    ketpath ships scoring and short labels only, never a licensed wording; a
    clinic asking in Chinese should hand out a version validated in Chinese.
    ``text`` says which, or that none is known; ``sources`` cites the
    validation studies (empty when none is known).
    """

    text: NonEmpty
    sources: tuple[NonEmpty, ...] = ()


class Instrument(_Strict):
    id: Ident
    name: NonEmpty
    short_name: NonEmpty
    version: NonEmpty
    recall_period: NonEmpty
    total_label: NonEmpty
    items: tuple[Item, ...] = Field(min_length=1)
    skip_rules: tuple[SkipRule, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    flags: tuple[FlagRule, ...] = ()
    loinc: Loinc = Loinc()
    licence: Licence
    sources: tuple[NonEmpty, ...] = Field(min_length=1)
    grade: Grade
    grade_note: NonEmpty
    chinese_version: ChineseVersion
    note: str | None = None
    self_check_note: str | None = None
    scoring_note: str | None = None

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def min_total(self) -> int:
        return sum(item.min_score for item in self.items)

    @property
    def max_total(self) -> int:
        return sum(item.max_score for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def subscale_range(self, subscale_id: str) -> tuple[int, int]:
        members = [item for item in self.items if item.subscale == subscale_id]
        return sum(i.min_score for i in members), sum(i.max_score for i in members)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        self._check_items()
        self._check_skip_rules()
        self._check_bands()
        self._check_flags()
        return self

    def _check_items(self) -> None:
        ids = self.item_ids
        duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate item ids {duplicates}")
        subscale_ids = {subscale.id for subscale in self.subscales}
        for item in self.items:
            if item.subscale is not None and item.subscale not in subscale_ids:
                raise ValueError(f"item {item.id!r}: unknown subscale {item.subscale!r}")
            if item.wording and not self.licence.wording_reproducible:
                raise ValueError(
                    f"item {item.id!r}: wording given, but the licence does not allow "
                    "reproducing it (ship a short label; a clinic supplies the wording "
                    "with `ketpath serve --wording`)"
                )

    def _check_skip_rules(self) -> None:
        ids = self.item_ids
        for rule in self.skip_rules:
            for item_id in (rule.when, *rule.skip):
                if item_id not in ids:
                    raise ValueError(f"skip rule on {rule.when!r}: unknown item {item_id!r}")
            trigger = self.item(rule.when)
            for code in rule.codes:
                if trigger.option(code) is None:
                    raise ValueError(f"skip rule on {rule.when!r}: {rule.when} has no code {code}")
            if rule.when in rule.skip:
                raise ValueError(f"skip rule on {rule.when!r}: an item cannot skip itself")

    def _check_bands(self) -> None:
        if not self.bands:
            return
        bands = self.bands
        if bands[0].min != self.min_total or bands[-1].max != self.max_total:
            raise ValueError(
                f"bands must cover the total range {self.min_total}-{self.max_total}, "
                f"not {bands[0].min}-{bands[-1].max}"
            )
        for band in bands:
            if band.max < band.min:
                raise ValueError(f"band {band.id!r}: max {band.max} is below min {band.min}")
        for before, after in pairwise(bands):
            if after.min != before.max + 1:
                raise ValueError(f"band {after.id!r} must start at {before.max + 1}")

    def _check_flags(self) -> None:
        for flag in self.flags:
            if flag.item is None:
                continue
            if flag.item not in self.item_ids:
                raise ValueError(f"flag {flag.id!r}: unknown item {flag.item!r}")


# ---------------------------------------------------------------- loading


def instrument_files() -> tuple[Path, ...]:
    return tuple(sorted(INSTRUMENTS_DIR.glob("*.toml")))


def _load_one(path: Path) -> Instrument:
    name = f"instruments/{path.name}"
    where = f"knowledge/{name}"
    data: dict[str, Any] = read_toml(name)
    instrument = validate(Instrument, data, where)
    if instrument.id != path.stem:
        raise KnowledgeError(f"{where}: id {instrument.id!r} must match the file name")
    check_sources(instrument.sources, where)
    check_sources(instrument.chinese_version.sources, f"{where}: chinese_version")
    return instrument


@cache
def instruments() -> dict[str, Instrument]:
    """Every instrument in ``knowledge/instruments``, keyed by id (validated once, cached)."""
    return {instrument.id: instrument for instrument in map(_load_one, instrument_files())}
