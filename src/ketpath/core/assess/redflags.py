"""Red flags: what needs care now. Never hidden, always shown first.

A flag is raised by what was logged inside its window, and then it *stands*
until a follow-up record names it (seen by a doctor or the clinic, or gone
away): once its window has passed it steps down one level
(``rules.toml`` ``steps_down_to``) but never vanishes on a timer. A follow-up
covers what was logged up to its time; anything logged later raises the flag
again. An emergency is never cleared while its window lasts, so one mis-tap
cannot hide it.

Each flag carries its level, what to do, and the emergency, help-line or crisis
numbers of the person's locale. A flag raised by a logged symptom takes the
symptom's id; the others take the rule's id from ``rules.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

import numpy as np

from ketpath.core.assess.history import (
    MICROSECONDS_PER_DAY,
    History,
    Ints,
    Table,
    days_to_microseconds,
    utc_microseconds,
    wall_clock,
)
from ketpath.core.assess.questionnaires import Administration, scored
from ketpath.core.assess.signals import (
    Finding,
    distinct_days,
    drug_names,
    earliest,
    failure_times,
    stop_goals_before,
    symptom_mask,
    use_flags,
)
from ketpath.core.instruments import Score
from ketpath.core.records import Symptom, TimedRecord, Use
from ketpath.knowledge import helplines, rules, vocabulary
from ketpath.knowledge.load import Contact, RedFlagRule, Rules
from ketpath.knowledge.wording import fill

LEVEL_ORDER = ("emergency", "urgent", "soon")
_NEVER = int(np.iinfo(np.int64).min)


@dataclass(frozen=True)
class Wording:
    """What a flag's words are made of, so a presenter can say them in another language.

    ``values`` fill the rule's message; those holding words (a symptom's label,
    drug names) are in English, and the flag's records name the same things by id.
    """

    rule_id: str
    standing: bool
    days_ago: int
    values: Mapping[str, object]
    drugs: frozenset[str]


@dataclass(frozen=True)
class FlagWords:
    label: str
    message: str
    clinician_message: str
    action: str
    note: str | None


def flag_words(wording: Wording, rules_: Rules) -> FlagWords:
    """A flag's label, messages, action and note from ``rules_`` (in any language)."""
    rule = rules_.red_flags[wording.rule_id]
    levels = rules_.red_flag_levels
    level = levels[levels[rule.level].steps_down_to if wording.standing else rule.level]
    keep_own_words = not wording.standing or rule.level != "emergency"
    action = rule.action if keep_own_words and rule.action else level.action
    action = " ".join(
        [action, *(text for drug, text in rule.extra_actions.items() if drug in wording.drugs)]
    )
    follow_up = rules_.red_flag_follow_up
    when = follow_up.when(wording.days_ago)
    values = {**wording.values, "when": when}
    return FlagWords(
        label=rule.label if keep_own_words and rule.label else level.label,
        message=fill(rule.message, values),
        clinician_message=fill(rule.clinician_message or rule.message, values),
        action=action,
        note=follow_up.standing_note.format(when=when) if wording.standing else None,
    )


@dataclass(frozen=True)
class RedFlag:
    finding: Finding
    level: str
    label: str
    message: str  # worded to the person
    clinician_message: str  # the same, worded for their clinician
    action: str
    contacts: tuple[Contact, ...]
    standing: bool  # raised before its window ended; kept until a follow-up names it
    note: str | None  # for a standing flag: when it was logged, and how to clear it
    clearable: bool  # whether a follow-up recorded now would clear it
    last_logged: datetime | None
    wording: Wording | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        base = self.finding.to_dict()
        return {
            "id": self.finding.id,
            "level": self.level,
            "label": self.label,
            "message": self.message,
            "clinician_message": self.clinician_message,
            "action": self.action,
            "contacts": [contact.model_dump() for contact in self.contacts],
            "standing": self.standing,
            "note": self.note,
            "clearable": self.clearable,
            "last_logged": self.last_logged.isoformat() if self.last_logged else None,
            "since": base["since"],
            "grade": base["grade"],
            "sources": base["sources"],
            "records": base["records"],
        }


Evidence = tuple[dict[str, object], list[TimedRecord]]
Find = Callable[[int, int], Evidence | None]  # (window end, follow-up time) -> evidence


