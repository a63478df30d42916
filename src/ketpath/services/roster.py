"""A clinician's roster: the people who consent to share with them, most in need of care first.

Order: as ``[roster.order]`` in ``knowledge/rules.toml`` lists it, with its
rationale and sources (a clinic may review it): the unassessed first, then
red-flag level (emergency, urgent, soon, none), then stage (most advanced
first), then the longest silence (time since the person's own last entry;
nothing logged at all counts as the longest).

Assessing a year of records takes tens of milliseconds, so a roster of a
thousand people cannot assess everyone on every request. Each person's
summary (flags, stage, last entry, recent positive screens) is cached in
``roster_summaries``; database triggers delete it whenever that person's
records change (migration 0003), and it is recomputed once a day regardless,
because the rules' windows move with time. What is inexact, and why that is
acceptable: a flag whose window closed today may stay on the roster until the
next day's recomputation (it errs towards showing a flag, never hiding one),
and on PostgreSQL a record committed in the instant between the roster's
check of a person's record count and its own commit may leave that person's
summary stale until their next change or the next day (SQLite's write lock
rules this out). The patient page
always assesses the full history afresh.

Reading the roster is audited as one row for the view (``read-roster``, the
number of patients) and one row per patient shown (``read-roster-entry``,
with the person's id, in patient-id order so the log does not keep the risk
ranking), so each person's "Who read your data" says that a clinician saw
their flags and stage. They are written with :func:`~ketpath.services.audit.append_many`
(one lock, one multi-row insert) in the same short transaction that checks
the links; what is inexact: the log grows by a row per patient per view.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ketpath.core.assess import assess
from ketpath.core.assess.redflags import LEVEL_ORDER
from ketpath.core.records import DrugScreen, Note, Record, record_time
from ketpath.knowledge import rules
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, Event, append_many
from ketpath.services.consent import NotAllowed, patient_label
from ketpath.store import Database, UnitOfWork
from ketpath.store.roster import SummaryRow

SUMMARY_VERSION = 3  # 2: red flags stand until followed up; 3: worded for the clinician
#: The stage shown for someone whose history could not be assessed.
NOT_ASSESSED = "not-assessed"
log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class RosterRow:
    patient_id: int
    label: str
    level: str | None
    flags: list[dict[str, Any]]
    stage: str
    last_entry: datetime | None
    last_use: datetime | None
    positive_screens: list[datetime]
    records: int
    assessed: bool = True

    def sort_key(self, now: datetime) -> tuple[float, ...]:
        """This row's place on the roster, by the keys of ``[roster.order]`` (rules.toml)."""
        order = rules().roster.order
        # Someone who could not be assessed may hide a red flag: the order places them.
        level = (self.level or "none") if self.assessed else NOT_ASSESSED
        silence = (now - self.last_entry).total_seconds() if self.last_entry else float("inf")
        ranks = {
            "level": _rank(order.levels, level),
            "stage": _rank(order.stages, self.stage),
            "silence": -silence,
        }
        return tuple(ranks[key] for key in order.by)

    def days_silent(self, now: datetime) -> int | None:
        return (now - self.last_entry).days if self.last_entry else None

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "label": self.label,
            "red_flag_level": self.level,
            "red_flags": [flag["id"] for flag in self.flags],
            "stage": self.stage,
            "assessed": self.assessed,
            "last_entry": self.last_entry.isoformat() if self.last_entry else None,
            "days_since_last_entry": self.days_silent(now),
        }


def _rank(order: Sequence[str], item: str) -> int:
    """Where ``item`` stands in ``order``; anything not listed after everything listed."""
    return order.index(item) if item in order else len(order)


@dataclass(frozen=True, kw_only=True)
class Attention:
    patient_id: int
    label: str
    kind: str
    """``new-red-flag``, ``missed-check-in`` or ``positive-screen``."""
    text: str
    level: str | None = None


@dataclass(frozen=True, kw_only=True)
class Roster:
    now: datetime
    rows: list[RosterRow]
    attention: list[Attention]


def _own_entry(record: Record) -> bool:
    """Records the person made (a clinician's screens and notes are not check-ins)."""
    if isinstance(record, DrugScreen):
        return False
    return not (isinstance(record, Note) and record.author_role == "clinician")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def summarise_person(records: Sequence[Record], now: datetime) -> dict[str, Any]:
    """What the roster keeps of one person's assessment (plain JSON)."""
    assessment = assess(records, now)
    flags = []
    for flag in assessment.red_flags:
        times = [t for r in flag.finding.records if (t := record_time(r)) is not None]
        flags.append(
            {
                "id": flag.finding.id,
                "level": flag.level,
                "message": flag.clinician_message,
                "latest": _iso(max(times)) if times else None,
            }
        )
    levels = [flag["level"] for flag in flags]
    own_times = [t for r in records if _own_entry(r) and (t := record_time(r)) is not None]
    screens = [
        r.time
        for r in records
        if isinstance(r, DrugScreen)
        and r.result == "positive"
        and timedelta(0) <= now - r.time <= timedelta(days=rules().roster.positive_screen_days)
    ]
    return {
        "version": SUMMARY_VERSION,
        "level": next((level for level in LEVEL_ORDER if level in levels), None),
        "flags": flags,
        "stage": assessment.stage,
        "last_entry": _iso(max((t for t in own_times if t <= now), default=None)),
        "last_use": _iso(assessment.last_use),
        "positive_screens": [_iso(t) for t in sorted(screens)],
        "records": len(records),
    }


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _row(patient_id: int, label: str, data: dict[str, Any]) -> RosterRow:
    return RosterRow(
        patient_id=patient_id,
        label=label,
        level=data["level"],
        flags=list(data["flags"]),
        stage=data["stage"],
        last_entry=_time(data["last_entry"]),
        last_use=_time(data["last_use"]),
        positive_screens=[t for value in data["positive_screens"] if (t := _time(value))],
        records=int(data["records"]),
        assessed=data["stage"] != NOT_ASSESSED,
    )


