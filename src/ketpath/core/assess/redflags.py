"""Red flags: what needs care now. Never hidden, always shown first.

Each flag carries its level, what to do, and the emergency, help-line or crisis
numbers of the person's locale. A flag raised by a logged symptom takes the
symptom's id; the others take the rule's id from ``rules.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketpath.core.assess.history import History
from ketpath.core.assess.questionnaires import scored
from ketpath.core.assess.signals import (
    Finding,
    depressant_names,
    distinct_days,
    earliest,
    failures_in,
    stop_goals_behind_failures,
    symptom_mask,
    use_flags,
)
from ketpath.core.instruments import Score
from ketpath.core.records import Record
from ketpath.knowledge import helplines, rules, vocabulary
from ketpath.knowledge.load import Contact, RedFlagRule

LEVEL_ORDER = ("emergency", "urgent", "soon")


@dataclass(frozen=True)
class RedFlag:
    finding: Finding
    level: str
    message: str
    action: str
    contacts: tuple[Contact, ...]

    def to_dict(self) -> dict[str, Any]:
        base = self.finding.to_dict()
        return {
            "id": self.finding.id,
            "level": self.level,
            "message": self.message,
            "action": self.action,
            "contacts": [contact.model_dump() for contact in self.contacts],
            "since": base["since"],
            "grade": base["grade"],
            "sources": base["sources"],
            "records": base["records"],
        }


def _flag(
    flag_id: str, rule: RedFlagRule, message: str, records: Sequence[Record], locale: str
) -> RedFlag:
    level = rules().red_flag_levels[rule.level]
    contacts = (
        helplines().locales[locale].of_kinds(dict.fromkeys((*level.contacts, *rule.contacts)))
    )
    finding = Finding(
        id=flag_id,
        label=level.label,
        since=earliest(records),
        evidence=message,
        grade=rule.grade,
        sources=rule.sources,
        records=tuple(records),
    )
    return RedFlag(
        finding=finding, level=rule.level, message=message, action=level.action, contacts=contacts
    )


def _symptom_flags(history: History, rule: RedFlagRule, locale: str) -> list[RedFlag]:
    """One flag per listed symptom logged in the window (at or above the severity)."""
    flags = []
    members = (*rule.symptoms, *([rule.symptom] if rule.symptom else ()))
    for symptom in members:
        mask = symptom_mask(history, frozenset({symptom}))
        found = [
            s
            for s in history.symptoms.select(history.end, rule.window_days, mask)
            if s.severity >= rule.min_severity
        ]
        if found:
            label = vocabulary().label("symptoms", symptom)
            flags.append(_flag(symptom, rule, rule.message.format(label=label), found, locale))
    return flags


Counted = tuple[dict[str, object], list[Record]] | None


def _symptom_days(
    members: Callable[[], frozenset[str]],
) -> Callable[[History, RedFlagRule], Counted]:
    def count(history: History, rule: RedFlagRule) -> Counted:
        mask = symptom_mask(history, members())
        records: list[Record] = list(history.symptoms.select(history.end, rule.window_days, mask))
        days = distinct_days(records, history)
        return ({"days": days}, records) if days >= rule.min_days else None

    return count


def _flagged_uses(flag: str) -> Callable[[History, RedFlagRule], Counted]:
    def count(history: History, rule: RedFlagRule) -> Counted:
        uses = history.uses.select(history.end, rule.window_days, use_flags(history, flag))
        values: dict[str, object] = {"count": len(uses), "drugs": depressant_names(uses)}
        return (values, list(uses)) if len(uses) >= rule.min_count else None

    return count


def _failed_quits(history: History, rule: RedFlagRule) -> Counted:
    count = int(failures_in(history, np.array([history.end], dtype=np.int64), rule.window_days)[0])
    return (
        ({"count": count}, stop_goals_behind_failures(history, rule.window_days))
        if count >= rule.min_count
        else None
    )


def _administrations(
    instrument: str, matches: Callable[[Score, RedFlagRule], bool]
) -> Callable[[History, RedFlagRule], Counted]:
    def count(history: History, rule: RedFlagRule) -> Counted:
        found = [
            a
            for a in scored(history).in_window(instrument, history.end, rule.window_days)
            if matches(a.score, rule)
        ]
        if not found:
            return None
        latest = found[-1].score
        return {"score": latest.total, "band": latest.band}, [a.record for a in found]

    return count


COUNTED: dict[str, Callable[[History, RedFlagRule], Counted]] = {
    "persistent-urinary-symptoms": _symptom_days(lambda: vocabulary().symptom_group("urinary")),
    "recurrent-abdominal-pain": _symptom_days(lambda: frozenset({"abdominal-pain"})),
    "injection-use": _flagged_uses("injection"),
    "depressant-co-use": _flagged_uses("depressant"),
    "repeated-failed-quits": _failed_quits,
    "puf-high": _administrations("puf", lambda score, rule: score.total >= rule.min_score),
    "phq9-item9": _administrations(
        "phq9", lambda score, _: any(f.id == "item9" for f in score.flags)
    ),
    "dsm5-moderate-or-severe": _administrations(
        "dsm5-pcp", lambda score, rule: score.band in rule.bands
    ),
}


def raise_flags(history: History, locale: str) -> list[RedFlag]:
    """Every red flag at ``as_of``, emergencies first."""
    flags: list[RedFlag] = []
    for flag_id, rule in rules().red_flags.items():
        if rule.symptoms or rule.symptom:
            flags.extend(_symptom_flags(history, rule, locale))
        elif (counted := COUNTED[flag_id](history, rule)) is not None:
            values, records = counted
            flags.append(_flag(flag_id, rule, rule.message.format(**values), records, locale))
    return sorted(flags, key=lambda f: LEVEL_ORDER.index(f.level))