@dataclass(frozen=True)
class Check:
    """One flag id: how to find it in a window, and where it may have been raised."""

    flag_id: str
    rule: RedFlagRule
    find: Find
    candidates: Callable[[], Ints]  # local times worth asking at, ascending


# ---------------------------------------------------------------- windows


def _in_window(
    table: Table[Any], end: int, days: int, since: int, where: np.ndarray[Any, Any] | None
) -> list[int]:
    """Positions of the records in the window ending at ``end`` logged after ``since``."""
    return [i for i in table.indices(end, days, where) if table.at[i] > since]


def _severe_enough(history: History, members: frozenset[str], min_severity: int) -> Any:
    severity = history.memo(
        "symptom_severity",
        lambda: np.fromiter(
            map(attrgetter("severity"), history.symptoms.records),
            dtype=np.int64,
            count=len(history.symptoms),
        ),
    )
    assert isinstance(severity, np.ndarray)
    return symptom_mask(history, members) & (severity >= min_severity)


def _symptoms(history: History, positions: list[int]) -> list[Symptom]:
    return [history.symptoms.records[i] for i in positions]


def _labels(symptoms: Sequence[str]) -> str:
    label = vocabulary().label
    words = [label("symptoms", s).lower() for s in dict.fromkeys(symptoms)]
    return " and ".join(words).capitalize()


# ---------------------------------------------------------------- kinds of flag


def _symptom_checks(history: History, rule: RedFlagRule) -> Iterator[Check]:
    """One flag per listed symptom logged in the window (at or above the severity)."""
    for symptom in rule.symptom_members():
        yield _one_symptom(history, rule, symptom)


def _one_symptom(history: History, rule: RedFlagRule, symptom: str) -> Check:
    mask = _severe_enough(history, frozenset({symptom}), rule.min_severity)
    label = vocabulary().label("symptoms", symptom)

    def find(end: int, since: int) -> Evidence | None:
        found = _symptoms(history, _in_window(history.symptoms, end, rule.window_days, since, mask))
        return ({"label": label}, list(found)) if found else None

    return Check(symptom, rule, find, lambda: history.symptoms.at[mask])


def _symptom_days(
    members: Callable[[], frozenset[str]],
) -> Callable[[History, str, RedFlagRule], Check]:
    def check(history: History, flag_id: str, rule: RedFlagRule) -> Check:
        mask = symptom_mask(history, members())

        def find(end: int, since: int) -> Evidence | None:
            found = _symptoms(
                history, _in_window(history.symptoms, end, rule.window_days, since, mask)
            )
            days = distinct_days(found, history)
            return ({"days": days}, list(found)) if days >= rule.min_days else None

        return Check(flag_id, rule, find, lambda: history.symptoms.at[mask])

    return check


def _flagged_uses(flag: str, names: str) -> Callable[[History, str, RedFlagRule], Check]:
    """Uses with ``flag`` set (injection, depressant, high_risk), at least ``min_count``."""

    def check(history: History, flag_id: str, rule: RedFlagRule) -> Check:
        mask = use_flags(history, flag)

        def find(end: int, since: int) -> Evidence | None:
            positions = _in_window(history.uses, end, rule.window_days, since, mask)
            uses = [history.uses.records[i] for i in positions]
            values: dict[str, object] = {"count": len(uses), "drugs": drug_names(uses, names)}
            return (values, list(uses)) if len(uses) >= rule.min_count else None

        return Check(flag_id, rule, find, lambda: history.uses.at[mask])

    return check


def _failed_quits(history: History, flag_id: str, rule: RedFlagRule) -> Check:
    def find(end: int, since: int) -> Evidence | None:
        times = failure_times(history)
        start = max(end - days_to_microseconds(rule.window_days), since)
        count = int(np.count_nonzero((times > start) & (times <= end)))
        if count < rule.min_count:
            return None
        return {"count": count}, [*stop_goals_before(history, end, rule.window_days)]

    return Check(flag_id, rule, find, lambda: failure_times(history))


