"""A clinician's roster: the people who consent to share with them, most in need of care first.

Order: as ``[roster.order]`` in ``knowledge/rules.toml`` lists it, with its
rationale and sources (a clinic may review it): the unassessed first, then
red-flag level (emergency, urgent, soon, none), then stage (most advanced
first), then the longest silence (time since the person's own last entry;
nothing logged at all counts as the longest).

Assessing a year of records takes tens of milliseconds, so a roster of a
thousand people cannot assess everyone on every request. Each person's
summary (flags, stage, last entry, recent positive screens) is cached in
``roster_summaries``, keyed on the person's ``records_version`` and their
local date (in their profile's zone, ``core.records.profile_zone``);
database triggers delete it whenever that person's records change (migration
0003), and it is recomputed once a day regardless, because the rules'
windows move with time. While the web app runs, a background refresher
(``services.roster_refresh``) keeps them current: it recomputes a person
after each write commits and, each minute, everyone whose local date has
changed, so a request never pays for it. The roster then reads summaries
only; it assesses, synchronously, only a person with no usable summary at all
(none stored, an older summary format, or an older records version). Without
a refresher (a command, a test) a summary from another day is recomputed by
the request, as before. What is inexact, and why that is acceptable: with a
refresher, a summary from yesterday's local date may be shown for up to a
minute after the person's midnight, and a flag whose window closed today may
stay until the recomputation (it errs towards showing a flag, never hiding
one). A summary is stored only while the records version it was computed
from is still the person's, with the person's row locked, so none outlives
a write. The patient page always assesses the full history afresh.

A warm view decodes nothing: the links, versions and summaries come in one
query with each summary as its stored text, and the row parsed from a text is
kept in the process while that text stays the person's (``_ParsedSummaries``;
any change anywhere is a different text, so it is never stale).

Reading the roster is audited as one row for the view (``read-roster``, the
number of patients) and one row per patient shown (``read-roster-entry``,
with the person's id, in patient-id order so the log does not keep the risk
ranking), so each person's "Who read your data" says that a clinician saw
their flags and stage. They are written with :func:`~ketpath.services.audit.append_many`
(one lock, one multi-row insert) in the same short transaction that checks
the links; what is inexact: the log grows by a row per patient per view.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from ketpath.core.assess import assess
from ketpath.core.assess.redflags import LEVEL_ORDER
from ketpath.core.records import DrugScreen, Note, Record, person_zone, record_time
from ketpath.knowledge import rules
from ketpath.present.i18n import current_language
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, Event, append_many
from ketpath.services.consent import NotAllowed, label_for
from ketpath.services.roster_hook import (
    background_refresh,
    pause_for_roster_readers,
    reading_roster,
)
from ketpath.store import Database, UnitOfWork
from ketpath.store.roster import RosterEntry, SummaryRow

SUMMARY_VERSION = 4
# 2: red flags stand until followed up; 3: worded for the clinician;
# 4: keyed on the records version and the person's local date (zone kept)
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
        return roster_order(now)(self)

    def days_silent(self, now: datetime) -> int | None:
        return (now - self.last_entry).days if self.last_entry else None

    @cached_property
    def last_entry_date(self) -> str | None:
        """The (UTC) date of the last entry, ISO, as the roster page shows it; worked out once."""
        return self.last_entry.date().isoformat() if self.last_entry else None

    @cached_property
    def dated_flags(self) -> tuple[tuple[dict[str, Any], datetime], ...]:
        """Each flag with the time of its latest evidence (a flag without one is left out).

        Parsed once per row: a row is kept while its summary stands
        (``_ParsedSummaries``), and every view asks which flags are new.
        """
        return tuple((flag, latest) for flag in self.flags if (latest := _time(flag.get("latest"))))

    @cached_property
    def flag_alerts(self) -> tuple[tuple[datetime, Attention], ...]:
        """Each dated flag's "Needs attention" line, with the time of its latest evidence.

        Built once per kept row, as :attr:`dated_flags` is: which of them a
        view lists depends only on how recent that time is.
        """
        return tuple(
            (
                latest,
                Attention(
                    patient_id=self.patient_id,
                    label=self.label,
                    kind="new-red-flag",
                    text=str(flag["message"]),
                    level=str(flag["level"]),
                ),
            )
            for flag, latest in self.dated_flags
        )

    @cached_property
    def newest_flag(self) -> datetime | None:
        """The latest evidence of any dated flag (a view skips a row whose newest is not new)."""
        return max((latest for latest, _ in self.flag_alerts), default=None)

    @cached_property
    def _alerts(self) -> dict[tuple[str, int | None], Attention]:
        """This row's positive-screen and missed-check-in lines by what they say (see :meth:`alert`)."""
        return {}

    def alert(self, kind: str, count: int | None, text: str) -> Attention:
        """The ``kind`` line saying ``text`` (worded from ``count``), made once per kept row.

        A warm roster lists the same lines view after view; a line for the
        same kind and count says the same text (the settings it is worded
        from are data, loaded once).
        """
        key = (kind, count)
        found = self._alerts.get(key)
        if found is None or found.text != text:
            found = self._alerts[key] = Attention(
                patient_id=self.patient_id, label=self.label, kind=kind, text=text
            )
        return found

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


