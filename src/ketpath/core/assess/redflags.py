"""Red flags: what needs care now. Never hidden, always shown first.

Each flag carries its level, what to do, and the emergency, help-line or crisis
numbers of the person's locale. A flag raised by a logged symptom takes the
symptom's id; the others take the rule's id from ``rules.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketpath.core.assess.history import History
from ketpath.core.assess.questionnaires import scored
from ketpath.core.assess.signals import (
    Finding,
    _distinct_days,
    earliest,
    failures_in,
    symptom_mask,
    use_flags,
)
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


def _counted_flag(flag_id: str, history: History, rule: RedFlagRule, locale: str) -> RedFlag | None:
    """The flags that count days, uses, failures or scores in a window."""
    end, window = history.end, rule.window_days
    records: list[Record]
    values: dict[str, object]
    if flag_id in {"persistent-urinary-symptoms", "recurrent-abdominal-pain"}:
        members = (
            vocabulary().symptom_group("urinary")
            if flag_id == "persistent-urinary-symptoms"
            else frozenset({"abdominal-pain"})
        )
        records = list(history.symptoms.select(end, window, symptom_mask(history, members)))
        days = _distinct_days(records, history)
        values, hit = {"days": days}, days >= rule.min_days
    elif flag_id in {"injection-use", "depressant-co-use"}:
        flag = "injection" if flag_id == "injection-use" else "depressant"
        uses = history.uses.select(end, window, use_flags(history, flag))
        depressants = vocabulary().flagged("co_use", "depressant")
        drugs = dict.fromkeys(
            vocabulary().label("co_use", d).lower()
            for u in uses
            for d in u.co_use
            if d in depressants
        )
        records, values = list(uses), {"count": len(uses), "drugs": ", ".join(drugs)}
        hit = len(uses) >= rule.min_count
    elif flag_id == "repeated-failed-quits":
        count = int(failures_in(history, np.array([end], dtype=np.int64), window)[0])
        records = [
            g
            for g in history.goals.select(end, window + rules().failed_quit.within_days)
            if g.goal == "stop"
        ]
        values, hit = {"count": count}, count >= rule.min_count
    elif flag_id in {"puf-high", "dsm5-moderate-or-severe", "phq9-item9"}:
        instrument = {
            "puf-high": "puf",
            "dsm5-moderate-or-severe": "dsm5-pcp",
            "phq9-item9": "phq9",
        }[flag_id]
        administrations = scored(history).in_window(instrument, end, window)
        if flag_id == "puf-high":
            matching = [a for a in administrations if a.score.total >= rule.min_score]
        elif flag_id == "phq9-item9":
            matching = [a for a in administrations if any(f.id == "item9" for f in a.score.flags)]
        else:
            matching = [a for a in administrations if a.score.band in rule.bands]
        if not matching:
            return None
        latest = matching[-1]
        records = [a.record for a in matching]
        values = {"score": latest.score.total, "band": latest.score.band}
        hit = True
    else:
        raise KeyError(flag_id)
    return _flag(flag_id, rule, rule.message.format(**values), records, locale) if hit else None


def raise_flags(history: History, locale: str) -> list[RedFlag]:
    """Every red flag at ``as_of``, emergencies first."""
    flags: list[RedFlag] = []
    for flag_id, rule in rules().red_flags.items():
        if rule.symptoms or rule.symptom:
            flags.extend(_symptom_flags(history, rule, locale))
        elif (flag := _counted_flag(flag_id, history, rule, locale)) is not None:
            flags.append(flag)
    return sorted(flags, key=lambda f: LEVEL_ORDER.index(f.level))
