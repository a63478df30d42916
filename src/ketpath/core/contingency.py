"""Contingency management: the escalating reward schedule driven by drug screens.

``schedule(screens, settings, start=, as_of=)`` replays a clinician's drug
screens from the start of a person's course and derives every reward. The
rules follow the voucher schedule of the Vermont cocaine trials (Higgins 1994;
Budney & Higgins 1998, NIDA manual 2), with the defaults and their sources in
``knowledge/contingency.toml``:

- A **negative** screen earns the value of the current step, then moves one
  step up: ``start_value + step * increment``, never above ``max_value``. Every
  ``bonus_every``-th negative in a row also earns ``bonus_value``.
- A **positive** screen earns nothing and **resets** the step to 0.
- A **missed** screen: more than ``max_days_between_screens`` days after the
  start or the previous screen with no screen. One is counted at each such
  deadline (a screen exactly at the deadline is on time), and it resets like a
  positive unless ``reset_on_missed`` is off.
- An **invalid** screen earns nothing; with ``invalid = "reset"`` (the default)
  it resets, with ``"hold"`` it leaves the step and the run as they were. Either
  way it is attendance, so it is not also a missed screen.
- **Return**: after a reset, ``return_after`` negatives in a row bring the step
  back to the highest step held before the reset(s), so the next negative earns
  what it would have earned without the slip. Inexact on purpose: the manual
  says the earlier value is regained; we restore the step the reset took away.
- A negative less than ``min_hours_between_rewards`` after the last rewarded
  one is a **repeat** (a same-day retest, or a screen entered twice): it earns
  nothing and moves nothing. Positive results always count.

Rewards are never stored: they are recomputed from the screens, so correcting
or deleting a screen corrects every value after it. Money is kept as
:class:`~decimal.Decimal` cents so totals add up exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ketpath.core.records import DrugScreen
from ketpath.errors import FieldProblem
from ketpath.knowledge.contingency import contingency

__all__ = [
    "ContingencyEvent",
    "ContingencySettings",
    "ContingencySettingsError",
    "ContingencyState",
    "money",
    "schedule",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The most a clinic may set any one money value to (a guard against typos, not advice).
MAX_MONEY = Decimal("10000")
MAX_COUNT = 1000

Outcome = Literal["earned", "reset", "held", "repeat"]
InvalidRule = Literal["reset", "hold"]

#: The settings that are amounts of money (the rest are counts, switches and words).
MONEY_FIELDS = ("start_value", "increment", "max_value", "bonus_value")
_COUNT_FIELDS = ("bonus_every", "return_after", "min_hours_between_rewards")
_POSITIVE_COUNT_FIELDS = ("max_days_between_screens",)


def money(value: Decimal | float | int | str) -> Decimal:
    """A money value in whole cents."""
    return Decimal(str(value)).quantize(CENT)


class ContingencySettingsError(FieldProblem):
    """A schedule setting that cannot be used, naming the setting."""


@dataclass(frozen=True, kw_only=True)
class ContingencySettings:
    """One person's contingency-management schedule (defaults: ``knowledge/contingency.toml``)."""

    start_value: Decimal
    increment: Decimal
    max_value: Decimal
    bonus_every: int
    bonus_value: Decimal
    return_after: int
    reset_on_missed: bool
    invalid: InvalidRule
    max_days_between_screens: int
    min_hours_between_rewards: int
    currency: str = "USD"

    @classmethod
    def defaults(cls) -> ContingencySettings:
        known = contingency()
        values: dict[str, Any] = {name: d.value for name, d in known.defaults.items()}
        return cls.from_mapping({**values, "currency": known.currency}, base=None)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, base: ContingencySettings | None = None
    ) -> ContingencySettings:
        """Settings from a stored or submitted mapping, over ``base`` (the defaults).

        Unknown keys are refused, so a misspelt setting is an error rather than
        a silently ignored one.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ContingencySettingsError(unknown[0], "unknown setting")
        if base is None and set(data) != names:
            base = cls.defaults()
        merged: dict[str, Any] = {} if base is None else base.to_fields()
        for key, value in data.items():
            merged[key] = _checked(key, value)
        settings = cls(**merged)
        if settings.max_value < settings.start_value:
            raise ContingencySettingsError("max_value", "must be at least the start value")
        return settings

    def to_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: money as numbers with two decimals' worth of precision."""
        return {
            key: float(value) if isinstance(value, Decimal) else value
            for key, value in self.to_fields().items()
        }

    def value_at(self, step: int) -> Decimal:
        """What a negative screen earns at ``step`` (0 = the first), bonus excluded."""
        return min(self.start_value + self.increment * step, self.max_value)

    def bonus_for_run(self, run: int) -> Decimal:
        """The bonus earned by the ``run``-th negative in a row (1 = the first)."""
        if self.bonus_every and run > 0 and run % self.bonus_every == 0:
            return self.bonus_value
        return ZERO

    def ladder(self, *, longest: int = 40) -> list[Decimal]:
        """The step values from the first until the cap is reached (at most ``longest``)."""
        values = [self.value_at(0)]
        while values[-1] < self.max_value and len(values) < longest and self.increment > 0:
            values.append(self.value_at(len(values)))
        return values