def _administrations(
    instrument: str, matches: Callable[[Score, RedFlagRule], bool]
) -> Callable[[History, str, RedFlagRule], Check]:
    def check(history: History, flag_id: str, rule: RedFlagRule) -> Check:
        questionnaires = scored(history)

        def find(end: int, since: int) -> Evidence | None:
            found: list[Administration] = [
                a
                for a in questionnaires.in_window(instrument, end, rule.window_days)
                if a.at > since and matches(a.score, rule)
            ]
            if not found:
                return None
            latest = found[-1].score
            return {"score": latest.total, "band": latest.band}, [a.record for a in found]

        def candidates() -> Ints:
            administrations = questionnaires.by_instrument.get(instrument, ())
            return np.array(
                [a.at for a in administrations if matches(a.score, rule)], dtype=np.int64
            )

        return Check(flag_id, rule, find, candidates)

    return check


def _complete_sets(
    history: History, positions: list[int], sets: Sequence[Sequence[str]]
) -> list[tuple[str, ...]]:
    """The symptom sets every member of which was logged at these positions."""
    logged = {history.symptoms.records[i].symptom for i in positions}
    return [tuple(group) for group in sets if set(group) <= logged]


def _depressant_uses_before(history: History, moment: int, days: int) -> list[Use]:
    """Uses with a depressant in the ``days`` before ``moment`` (local time)."""
    mask = use_flags(history, "depressant")
    return [history.uses.records[i] for i in history.uses.indices(moment, days, mask)]


def _hallucinations_with_danger_signs(history: History, flag_id: str, rule: RedFlagRule) -> Check:
    """Hallucinations with confusion, shaking and sweating, a seizure, or recent depressants."""
    members = frozenset(s for group in rule.symptom_sets for s in group)
    primary = _severe_enough(history, members, rule.min_severity)
    companions = symptom_mask(history, frozenset(s for g in rule.with_symptom_sets for s in g))

    def find(end: int, since: int) -> Evidence | None:
        window = _in_window(history.symptoms, end, rule.window_days, since, primary)
        if not _complete_sets(history, window, rule.symptom_sets):
            return None
        nearby = _in_window(history.symptoms, end, rule.window_days, since, companions)
        together = [
            _labels(group).lower()
            for group in _complete_sets(history, nearby, rule.with_symptom_sets)
        ]
        latest = int(history.symptoms.at[window[-1]])
        uses = (
            _depressant_uses_before(history, latest, rule.depressant_days)
            if rule.depressant_days
            else []
        )
        if uses:
            together.append("recent use of " + drug_names(uses, "depressant"))
        if not together:
            return None
        found: list[TimedRecord] = [*_symptoms(history, window), *_symptoms(history, nearby), *uses]
        return {"together": "; ".join(together)}, found

    return Check(flag_id, rule, find, lambda: history.symptoms.at[primary])


def _depressant_withdrawal(history: History, flag_id: str, rule: RedFlagRule) -> Check:
    """Withdrawal-like symptoms soon after regular use with alcohol, benzodiazepines or GHB/GBL."""
    members = frozenset(s for group in rule.symptom_sets for s in group)
    qualifying = _severe_enough(history, members, rule.min_severity)
    depressant = use_flags(history, "withdrawal_risk")

    def find(end: int, since: int) -> Evidence | None:
        window = _in_window(history.symptoms, end, rule.window_days, since, qualifying)
        sets = _complete_sets(history, window, rule.symptom_sets)
        if not sets:
            return None
        names = {s for group in sets for s in group}
        found = [i for i in window if history.symptoms.records[i].symptom in names]
        first = int(history.symptoms.at[found[0]])
        recent = history.uses.indices(first, rule.depressant_days, depressant)
        if not recent:
            return None
        last = int(history.uses.at[recent[-1]])
        before = [
            history.uses.records[i]
            for i in history.uses.indices(last, rule.lookback_days, depressant)
        ]
        days = distinct_days(before, history)
        if days < rule.min_depressant_days:
            return None
        values: dict[str, object] = {
            "symptoms": _labels([s for group in sets for s in group]),
            "drugs": drug_names(before, "withdrawal_risk"),
            "depressant_days": days,
        }
        return values, [*_symptoms(history, found), *before]

    return Check(flag_id, rule, find, lambda: history.symptoms.at[qualifying])


