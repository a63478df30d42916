"""A clinician's roster: each person's cached summary, and what tells whether it is stale.

A summary is kept per person with the records mark it was computed for
(``computed_for``); :meth:`RosterRepository.record_marks` reads the current
marks in one grouped query. Nothing here commits. An open unit of work
carries it as ``uow.roster``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketpath.store.tables import people, records, roster_summaries


@dataclass(frozen=True, kw_only=True)
class SummaryRow:
    person_id: int
    computed_for: str
    data: dict[str, Any]


class RosterRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record_marks(self, person_ids: Iterable[int]) -> dict[int, tuple[int, int | None]]:
        """Each person's number of records and newest record id (what any write changes)."""
        ids = list(person_ids)
        if not ids:
            return {}
        query = (
            select(records.c.person_id, func.count(), func.max(records.c.id))
            .where(records.c.person_id.in_(ids))
            .group_by(records.c.person_id)
        )
        found = {row[0]: (int(row[1]), row[2]) for row in self._session.execute(query)}
        return {person_id: found.get(person_id, (0, None)) for person_id in ids}

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
            for row in self._session.execute(query)
        }

    def save_summary(self, summary: SummaryRow) -> None:
        """Insert or replace; the insert runs in a savepoint in case another request raced us."""
        values = {"computed_for": summary.computed_for, "data": summary.data}
        where = roster_summaries.c.person_id == summary.person_id
        result = self._session.execute(update(roster_summaries).where(where).values(**values))
        if getattr(result, "rowcount", 0):
            return
        try:
            with self._session.begin_nested():
                self._session.execute(
                    insert(roster_summaries).values(person_id=summary.person_id, **values)
                )
        except IntegrityError:
            self._session.execute(update(roster_summaries).where(where).values(**values))

    def person_ids(self, names: Iterable[str]) -> dict[str, int]:
        query = select(people.c.name, people.c.id).where(people.c.name.in_(list(names)))
        return {row.name: row.id for row in self._session.execute(query)}

    def person_name(self, person_id: int) -> str | None:
        found: str | None = self._session.execute(
            select(people.c.name).where(people.c.id == person_id)
        ).scalar_one_or_none()
        return found
