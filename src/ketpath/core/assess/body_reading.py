"""The body model read for one person (core/body/ is the model itself): the assessment's body section and
the whole-history timeline behind ``ketpath body``.

Uses without an amount are left out, a use without a route is taken as the
usual route, and a missing weight as a default; all three choices are data in
``knowledge/body.toml`` and both outputs say how often each was made.

What a person sees is words only: the direction of this week's exposure, the
tolerance level and direction, and after a break that a usual amount is now more
dangerous. No exposure figure, and no tolerance or effect as a percentage or a
multiplier: those read as "take more" (DESIGN.md, rules that are not negotiable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any

import numpy as np

from ketpath.core.assess.history import History, build_history
from ketpath.core.body import DoseHistory
from ketpath.core.body.pk import route_names
from ketpath.core.body.timeline import Timeline, history_timeline
from ketpath.core.body.tolerance import (
    Tolerance,
    exposure,
    level_of,
    saturation,
    tolerance,
    tolerance_reading,
)
from ketpath.core.records import Record
from ketpath.knowledge import claims
from ketpath.knowledge.body import body

MICROSECONDS_PER_HOUR = 3_600 * 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
A_MONDAY = datetime(2024, 1, 1)


@dataclass(frozen=True)
class Doses:
    """The logged uses as model doses, and how many assumptions that took."""

    history: DoseHistory
    weight_kg: float
    uses_without_amount: int
    routes_assumed: int
    weight_assumed: bool

    def assumptions(self) -> dict[str, Any]:
        settings = body().assessment
        return {
            "doses_counted": len(self.history),
            "uses_without_amount": self.uses_without_amount,
            "routes_assumed": self.routes_assumed,
            "weight_kg": self.weight_kg,
            "weight_assumed": self.weight_assumed,
            "caveat": settings.caveat,
            "grade": settings.grade,
            "sources": list(settings.sources),
        }


def doses_of(history: History) -> Doses:
    """Uses with an amount as a :class:`DoseHistory` on the UTC clock (hours since 1970)."""
    settings = body().assessment
    uses = history.uses
    dosed = np.flatnonzero(~np.isnan(history.dose_mg))
    routes = list(map(attrgetter("route"), map(uses.records.__getitem__, dosed.tolist())))
    code: dict[str | None, int] = {name: index for index, name in enumerate(route_names())}
    code[None] = code[settings.unknown_route]
    doses = DoseHistory(
        times_h=uses.utc[dosed] / MICROSECONDS_PER_HOUR,
        mg=history.dose_mg[dosed],
        routes=np.fromiter(map(code.__getitem__, routes), dtype=np.int64, count=len(routes)),
    )
    return Doses(
        history=doses,
        weight_kg=history.weight_kg or settings.default_weight_kg,
        uses_without_amount=len(uses) - len(dosed),
        routes_assumed=routes.count(None),
        weight_assumed=history.weight_kg is None,
    )


def body_section(history: History) -> dict[str, Any] | None:
    """Exposure trend, tolerance level and direction, and the after-a-break warning, in words.

    None when no use carries an amount.
    """
    doses = doses_of(history)
    if not len(doses.history):
        return None
    as_of_h = history.end_utc / MICROSECONDS_PER_HOUR
    past = doses.history.before(as_of_h)
    reading = tolerance_reading(past, as_of_h, weight_kg=doses.weight_kg)
    return {
        "exposure_trend": exposure(past, as_of_h, weight_kg=doses.weight_kg).trend,
        "tolerance": {"level": reading.level, "direction": reading.direction},
        "after_a_break": after_a_break(history, doses),
        **doses.assumptions(),
    }


def after_a_break(history: History, doses: Doses) -> dict[str, Any] | None:
    """The warning that a usual amount is now more dangerous, or None.

    Given when the last use (with or without an amount) is ``break_days`` or more
    local days ago and tolerance at that use was moderate or high
    (``knowledge/body.toml``, ``tolerance.reading``); it carries its claim's grade
    and sources.
    """
    rule = body().tolerance.reading
    if not len(history.uses):
        return None
    days = history.end_day - int(history.use_days[-1])
    if days < rule.break_days.value:
        return None
    last_use_h = float(history.uses.utc[-1]) / MICROSECONDS_PER_HOUR
    at_last_use = tolerance(doses.history, [last_use_h], weight_kg=doses.weight_kg)
    if level_of(float(saturation(at_last_use)[0])) == "low":
        return None
    claim = claims()[rule.break_claim]
    return {
        "days": days,
        "claim": claim.id,
        "grade": claim.grade,
        "sources": list(claim.sources),
    }


def body_sentences(section: dict[str, Any]) -> dict[str, str | None]:
    """The body section in words (``knowledge/body.toml``), shared by every view of it."""
    words = body().assessment.words
    tolerance_words = section["tolerance"]
    assumed = []
    if section["uses_without_amount"]:
        assumed.append(f"{section['uses_without_amount']} uses without an amount were left out")
    if section["routes_assumed"]:
        assumed.append(f"{section['routes_assumed']} uses without a route were taken as snorted")
    if section["weight_assumed"]:
        assumed.append(f"a weight of {section['weight_kg']:.0f} kg was assumed")
    after = section["after_a_break"]
    return {
        "after_a_break": words.after_a_break.format(days=after["days"]) if after else None,
        "exposure": words.exposure.format(
            trend=getattr(words, f"trend_{section['exposure_trend']}")
        ),
        "tolerance": words.tolerance.format(
            level=getattr(words, f"level_{tolerance_words['level']}"),
            direction=getattr(words, f"direction_{tolerance_words['direction']}"),
        ),
        "assumed": ("Assumed: " + "; ".join(assumed) + ".") if assumed else None,
        "caveat": section["caveat"],
    }


@dataclass(frozen=True)
class BodyReport:
    """A whole history through the body model, with the clock to read it by.

    ``section`` is the assessment's body section (words) at ``as_of``. The
    timeline keeps the model's numbers; :meth:`to_dict` gives tolerance per day
    as a level word, never as a fraction, because a person may run
    ``ketpath body`` on their own history.
    """

    timeline: Timeline
    doses: Doses
    zone: tzinfo
    as_of: datetime
    section: dict[str, Any] | None

    def when(self, hours: float) -> datetime:
        return (EPOCH + timedelta(hours=hours)).astimezone(self.zone)

    def to_dict(self) -> dict[str, Any]:
        t = self.timeline
        levels = saturation(Tolerance(pk=t.days.pk, pd=t.days.pd))
        return {
            "as_of": self.as_of.isoformat(),
            "note": body().assessment.research.note,
            "summary": self.section,
            "weeks": [
                {"start": self.when(h).date().isoformat(), "exposure_ng_h_ml": float(v)}
                for h, v in zip(t.weeks.start_h, t.weeks.ketamine_auc_ng_h_ml, strict=True)
            ],
            "days": [
                {"date": self.when(h).date().isoformat(), "tolerance": level_of(float(level))}
                for h, level in zip(t.days.start_h, levels, strict=True)
            ],
            "doses": [
                {
                    "time": self.when(h).isoformat(timespec="minutes"),
                    "reward_high": float(hi),
                    "reward_low": float(lo),
                }
                for h, hi, lo in zip(t.doses.t_h, t.doses.high, t.doses.low, strict=True)
            ],
            **self.doses.assumptions(),
        }


def body_report(records: Sequence[Record], as_of: datetime) -> BodyReport:
    """Exposure by week, tolerance by day and the high and low of every dose up to ``as_of``."""
    history = build_history(records, as_of)
    doses = doses_of(history)
    monday = A_MONDAY.replace(tzinfo=history.zone)
    origin_h = (monday - EPOCH).total_seconds() / 3600
    timeline = history_timeline(
        doses.history,
        history.end_utc / MICROSECONDS_PER_HOUR,
        weight_kg=doses.weight_kg,
        origin_h=origin_h,
    )
    return BodyReport(
        timeline=timeline,
        doses=doses,
        zone=history.zone,
        as_of=as_of,
        section=body_section(history),
    )
