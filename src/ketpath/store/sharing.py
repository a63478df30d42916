"""Repositories for consent: share codes a person hands out, and the care links they open.

As in ``repository``, rows never leave this module (frozen dataclasses come
back) and nothing here commits. Share codes arrive already hashed. An open
unit of work carries them as ``uow.shares`` and ``uow.care_links``, so they
share its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ketpath.store.tables import care_links, from_row, shares, users


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


class ShareRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

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
        new_id: int = self._connection.execute(statement).scalar_one()
        return new_id

    def _query(self) -> Any:
        return select(shares, users.c.email.label("redeemed_by_email")).outerjoin(
            users, users.c.id == shares.c.redeemed_by
        )

    def for_person(self, person_id: int) -> list[ShareRow]:
        query = self._query().where(shares.c.person_id == person_id).order_by(shares.c.id.desc())
        return [from_row(ShareRow, row) for row in self._connection.execute(query)]

    def get(self, share_id: int) -> ShareRow | None:
        row = self._connection.execute(self._query().where(shares.c.id == share_id)).first()
        return from_row(ShareRow, row) if row is not None else None

    def by_code_hash(self, code_hash: str) -> ShareRow | None:
        """The share with this code, locked for this transaction where the database can."""
        query = select(shares.c.id).where(shares.c.code_hash == code_hash).with_for_update()
        found = self._connection.execute(query).scalar_one_or_none()
        return self.get(found) if found is not None else None

    def mark_redeemed(self, share_id: int, *, by: int, at: datetime) -> bool:
        """Spend the code; False when it was already redeemed or revoked (nothing changes then).

        The row was locked by :meth:`by_code_hash`, so this cannot lose a race
        today; the condition is the code's single use written into the one
        statement that spends it, so it stays single-use whichever process or
        host redeems it, even if the lock were ever left out.
        """
        result = self._connection.execute(
            update(shares)
            .where(
                shares.c.id == share_id,
                shares.c.redeemed_at.is_(None),
                shares.c.revoked_at.is_(None),
            )
            .values(redeemed_at=at, redeemed_by=by)
        )
        spent: bool = result.rowcount == 1
        return spent

    def revoke(self, share_id: int, *, at: datetime) -> None:
        self._connection.execute(
            update(shares)
            .where(shares.c.id == share_id, shares.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class CareLinkRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

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
        new_id: int = self._connection.execute(statement).scalar_one()
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
        row = self._connection.execute(query).first()
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
        return [from_row(CareLinkRow, row) for row in self._connection.execute(query)]

    def active_person_ids(self, clinician_id: int) -> set[int]:
        """The people whose consent to this clinician stands (ids only: cheap for a big roster)."""
        query = select(care_links.c.person_id).where(
            care_links.c.clinician_id == clinician_id, care_links.c.revoked_at.is_(None)
        )
        return set(self._connection.execute(query).scalars())

    def for_share(self, share_id: int) -> list[CareLinkRow]:
        query = select(care_links).where(
            care_links.c.share_id == share_id, care_links.c.revoked_at.is_(None)
        )
        return [from_row(CareLinkRow, row) for row in self._connection.execute(query)]

    def revoke_for_share(self, share_id: int, *, at: datetime) -> None:
        self._connection.execute(
            update(care_links)
            .where(care_links.c.share_id == share_id, care_links.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