def _ranks(order: Sequence[str]) -> dict[str, int]:
    """Where each item stands in ``order`` (its first place); anything not listed goes after."""
    ranks: dict[str, int] = {}
    for place, item in enumerate(order):
        ranks.setdefault(item, place)
    return ranks


_ORDER_KEYS = ("level", "stage", "silence")


def roster_order(now: datetime) -> Callable[[RosterRow], tuple[float, ...]]:
    """The roster's sort key at ``now``, by the keys of ``[roster.order]`` (rules.toml).

    The order's ranks are looked up once per view, not once per row (a
    thousand rows each building the ranks was a sixteenth of a warm view).
    """
    order = rules().roster.order
    levels, stages = _ranks(order.levels), _ranks(order.stages)
    unlisted_level, unlisted_stage = len(order.levels), len(order.stages)
    places = tuple(_ORDER_KEYS.index(key) for key in order.by)
    in_order = places == tuple(range(len(_ORDER_KEYS)))  # rules.toml's order: parts as they are

    def key(row: RosterRow) -> tuple[float, ...]:
        # Someone who could not be assessed may hide a red flag: the order places them.
        level = (row.level or "none") if row.assessed else NOT_ASSESSED
        entry = row.last_entry
        parts = (
            levels.get(level, unlisted_level),
            stages.get(row.stage, unlisted_stage),
            # Minus the silence; nothing logged at all is the longest silence.
            -(now - entry).total_seconds() if entry else -math.inf,
        )
        return parts if in_order else tuple([parts[place] for place in places])

    return key


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
        "zone": _zone_name(person_zone(records)),
    }


def _zone_name(zone: tzinfo) -> str:
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


def local_day(moment: datetime, zone_name: object) -> str:
    """The date at ``moment`` in the named zone (UTC when it names none we know)."""
    try:
        zone: tzinfo = ZoneInfo(zone_name) if isinstance(zone_name, str) else UTC
    except (ValueError, LookupError):  # ZoneInfoNotFoundError is a KeyError
        zone = UTC
    return moment.astimezone(zone).date().isoformat()


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
        "zone": "UTC",
    }


def _summarise_one(
    uow: UnitOfWork, person_id: int, moment: datetime, records_version: int
) -> tuple[dict[str, Any], SummaryRow | None]:
    """One person's summary, and the row to store (None when the assessment failed).

    A failure stays with that person: they are shown as not assessed and
    tried again next time.
    """
    try:
        entries = uow.records.for_person(person_id)
        data = summarise_person([entry.record for entry in entries], moment)
    except Exception as error:  # one unreadable history must not take the whole roster down
        log.error("roster: person %s could not be assessed (%s)", person_id, type(error).__name__)
        return _not_assessed(0), None
    data["records_version"] = records_version
    day = local_day(moment, data["zone"])
    return data, SummaryRow(person_id=person_id, computed_for=day, data=data)


def _current_format(summary: SummaryRow) -> bool:
    return isinstance(summary.data, dict) and summary.data.get("version") == SUMMARY_VERSION


def _usable(summary: SummaryRow | None, records_version: int | None) -> bool:
    """A summary the roster may show: this format, computed from the person's records now."""
    return (
        summary is not None
        and _current_format(summary)
        and summary.data.get("records_version") == records_version
    )


def _today(summary: SummaryRow, moment: datetime) -> bool:
    return summary.computed_for == local_day(moment, summary.data.get("zone"))