def _not_assessed(records: int) -> dict[str, Any]:
    """The roster's row for a history that could not be assessed: shown, never hiding others."""
    return {
        "version": SUMMARY_VERSION,
        "level": None,
        "flags": [],
        "stage": NOT_ASSESSED,
        "last_entry": None,
        "last_use": None,
        "positive_screens": [],
        "records": records,
    }


Marks = tuple[int, int | None]


def _summarise_one(
    uow: UnitOfWork, person_id: int, moment: datetime
) -> tuple[dict[str, Any], Marks | None]:
    """One person's summary and their records' marks; a failure stays with that person."""
    try:
        entries = uow.records.for_person(person_id)
        marks = (len(entries), max((entry.id for entry in entries), default=None))
        return summarise_person([entry.record for entry in entries], moment), marks
    except Exception as error:  # one unreadable history must not take the whole roster down
        log.error("roster: person %s could not be assessed (%s)", person_id, type(error).__name__)
        return _not_assessed(0), None


def clinician_roster(db: Database, *, clinician: User, now: datetime | None = None) -> Roster:
    """The clinician's patients in roster order, and what needs attention (audited).

    Stale summaries are computed in a reading transaction, so a cold roster
    (the first of the day) holds no write lock while it assesses; the short
    writing transaction then stores them, checks the links again and appends
    the audit rows (the view, and each patient shown), and only people whose
    consent still stands at that moment are shown.
    """
    if clinician.role != "clinician":
        raise NotAllowed
    moment = now or datetime.now(UTC)
    today = moment.astimezone(UTC).date().isoformat()
    summaries: dict[int, dict[str, Any]] = {}
    computed: list[tuple[SummaryRow, Marks]] = []
    with db.unit_of_work() as uow:
        links = uow.care_links.active_for_clinician(clinician.id)
        cached = uow.roster.summaries(link.person_id for link in links)
        for link in links:
            found = cached.get(link.person_id)
            if found is not None and _fresh(found, today):
                summaries[link.person_id] = found.data
                continue
            data, marks = _summarise_one(uow, link.person_id, moment)
            summaries[link.person_id] = data
            if marks is not None:  # a failed assessment is tried again next time
                summary = SummaryRow(person_id=link.person_id, computed_for=today, data=data)
                computed.append((summary, marks))
    with db.unit_of_work(write=True) as uow:
        now_marks = uow.roster.record_marks(summary.person_id for summary, _ in computed)
        for summary, marks in computed:
            # Records written since we read them: show this once, store nothing stale.
            if now_marks[summary.person_id] == marks:
                uow.roster.save_summary(summary)
        standing = uow.care_links.active_person_ids(clinician.id)
        rows = [
            _row(link.person_id, patient_label(link), summaries[link.person_id])
            for link in links
            if link.person_id in standing
        ]
        shown = sorted(row.patient_id for row in rows)
        events = [
            Event(action="read-roster", detail={"patients": len(rows)}),
            *(Event(action="read-roster-entry", person_id=person_id) for person_id in shown),
        ]
        append_many(uow, events, actor=Actor.of(clinician), now=moment)
        uow.commit()
    rows.sort(key=lambda row: row.sort_key(moment))
    return Roster(now=moment, rows=rows, attention=needs_attention(rows, moment))


def _fresh(summary: SummaryRow, today: str) -> bool:
    return summary.computed_for == today and summary.data.get("version") == SUMMARY_VERSION


def needs_attention(rows: Sequence[RosterRow], now: datetime) -> list[Attention]:
    """New red flags, then positive screens, then missed check-ins, in roster order within each."""
    flags: list[Attention] = []
    screens: list[Attention] = []
    missed: list[Attention] = []
    recent = timedelta(days=rules().roster.new_flag_days)
    for row in rows:
        for flag in row.flags:
            latest = _time(flag.get("latest"))
            if latest is not None and now - latest <= recent:
                flags.append(
                    Attention(
                        patient_id=row.patient_id,
                        label=row.label,
                        kind="new-red-flag",
                        text=str(flag["message"]),
                        level=str(flag["level"]),
                    )
                )
        if row.positive_screens:
            count = len(row.positive_screens)
            screens.append(
                Attention(
                    patient_id=row.patient_id,
                    label=row.label,
                    kind="positive-screen",
                    text=f"{count} positive drug screen{'s' if count > 1 else ''} "
                    f"in the last {rules().roster.positive_screen_days} days",
                )
            )
        silent = row.days_silent(now)
        if silent is None or silent >= rules().roster.missed_check_in_days:
            text = "nothing logged yet" if silent is None else f"nothing logged for {silent} days"
            missed.append(
                Attention(
                    patient_id=row.patient_id, label=row.label, kind="missed-check-in", text=text
                )
            )
    return [*flags, *screens, *missed]
