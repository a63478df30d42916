"""Score screening instruments defined as data.

One generic engine: every instrument (PHQ-9, ASSIST, DAST-10, ...) is a TOML
file in ``knowledge/instruments`` listing its items, the score of each answer
option, which items a given answer skips, its subscales, bands and flags. The
engine only checks answers against that data and adds up scores, so a
clinician can review or correct an instrument without touching code, and no
instrument gets special-cased here.

Answers are option codes in the order of the published form (0 = first
option). ``"-"`` marks an item skipped by a skip rule (ASSIST Q3-Q5 when Q2 is
"never"); it is refused anywhere else, because a missing answer silently scored
as 0 would understate a total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ketpath.errors import BadInput
from ketpath.knowledge.instruments import Instrument, Item, SkipRule, instruments

__all__ = [
    "Flag",
    "Instrument",
    "InstrumentError",
    "ItemScore",
    "Score",
    "get_instrument",
    "instrument_ids",
    "score",
]

SKIPPED = "-"


class InstrumentError(BadInput):
    """Answers that do not fit the instrument; ``item`` names the offending item, if any."""

    def __init__(self, message: str, *, item: str | None = None) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True)
class Flag:
    id: str
    item: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "item": self.item, "message": self.message}


@dataclass(frozen=True)
class ItemScore:
    id: str
    code: int | str
    score: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "score": self.score}


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int | float
    band: str | None
    band_label: str | None
    subscales: dict[str, int | float] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    items: tuple[ItemScore, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "subscales": dict(self.subscales),
            "flags": [flag.to_dict() for flag in self.flags],
            "items": [item.to_dict() for item in self.items],
        }


def instrument_ids() -> tuple[str, ...]:
    return tuple(sorted(instruments()))


def get_instrument(instrument_id: str) -> Instrument:
    known = instruments()
    if instrument_id not in known:
        raise InstrumentError(
            f"unknown instrument {instrument_id!r}; known: {', '.join(sorted(known))}"
        )
    return known[instrument_id]


def score(instrument_id: str, answers: Sequence[int | str]) -> Score:
    """Score one completed form. Raises :class:`InstrumentError` naming the bad item."""
    instrument = get_instrument(instrument_id)
    if isinstance(answers, str | bytes) or len(answers) != len(instrument.items):
        got = "a string" if isinstance(answers, str | bytes) else str(len(answers))
        raise InstrumentError(
            f"{instrument.id}: expected {len(instrument.items)} answers, got {got}"
        )
    codes = {
        item.id: _parse_code(instrument, item, answer)
        for item, answer in zip(instrument.items, answers, strict=True)
    }
    _check_skips(instrument, codes)
    item_scores = tuple(_item_score(item, codes[item.id]) for item in instrument.items)
    total = sum(entry.score for entry in item_scores if entry.score is not None)
    by_id = {entry.id: entry for entry in item_scores}
    subscales: dict[str, int | float] = {
        subscale.id: sum(
            by_id[item.id].score or 0 for item in instrument.items if item.subscale == subscale.id
        )
        for subscale in instrument.subscales
    }
    band = next((b for b in instrument.bands if b.min <= total <= b.max), None)
    return Score(
        instrument=instrument.id,
        total=total,
        band=band.id if band else None,
        band_label=band.label if band else None,
        subscales=subscales,
        flags=_flags(instrument, by_id, total),
        items=item_scores,
    )


# ---------------------------------------------------------------- checking answers


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _allowed(item: Item) -> str:
    return ", ".join(str(option.code) for option in item.options)


def _where(instrument: Instrument, item: Item) -> str:
    position = instrument.item_ids.index(item.id) + 1
    return f"{instrument.id}: item {item.id!r} ({_ordinal(position)} answer)"


def _parse_code(instrument: Instrument, item: Item, answer: object) -> int | str:
    """Return the answer as a valid code, or ``"-"`` (checked later); anything else raises."""
    if answer == SKIPPED:
        return SKIPPED
    code: int | None = None
    if isinstance(answer, int) and not isinstance(answer, bool):
        code = answer
    elif isinstance(answer, str) and answer.isdecimal():
        code = int(answer)
    if code is None or item.option(code) is None:
        raise InstrumentError(
            f"{_where(instrument, item)}: code {answer!r} is not allowed; "
            f"allowed codes: {_allowed(item)}",
            item=item.id,
        )
    return code


def _check_skips(instrument: Instrument, codes: dict[str, int | str]) -> None:
    """Skipped items must be written ``-`` and all others answered, as the skip rules say."""
    governed: set[str] = set()
    for rule in instrument.skip_rules:
        governed.update(rule.skip)
        applies = codes[rule.when] in rule.codes
        for item_id in rule.skip:
            _check_one_skip(instrument, rule, item_id, codes, applies=applies)
    for item in instrument.items:
        if codes[item.id] == SKIPPED and item.id not in governed:
            raise InstrumentError(
                f"{_where(instrument, item)}: '-' (skipped) is not allowed; "
                f"allowed codes: {_allowed(item)}",
                item=item.id,
            )


def _check_one_skip(
    instrument: Instrument,
    rule: SkipRule,
    item_id: str,
    codes: dict[str, int | str],
    *,
    applies: bool,
) -> None:
    trigger_item = instrument.item(rule.when)
    trigger = codes[rule.when]
    answered = codes[item_id] != SKIPPED
    if trigger == SKIPPED:
        raise InstrumentError(
            f"{instrument.id}: item {rule.when!r} must be answered: it decides whether "
            f"{', '.join(rule.skip)} are asked",
            item=rule.when,
        )
    trigger_label = trigger_item.options[int(trigger)].label
    if applies and answered:
        raise InstrumentError(
            f"{instrument.id}: item {item_id!r}: must be '-' (skipped) because "
            f"{rule.when} is {trigger_label!r}",
            item=item_id,
        )
    if not applies and not answered:
        raise InstrumentError(
            f"{instrument.id}: item {item_id!r}: must be answered because "
            f"{rule.when} is {trigger_label!r}; allowed codes: "
            f"{_allowed(instrument.item(item_id))}",
            item=item_id,
        )


# ---------------------------------------------------------------- scoring


def _item_score(item: Item, code: int | str) -> ItemScore:
    if code == SKIPPED or isinstance(code, str):
        return ItemScore(id=item.id, code=SKIPPED, score=None)
    return ItemScore(id=item.id, code=code, score=item.options[code].score)


def _flags(
    instrument: Instrument, by_id: dict[str, ItemScore], total: int | float
) -> tuple[Flag, ...]:
    raised: list[Flag] = []
    for rule in instrument.flags:
        if rule.item is not None and rule.min_item_score is not None:
            item_score = by_id[rule.item].score
            if item_score is not None and item_score >= rule.min_item_score:
                raised.append(Flag(id=rule.id, item=rule.item, message=rule.message))
        elif rule.min_total is not None and total >= rule.min_total:
            raised.append(Flag(id=rule.id, item=None, message=rule.message))
    return tuple(raised)