def _checked(key: str, value: Any) -> Any:
    if key in MONEY_FIELDS:
        return _money_setting(key, value)
    if key in _COUNT_FIELDS or key in _POSITIVE_COUNT_FIELDS:
        low = 1 if key in _POSITIVE_COUNT_FIELDS else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_COUNT:
            raise ContingencySettingsError(key, f"must be a whole number from {low} to {MAX_COUNT}")
        return value
    if key == "reset_on_missed":
        if not isinstance(value, bool):
            raise ContingencySettingsError(key, "must be true or false")
        return value
    if key == "invalid":
        if value not in ("reset", "hold"):
            raise ContingencySettingsError(key, "must be 'reset' or 'hold'")
        return value
    if key == "currency":
        if value not in ("USD", "GBP", "EUR"):
            raise ContingencySettingsError(key, "must be USD, GBP or EUR")
        return value
    raise ContingencySettingsError(
        key, "unknown setting"
    )  # pragma: no cover - from_mapping checks first


def _money_setting(key: str, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ContingencySettingsError(key, "must be an amount such as 2.50")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ContingencySettingsError(key, "must be an amount such as 2.50") from None
    if not amount.is_finite() or not ZERO <= amount <= MAX_MONEY:
        raise ContingencySettingsError(key, f"must be an amount from 0 to {MAX_MONEY}")
    if amount != amount.quantize(CENT):
        raise ContingencySettingsError(key, "must be in whole cents")
    return amount.quantize(CENT)


# ---------------------------------------------------------------- events and state


@dataclass(frozen=True, kw_only=True)
class ContingencyEvent:
    """One screen, or one missed screen, and what it did to the schedule."""

    time: datetime
    kind: Literal["screen", "missed"]
    result: str | None
    outcome: Outcome
    step: int | None
    """The step a negative was paid at (0 = first); None when nothing was earned."""
    value: Decimal
    bonus: Decimal
    restored: bool
    """This negative completed the run that brought back the step held before a reset."""
    run: int
    """Negative screens in a row after this event."""
    total: Decimal
    """The running total after this event."""

    @property
    def earned(self) -> Decimal:
        return self.value + self.bonus

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "kind": self.kind,
            "result": self.result,
            "outcome": self.outcome,
            "step": None if self.step is None else self.step + 1,
            "value": float(self.value),
            "bonus": float(self.bonus),
            "earned": float(self.earned),
            "restored": self.restored,
            "run": self.run,
            "total": float(self.total),
        }


@dataclass(frozen=True, kw_only=True)
class ContingencyState:
    """The schedule replayed up to ``as_of``: every event, the total and what comes next."""

    settings: ContingencySettings
    start: datetime
    as_of: datetime
    events: tuple[ContingencyEvent, ...]
    total: Decimal
    step: int
    """The step the next negative screen will be paid at."""
    run: int
    return_step: int | None
    """The step a run of ``return_after`` negatives will bring back, if a reset is pending."""
    next_value: Decimal
    """What the next negative screen earns, bonus included (0 when it would be a repeat)."""
    next_bonus: Decimal
    next_due: datetime
    """The latest time the next screen can be taken without counting as missed."""
    rewards_from: datetime | None
    """Before this moment another negative screen would be a repeat and earn nothing."""

    def count(self, outcome: str | None = None, *, kind: str | None = None) -> int:
        return sum(
            1
            for e in self.events
            if (outcome is None or e.outcome == outcome) and (kind is None or e.kind == kind)
        )

    @property
    def missed(self) -> int:
        return self.count(kind="missed")

    @property
    def resets(self) -> int:
        return self.count("reset")

    def results(self, result: str) -> int:
        return sum(1 for e in self.events if e.result == result)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "as_of": self.as_of.isoformat(),
            "settings": self.settings.to_dict(),
            "ladder": [float(value) for value in self.settings.ladder()],
            "events": [event.to_dict() for event in self.events],
            "total": float(self.total),
            "step": self.step + 1,
            "run": self.run,
            "return_step": None if self.return_step is None else self.return_step + 1,
            "next_value": float(self.next_value),
            "next_bonus": float(self.next_bonus),
            "next_due": self.next_due.isoformat(),
            "rewards_from": self.rewards_from.isoformat() if self.rewards_from else None,
            "counts": {
                "negative": self.results("negative"),
                "positive": self.results("positive"),
                "invalid": self.results("invalid"),
                "missed": self.missed,
                "resets": self.resets,
                "repeats": self.count("repeat"),
            },
        }


