"""A clinician's roster: each person's cached summary, and what tells whether it is stale.

A summary is kept per person with the person's local date it was computed
for (``computed_for``); its data names the ``records_version`` it was
computed from. :meth:`RosterRepository.save_current` stores summaries only
while that version is still the person's (so nothing stale is kept), keyed on
person, records version and local date (storing the same key twice changes
nothing). Nothing here commits. An open unit of work carries it as
``uow.roster``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Text, cast, func, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from ketpath.store.tables import care_links, people, roster_summaries


@dataclass(frozen=True, kw_only=True)
class SummaryRow:
    person_id: int
    computed_for: str
    data: dict[str, Any]

    @property
    def key(self) -> tuple[object, object, str]:
        """What makes two summaries the same: summary version, records version, local date."""
        return (self.data.get("version"), self.data.get("records_version"), self.computed_for)


class RosterEntry(NamedTuple):
    """One person on a clinician's roster: the standing link's label and the stored summary.

    The summary comes as its JSON text, unparsed: the roster parses a text it
    has not seen before and reuses what it parsed for one it has (the same
    text is the same summary), so a warm roster decodes nothing. A tuple, not
    a frozen dataclass, whose ``__init__`` sets each field through
    ``object.__setattr__`` (a thousand entries per view).
    """

    person_id: int
    label: str | None
    records_version: int
    computed_for: str | None
    summary_text: str | None


class RosterRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def entries(self, clinician_id: int) -> list[RosterEntry]:
        """The clinician's roster in one query: each standing link (the oldest per person).

        With the person's ``records_version`` and the stored summary (None when
        there is none), in person id order: what ``care_links.active_for_clinician``,
        :meth:`records_versions` and :meth:`summaries` give between them.
        """
        first = (
            select(func.min(care_links.c.id))
            .where(care_links.c.clinician_id == clinician_id, care_links.c.revoked_at.is_(None))
            .group_by(care_links.c.person_id)
        )
        # SQLite keeps JSON as text (read as it is); PostgreSQL's jsonb is cast to its text.
        dialect = self._connection.dialect.name
        text = (
            type_coerce(roster_summaries.c.data, Text)
            if dialect == "sqlite"
            else cast(roster_summaries.c.data, Text)
        )
        query = (
            select(
                care_links.c.person_id,
                care_links.c.label,
                people.c.records_version,
                roster_summaries.c.computed_for,
                text.label("summary_text"),
            )
            .join(people, people.c.id == care_links.c.person_id)
            .outerjoin(roster_summaries, roster_summaries.c.person_id == care_links.c.person_id)
            .where(care_links.c.id.in_(first))
            .order_by(care_links.c.person_id)
        )
        # Unpacked as tuples: a thousand rows' attribute look-ups were a tenth of a warm view;
        # fetched at once (``all``): row by row, psycopg's fetchone was another twentieth.
        return [
            RosterEntry(person_id, label, int(records_version), computed_for, summary_text)
            for person_id, label, records_version, computed_for, summary_text in (
                self._connection.execute(query).all()
            )
        ]

    def summaries(self, person_ids: Iterable[int]) -> dict[int, SummaryRow]:
        ids = list(person_ids)
        if not ids:
            return {}
        query = select(roster_summaries).where(roster_summaries.c.person_id.in_(ids))
        return {
            row.person_id: SummaryRow(
                person_id=row.person_id,
                computed_for=row.computed_for,
                data=dict(row.data),
            )
            for row in self._connection.execute(query)
        }

    def records_versions(self, person_ids: Iterable[int], *, lock: bool = False) -> dict[int, int]:
        """Each existing person's ``records_version`` (``lock``: held until commit, in id order).

        Locking the people rows makes a write for one of them (which bumps the
        version first) wait until this transaction has stored its summaries,
        so the trigger of migration 0003 then deletes them: on PostgreSQL a
        summary can never outlive the version it was computed from.
        """
        ids = sorted(set(person_ids))
        if not ids:
            return {}
        query = (
            select(people.c.id, people.c.records_version)
            .where(people.c.id.in_(ids))
            .order_by(people.c.id)
        )
        if lock:
            query = query.with_for_update()
        return {row.id: int(row.records_version) for row in self._connection.execute(query)}

    def save_current(self, computed: Iterable[SummaryRow]) -> int:
        """Store the summaries still current; how many rows changed.

        A summary computed from a ``records_version`` that is no longer the
        person's is not stored (a newer write is on its way to being
        summarised); one whose key is already stored changes nothing, so two
        refreshers computing the same person store one row between them.
        """
        wanted = {summary.person_id: summary for summary in computed}
        versions = self.records_versions(wanted, lock=True)
        current = [
            summary
            for summary in wanted.values()
            if summary.data.get("records_version") == versions.get(summary.person_id)
        ]
        stored = self.summaries(summary.person_id for summary in current)
        changed = 0
        for summary in current:
            found = stored.get(summary.person_id)
            if found is not None and found.key == summary.key:
                continue
            self.save_summary(summary)
            changed += 1
        return changed

    def all_summaries(self) -> list[tuple[SummaryRow, int]]:
        """Every stored summary with the person's ``records_version`` now (the rollover sweep)."""
        query = select(roster_summaries, people.c.records_version).join(
            people, people.c.id == roster_summaries.c.person_id
        )
        return [
            (
                SummaryRow(
                    person_id=row.person_id, computed_for=row.computed_for, data=dict(row.data)
                ),
                int(row.records_version),
            )
            for row in self._connection.execute(query)
        ]

    def on_a_roster(self, person_ids: Iterable[int]) -> set[int]:
        """Which of these people some clinician has on a roster now (an active care link)."""
        wanted = list(person_ids)
        if not wanted:
            return set()
        query = (
            select(care_links.c.person_id)
            .distinct()
            .where(care_links.c.person_id.in_(wanted), care_links.c.revoked_at.is_(None))
        )
        return set(self._connection.execute(query).scalars())

    def linked_without_summary(self) -> list[int]:
        """People on some clinician's roster who have no summary at all (e.g. a write deleted it)."""
        query = (
            select(care_links.c.person_id)
            .distinct()
            .outerjoin(roster_summaries, roster_summaries.c.person_id == care_links.c.person_id)
            .where(care_links.c.revoked_at.is_(None), roster_summaries.c.person_id.is_(None))
            .order_by(care_links.c.person_id)
        )
        return list(self._connection.execute(query).scalars())

    def save_summary(self, summary: SummaryRow) -> None:
        """Insert or replace; the insert runs in a savepoint in case another request raced us."""
        values = {"computed_for": summary.computed_for, "data": summary.data}
        where = roster_summaries.c.person_id == summary.person_id
        result = self._connection.execute(update(roster_summaries).where(where).values(**values))
        if getattr(result, "rowcount", 0):
            return
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(roster_summaries).values(person_id=summary.person_id, **values)
                )
        except IntegrityError:
            self._connection.execute(update(roster_summaries).where(where).values(**values))

    def person_ids(self, names: Iterable[str]) -> dict[str, int]:
        query = select(people.c.name, people.c.id).where(people.c.name.in_(list(names)))
        return {row.name: row.id for row in self._connection.execute(query)}

    def person_name(self, person_id: int) -> str | None:
        found: str | None = self._connection.execute(
            select(people.c.name).where(people.c.id == person_id)
        ).scalar_one_or_none()
        return found