COUNTED: dict[str, Callable[[History, str, RedFlagRule], Check]] = {
    "persistent-urinary-symptoms": _symptom_days(lambda: vocabulary().symptom_group("urinary")),
    "recurrent-abdominal-pain": _symptom_days(lambda: frozenset({"abdominal-pain"})),
    "injection-use": _flagged_uses("injection", "depressant"),
    "depressant-co-use": _flagged_uses("depressant", "depressant"),
    "high-risk-co-use": _flagged_uses("high_risk", "high_risk"),
    "repeated-failed-quits": _failed_quits,
    "puf-high": _administrations("puf", lambda score, rule: score.total >= rule.min_score),
    "phq9-item9": _administrations(
        "phq9", lambda score, _: any(f.id == "item9" for f in score.flags)
    ),
    "dsm5-moderate-or-severe": _administrations(
        "dsm5-pcp", lambda score, rule: score.band in rule.bands
    ),
    "hallucinations-with-danger-signs": _hallucinations_with_danger_signs,
    "depressant-withdrawal": _depressant_withdrawal,
}


def checks(history: History) -> Iterator[Check]:
    """Every flag the rules define, ready to be looked for in this history."""
    for rule_id, rule in rules().red_flags.items():
        if rule.raised_by_symptom:
            yield from _symptom_checks(history, rule)
        else:
            yield COUNTED[rule_id](history, rule_id, rule)


# ---------------------------------------------------------------- standing and follow-up


def _followed_up(history: History) -> dict[str, int]:
    """The latest follow-up time (local microseconds) recorded for each flag."""
    table = history.follow_ups
    return {record.flag: int(at) for record, at in zip(table.records, table.at, strict=True)}


def _local(history: History, record: TimedRecord) -> int:
    return int(wall_clock(utc_microseconds([record.time]), history.zone)[0])


def _days_ago(history: History, newest: int) -> int:
    return int(history.end_day - newest // MICROSECONDS_PER_DAY)


def _raise(
    history: History, check: Check, evidence: Evidence, locale: str, *, standing: bool
) -> RedFlag:
    rule = check.rule
    values, records = evidence
    records = sorted(records, key=lambda r: r.time)
    level_id = rules().red_flag_levels[rule.level].steps_down_to if standing else rule.level
    level = rules().red_flag_levels[level_id]
    wording = Wording(
        rule_id=_rule_id(check),
        standing=standing,
        days_ago=_days_ago(history, _local(history, records[-1])),
        values=values,
        drugs=frozenset(d for r in records if isinstance(r, Use) for d in r.co_use),
    )
    words = flag_words(wording, rules())
    kinds = dict.fromkeys((*rule.contacts, *level.contacts))
    finding = Finding(
        id=check.flag_id,
        label=words.label,
        since=earliest(records),
        evidence=words.message,
        grade=rule.grade,
        sources=rule.sources,
        records=tuple(records),
    )
    return RedFlag(
        finding=finding,
        level=level_id,
        label=words.label,
        message=words.message,
        clinician_message=words.clinician_message,
        action=words.action,
        contacts=helplines().locales[locale].of_kinds(kinds),
        standing=standing,
        note=words.note,
        clearable=standing or rule.level != "emergency",
        last_logged=records[-1].time,
        wording=wording,
    )


def _rule_id(check: Check) -> str:
    """The key of the check's rule in ``[red_flags]`` (a symptom flag's id is the symptom's)."""
    if check.flag_id in rules().red_flags:
        return check.flag_id
    return next(key for key, rule in rules().red_flags.items() if rule is check.rule)


def _evaluate(history: History, check: Check, followed: int, locale: str) -> RedFlag | None:
    """The flag now in its window; else the newest raising since the last follow-up."""
    emergency = check.rule.level == "emergency"
    active = check.find(history.end, _NEVER if emergency else followed)
    if active is not None:
        return _raise(history, check, active, locale, standing=False)
    times = check.candidates()
    times = times[(times > followed) & (times <= history.end)]
    for moment in reversed(times.tolist()):
        found = check.find(int(moment), followed)
        if found is not None:
            return _raise(history, check, found, locale, standing=True)
    return None


def raise_flags(history: History, locale: str) -> list[RedFlag]:
    """Every red flag at ``as_of``, emergencies first, new before standing."""
    followed = _followed_up(history)
    flags = [
        flag
        for check in checks(history)
        if (flag := _evaluate(history, check, followed.get(check.flag_id, _NEVER), locale))
    ]
    return sorted(flags, key=lambda f: (LEVEL_ORDER.index(f.level), f.standing))