# ---------------------------------------------------------------- the replay


@dataclass(frozen=True)
class _Position:
    step: int = 0
    run: int = 0
    return_step: int | None = None
    total: Decimal = ZERO
    last_reward: datetime | None = None


def _reset(position: _Position, settings: ContingencySettings) -> _Position:
    keep = position.return_step
    if settings.return_after and position.step > 0:
        keep = max(keep or 0, position.step)
    return replace(position, step=0, run=0, return_step=keep)


def _is_repeat(position: _Position, time: datetime, settings: ContingencySettings) -> bool:
    if position.last_reward is None or settings.min_hours_between_rewards == 0:
        return False
    return time - position.last_reward < timedelta(hours=settings.min_hours_between_rewards)


def _negative(
    position: _Position, time: datetime, settings: ContingencySettings
) -> tuple[_Position, ContingencyEvent]:
    if _is_repeat(position, time, settings):
        return position, _event(time, "screen", "negative", "repeat", position)
    run = position.run + 1
    value = settings.value_at(position.step)
    bonus = settings.bonus_for_run(run)
    step = position.step + 1
    return_step = position.return_step
    restored = False
    if return_step is not None and run >= settings.return_after:
        restored = return_step > step
        step, return_step = max(step, return_step), None
    after = _Position(step, run, return_step, position.total + value + bonus, time)
    event = _event(time, "screen", "negative", "earned", after, step=position.step)
    return after, replace(event, value=value, bonus=bonus, restored=restored)


def _event(
    time: datetime,
    kind: Literal["screen", "missed"],
    result: str | None,
    outcome: Outcome,
    after: _Position,
    *,
    step: int | None = None,
) -> ContingencyEvent:
    return ContingencyEvent(
        time=time,
        kind=kind,
        result=result,
        outcome=outcome,
        step=step,
        value=ZERO,
        bonus=ZERO,
        restored=False,
        run=after.run,
        total=after.total,
    )


def _apply(
    position: _Position, time: datetime, result: str | None, settings: ContingencySettings
) -> tuple[_Position, ContingencyEvent]:
    """One screen (``result``) or one missed screen (``result`` None)."""
    kind: Literal["screen", "missed"] = "missed" if result is None else "screen"
    if result == "negative":
        return _negative(position, time, settings)
    resets = (
        result == "positive"
        or (result is None and settings.reset_on_missed)
        or (result == "invalid" and settings.invalid == "reset")
    )
    if resets:
        after = _reset(position, settings)
        return after, _event(time, kind, result, "reset", after)
    return position, _event(time, kind, result, "held", position)


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def schedule(
    screens: Sequence[DrugScreen],
    settings: ContingencySettings,
    *,
    start: datetime,
    as_of: datetime,
) -> ContingencyState:
    """Replay the screens taken from ``start`` up to ``as_of`` (both inclusive).

    Screens before ``start`` or after ``as_of`` are left out; screens at the
    same moment keep the order given.
    """
    _aware(start, "start")
    _aware(as_of, "as_of")
    if as_of < start:
        raise ValueError("as_of is before the start of the schedule")
    gap = timedelta(days=settings.max_days_between_screens)
    taken = sorted((s for s in screens if start <= s.time <= as_of), key=lambda s: s.time)
    position = _Position()
    events: list[ContingencyEvent] = []
    anchor = start
    for screen in taken:
        while anchor + gap < screen.time:
            anchor += gap
            position, event = _apply(position, anchor, None, settings)
            events.append(event)
        position, event = _apply(position, screen.time, screen.result, settings)
        events.append(event)
        anchor = screen.time
    while anchor + gap < as_of:
        anchor += gap
        position, event = _apply(position, anchor, None, settings)
        events.append(event)
    return _state(position, events, settings, start=start, as_of=as_of, next_due=anchor + gap)


def _state(
    position: _Position,
    events: list[ContingencyEvent],
    settings: ContingencySettings,
    *,
    start: datetime,
    as_of: datetime,
    next_due: datetime,
) -> ContingencyState:
    rewards_from = None
    if position.last_reward is not None and settings.min_hours_between_rewards:
        rewards_from = position.last_reward + timedelta(hours=settings.min_hours_between_rewards)
    _after, next_event = _negative(position, next_due, settings)
    return ContingencyState(
        settings=settings,
        start=start,
        as_of=as_of,
        events=tuple(events),
        total=position.total,
        step=position.step,
        run=position.run,
        return_step=position.return_step,
        next_value=next_event.earned,
        next_bonus=next_event.bonus,
        next_due=next_due,
        rewards_from=rewards_from if rewards_from and rewards_from > as_of else None,
    )