def clinician_roster(db: Database, *, clinician: User, now: datetime | None = None) -> Roster:
    """The clinician's patients in roster order, and what needs attention (audited).

    Summaries are read, not computed: the background refresher keeps them
    current. Only a person with no usable summary at all is assessed here,
    synchronously (a write from another process, a person just linked, the
    first roster after an upgrade); with no refresher running, a summary from
    another local date is recomputed here too. That happens in a reading
    transaction, so a cold roster holds no write lock while it assesses; the
    short writing transaction then stores them (only if still current),
    checks the links again and appends the audit rows (the view, and each
    patient shown), and only people whose consent still stands at that
    moment are shown.
    """
    if clinician.role != "clinician":
        raise NotAllowed
    with reading_roster():  # the background refresher waits meanwhile
        return _clinician_roster(db, clinician=clinician, moment=now or datetime.now(UTC))


def _clinician_roster(db: Database, *, clinician: User, moment: datetime) -> Roster:
    background = background_refresh(db)
    shown: dict[int, RosterRow] = {}
    computed: list[SummaryRow] = []
    yesterday: list[int] = []
    days: dict[object, str] = {}  # each zone's date now, worked out once per view
    language = current_language()  # the labels' (a link without one is "Patient <id>")
    with db.unit_of_work() as uow:
        entries = uow.roster.entries(clinician.id)
        for entry in entries:
            found = _PARSED.get(entry, language)
            # A kept summary is of this format; usable if of the person's records now.
            if found is not None and found[0].data.get("records_version") == entry.records_version:
                summary, row = found
                zone = summary.data.get("zone")
                day = days.get(zone)
                if day is None:
                    day = days[zone] = local_day(moment, zone)
                if summary.computed_for == day:
                    shown[entry.person_id] = row
                    continue
                if background is not None:  # shown now; refreshed off the request
                    shown[entry.person_id] = row
                    yesterday.append(entry.person_id)
                    continue
            data, stored = _summarise_one(uow, entry.person_id, moment, entry.records_version)
            shown[entry.person_id] = _row(
                entry.person_id, label_for(entry.person_id, entry.label), data
            )
            if stored is not None:  # a failed assessment is tried again next time
                computed.append(stored)
    if background is not None and yesterday:
        background(yesterday)
    with db.unit_of_work(write=True) as uow:
        # Records written since we read them: show this once, store nothing stale.
        uow.roster.save_current(computed)
        standing = uow.care_links.active_person_ids(clinician.id)
        rows = [shown[entry.person_id] for entry in entries if entry.person_id in standing]
        events = [
            Event(action="read-roster", detail={"patients": len(rows)}),
            *map(_ENTRY_EVENTS.of, sorted(row.patient_id for row in rows)),
        ]
        append_many(uow, events, actor=Actor.of(clinician), now=moment)
        uow.commit()
    rows.sort(key=roster_order(moment))
    return Roster(now=moment, rows=rows, attention=needs_attention(rows, moment))


class _ParsedSummaries:
    """Stored summaries already parsed, with their roster rows, by person (this process).

    A warm roster of a thousand people read and decoded a thousand JSON
    documents and built a thousand rows on every view, about a fifth of the
    page. The store hands each summary over as its text; a person whose text
    and label are the ones parsed last time gets the same (frozen) row back.
    The text is the whole summary, so a summary recomputed, replaced or
    deleted in any process reads as a different text (or none) and is parsed
    afresh: nothing here can be stale. Holds one entry per person seen, and
    forgets everything past ``limit`` people (a restart does the same).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._by_person: dict[int, _Kept] = {}

    def get(self, entry: RosterEntry, language: str) -> tuple[SummaryRow, RosterRow] | None:
        """The entry's summary and row, or None when it has no summary or it cannot be read.

        ``language`` is the current one, in which a link without a label is
        named (``consent.label_for``): the row kept is labelled for the link's
        label and the language it was made for, and worked out afresh for another.
        """
        text, computed_for = entry.summary_text, entry.computed_for
        if text is None or computed_for is None:
            return None
        known = self._by_person.get(entry.person_id)
        if known is None or known.text != text or known.computed_for != computed_for:
            try:
                data = json.loads(text)
                summary = SummaryRow(
                    person_id=entry.person_id, computed_for=computed_for, data=data
                )
                if not _current_format(summary):
                    return None
                row = _row(entry.person_id, label_for(entry.person_id, entry.label), data)
            except (ValueError, KeyError, TypeError):  # unreadable: assessed again, as if missing
                return None
            if len(self._by_person) >= self._limit:
                self._by_person.clear()
            known = self._by_person[entry.person_id] = _Kept(
                text, computed_for, summary, row, entry.label, language
            )
        if known.link_label == entry.label and known.language == language:
            return known.summary, known.row
        # Two clinicians may name one person differently: one parse, each their label.
        label = label_for(entry.person_id, entry.label)
        row = known.row
        return known.summary, row if row.label == label else replace(row, label=label)


class _Kept(NamedTuple):
    """A parsed summary as :class:`_ParsedSummaries` keeps it, with what its row's label came from."""

    text: str
    computed_for: str
    summary: SummaryRow
    row: RosterRow
    link_label: str | None
    language: str


