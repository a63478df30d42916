"""Repositories for consent and its record: shares, care links, the audit log, roster summaries.

As in ``repository``, rows never leave this module (frozen dataclasses come
back) and nothing here commits. Share codes arrive already hashed.

An open unit of work carries them as ``uow.clinic`` (a :class:`ClinicianStore`
on its session), so they share its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketpath.store.tables import (
    audit_head,
    audit_log,
    care_links,
    cm_schedules,
    from_row,
    people,
    records,
    roster_summaries,
    shares,
    users,
)


@dataclass(frozen=True, kw_only=True)
class ShareRow:
    id: int
    person_id: int
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    redeemed_by_email: str | None
    revoked_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class CareLinkRow:
    id: int
    person_id: int
    clinician_id: int
    share_id: int
    label: str | None
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    actor_role: str | None
    action: str
    person_id: int | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, kw_only=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True, kw_only=True)
class SummaryRow:
    person_id: int
    computed_for: str
    data: dict[str, Any]


class ShareRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self, *, person_id: int, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> int:
        statement = (
            insert(shares)
            .values(
                person_id=person_id,
                code_hash=code_hash,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(shares.c.id)
        )
        new_id: int = self._session.execute(statement).scalar_one()
        return new_id

    def _query(self) -> Any:
        return select(shares, users.c.email.label("redeemed_by_email")).outerjoin(
            users, users.c.id == shares.c.redeemed_by
        )

    def for_person(self, person_id: int) -> list[ShareRow]:
        query = self._query().where(shares.c.person_id == person_id).order_by(shares.c.id.desc())
        return [from_row(ShareRow, row) for row in self._session.execute(query)]

    def get(self, share_id: int) -> ShareRow | None:
        row = self._session.execute(self._query().where(shares.c.id == share_id)).first()
        return from_row(ShareRow, row) if row is not None else None

    def by_code_hash(self, code_hash: str) -> ShareRow | None:
        """The share with this code, locked for this transaction where the database can."""
        query = select(shares.c.id).where(shares.c.code_hash == code_hash).with_for_update()
        found = self._session.execute(query).scalar_one_or_none()
        return self.get(found) if found is not None else None

    def mark_redeemed(self, share_id: int, *, by: int, at: datetime) -> None:
        self._session.execute(
            update(shares).where(shares.c.id == share_id).values(redeemed_at=at, redeemed_by=by)
        )

    def revoke(self, share_id: int, *, at: datetime) -> None:
        self._session.execute(
            update(shares)
            .where(shares.c.id == share_id, shares.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class CareLinkRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self,
        *,
        person_id: int,
        clinician_id: int,
        share_id: int,
        label: str | None,
        created_at: datetime,
    ) -> int:
        statement = (
            insert(care_links)
            .values(
                person_id=person_id,
                clinician_id=clinician_id,
                share_id=share_id,
                label=label,
                created_at=created_at,
            )
            .returning(care_links.c.id)
        )
        new_id: int = self._session.execute(statement).scalar_one()
        return new_id

    def active(self, *, clinician_id: int, person_id: int) -> CareLinkRow | None:
        """The clinician's oldest standing link to the person, or None (no consent)."""
        query = (
            select(care_links)
            .where(
                care_links.c.clinician_id == clinician_id,
                care_links.c.person_id == person_id,
                care_links.c.revoked_at.is_(None),
            )
            .order_by(care_links.c.id)
            .limit(1)
        )
        row = self._session.execute(query).first()
        return from_row(CareLinkRow, row) if row is not None else None

    def active_for_clinician(self, clinician_id: int) -> list[CareLinkRow]:
        """One standing link per person (the oldest), in person id order."""
        first = (
            select(func.min(care_links.c.id))
            .where(care_links.c.clinician_id == clinician_id, care_links.c.revoked_at.is_(None))
            .group_by(care_links.c.person_id)
        )
        query = (
            select(care_links).where(care_links.c.id.in_(first)).order_by(care_links.c.person_id)
        )
        return [from_row(CareLinkRow, row) for row in self._session.execute(query)]

    def active_person_ids(self, clinician_id: int) -> set[int]:
        """The people whose consent to this clinician stands (ids only: cheap for a big roster)."""
        query = select(care_links.c.person_id).where(
            care_links.c.clinician_id == clinician_id, care_links.c.revoked_at.is_(None)
        )
        return set(self._session.execute(query).scalars())

    def for_share(self, share_id: int) -> list[CareLinkRow]:
        query = select(care_links).where(
            care_links.c.share_id == share_id, care_links.c.revoked_at.is_(None)
        )
        return [from_row(CareLinkRow, row) for row in self._session.execute(query)]

    def revoke_for_share(self, share_id: int, *, at: datetime) -> None:
        self._session.execute(
            update(care_links)
            .where(care_links.c.share_id == share_id, care_links.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class AuditRepository:
    """The chain's rows and its head; appends must hold the head (see :meth:`lock_head`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_head(self) -> ChainHead:
        """The chain head, locked until this transaction ends.

        PostgreSQL: ``SELECT … FOR UPDATE`` on the single head row makes every
        other appender wait for this transaction. SQLite ignores ``FOR UPDATE``;
        there the unit of work must be a writing one (``BEGIN IMMEDIATE``), whose
        database-wide write lock serialises appends just the same.
        """
        row = self._session.execute(
            select(audit_head).where(audit_head.c.id == 1).with_for_update()
        ).one()
        return ChainHead(seq=row.seq, hash=row.hash)

    def append(self, row: dict[str, Any]) -> None:
        self.append_many([row])

    def append_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert chained rows (in ``seq`` order) in one statement; the head moves to the last."""
        if not rows:
            return
        # A list of parameter sets: one executemany / multi-row INSERT, not a round trip per row.
        self._session.execute(insert(audit_log), list(rows))
        last = rows[-1]
        self._session.execute(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(seq=last["seq"], hash=last["hash"])
        )

    def head(self) -> ChainHead:
        row = self._session.execute(select(audit_head).where(audit_head.c.id == 1)).one()
        return ChainHead(seq=row.seq, hash=row.hash)

    def rows(
        self,
        *,
        person_id: int | None = None,
        actions: Sequence[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[AuditRow]:
        query = select(audit_log).where(audit_log.c.seq > after_seq)
        if person_id is not None:
            query = query.where(audit_log.c.person_id == person_id)
        if actions is not None:
            query = query.where(audit_log.c.action.in_(list(actions)))
        order = audit_log.c.seq.desc() if newest_first else audit_log.c.seq
        query = query.order_by(order)
        if limit is not None:
            query = query.limit(limit)
        return [from_row(AuditRow, row) for row in self._session.execute(query)]


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


class ScheduleRepository:
    """Contingency-management schedules: one per person (the CM feature's storage)."""

    COLUMNS = (
        "start_value",
        "increment",
        "cap",
        "reset_on_positive",
        "reset_on_missed",
        "return_after_negatives",
        "settings",
    )

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, person_id: int) -> dict[str, Any] | None:
        row = self._session.execute(
            select(cm_schedules).where(cm_schedules.c.person_id == person_id)
        ).first()
        if row is None:
            return None
        mapping = row._mapping
        return {
            **{column: mapping[column] for column in self.COLUMNS if column != "settings"},
            **dict(mapping["settings"]),
            "clinician_id": mapping["clinician_id"],
            "created_at": mapping["created_at"],
            "updated_at": mapping["updated_at"],
        }

    def save(
        self, person_id: int, *, clinician_id: int, values: dict[str, Any], now: datetime
    ) -> None:
        exists = and_(cm_schedules.c.person_id == person_id)
        if self._session.execute(select(cm_schedules.c.id).where(exists)).first() is None:
            self._session.execute(
                insert(cm_schedules).values(
                    person_id=person_id,
                    clinician_id=clinician_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            self._session.execute(
                update(cm_schedules)
                .where(exists)
                .values(clinician_id=clinician_id, updated_at=now, **values)
            )


@dataclass(frozen=True)
class ClinicianStore:
    """The repositories of this module, bound to one unit of work's session."""

    shares: ShareRepository
    links: CareLinkRepository
    audit: AuditRepository
    roster: RosterRepository
    schedules: ScheduleRepository

    @classmethod
    def bound_to(cls, session: Session) -> ClinicianStore:
        """This module's repositories on one session (the unit of work's)."""
        return cls(
            shares=ShareRepository(session),
            links=CareLinkRepository(session),
            audit=AuditRepository(session),
            roster=RosterRepository(session),
            schedules=ScheduleRepository(session),
        )