class _EntryEvents:
    """The audit event "this person was seen on a roster", one per person (this process).

    A view appends one per patient shown; an event is frozen, so the same one
    serves every view instead of a thousand made per view. Forgets everything
    past ``limit`` people.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._by_person: dict[int, Event] = {}

    def of(self, person_id: int) -> Event:
        found = self._by_person.get(person_id)
        if found is None:
            if len(self._by_person) >= self._limit:
                self._by_person.clear()
            found = self._by_person[person_id] = Event(
                action="read-roster-entry", person_id=person_id
            )
        return found


_ENTRY_EVENTS = _EntryEvents()


_PARSED = _ParsedSummaries()


def refresh_summaries(db: Database, person_ids: Collection[int], *, now: datetime) -> int:
    """Recompute and store these people's summaries; how many stored rows changed.

    People whose stored summary is already current are skipped without
    being assessed. The rest are assessed in a reading transaction and stored
    in one short writing transaction with :meth:`~ketpath.store.roster.RosterRepository.save_current`
    (idempotent, and never storing a summary older than the person's
    records), so running it twice, or in two processes, is safe.
    """
    if not person_ids:
        return 0
    computed: list[SummaryRow] = []
    with db.unit_of_work() as uow:
        # Only people a clinician has on a roster need one: a summary of anyone
        # else is work (an assessment per write) that no page ever reads.
        versions = uow.roster.records_versions(uow.roster.on_a_roster(person_ids))
        stored = uow.roster.summaries(versions)
        for person_id in sorted(versions):
            found = stored.get(person_id)
            if _usable(found, versions[person_id]) and found and _today(found, now):
                continue  # already current (another refresher, or a sweep, got there first)
            pause_for_roster_readers()
            _, row = _summarise_one(uow, person_id, now, versions[person_id])
            if row is not None:
                computed.append(row)
    if not computed:
        # Nobody on a roster, or all current: no writing transaction, which on
        # SQLite would take the write lock between the API's group commits.
        return 0
    with db.unit_of_work(write=True) as uow:
        changed = uow.roster.save_current(computed)
        uow.commit()
    return changed


def stale_people(db: Database, *, now: datetime) -> list[int]:
    """Who the rollover sweep recomputes: a summary not of today's local date, format or records.

    Also anyone on a roster with no summary at all (a write from another
    process, or one without the post-commit hook, deleted it by trigger).
    """
    with db.unit_of_work() as uow:
        stored = uow.roster.all_summaries()
        missing = uow.roster.linked_without_summary()
    stale = {
        summary.person_id
        for summary, version in stored
        if not (_usable(summary, version) and _today(summary, now))
    }
    return sorted(stale.union(missing))


def needs_attention(rows: Sequence[RosterRow], now: datetime) -> list[Attention]:
    """New red flags, then positive screens, then missed check-ins, in roster order within each."""
    flags: list[Attention] = []
    screens: list[Attention] = []
    missed: list[Attention] = []
    settings = rules().roster
    # A flag is new while now - latest <= new_flag_days, that is while latest >= since.
    since = now - timedelta(days=settings.new_flag_days)
    screen_texts: dict[int, str] = {}  # by count: a thousand rows share a few
    for row in rows:
        newest = row.newest_flag
        if newest is not None and newest >= since:
            flags.extend(alert for latest, alert in row.flag_alerts if latest >= since)
        if row.positive_screens:
            count = len(row.positive_screens)
            text = screen_texts.get(count)
            if text is None:
                text = screen_texts[count] = (
                    f"{count} positive drug screen{'s' if count > 1 else ''} "
                    f"in the last {settings.positive_screen_days} days"
                )
            screens.append(row.alert("positive-screen", count, text))
        silent = row.days_silent(now)
        if silent is None or silent >= settings.missed_check_in_days:
            text = "nothing logged yet" if silent is None else f"nothing logged for {silent} days"
            missed.append(row.alert("missed-check-in", silent, text))
    return [*flags, *screens, *missed]
