"""Idempotency keys of API writes, per account, in the database (migration 0007).

In the database rather than in memory so that a retry reaching another worker
process, or the same one after a restart, finds the first answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from ketpath.store.tables import idempotency_keys


@dataclass(frozen=True, kw_only=True)
class RememberedResponse:
    request_hash: str
    status_code: int
    response: dict[str, Any]
    expires_at: datetime


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, user_id: int, key: str, *, now: datetime) -> RememberedResponse | None:
        """The unexpired answer remembered under the account's key, or None."""
        row = self._connection.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.user_id == user_id,
                idempotency_keys.c.key == key,
                idempotency_keys.c.expires_at > now,
            )
        ).first()
        if row is None:
            return None
        return RememberedResponse(
            request_hash=row.request_hash,
            status_code=row.status_code,
            response=dict(row.response),
            expires_at=row.expires_at,
        )

    def remember(
        self,
        user_id: int,
        key: str,
        *,
        request_hash: str,
        status_code: int,
        response: dict[str, Any],
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        """Keep the answer under the key; False when another request kept one first.

        The account's expired keys go first, so a key may be used again once
        it has expired and the table holds only a day's writes.
        """
        self._connection.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.user_id == user_id, idempotency_keys.c.expires_at <= now
            )
        )
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(idempotency_keys).values(
                        user_id=user_id,
                        key=key,
                        request_hash=request_hash,
                        status_code=status_code,
                        response=response,
                        created_at=now,
                        expires_at=expires_at,
                    )
                )
        except IntegrityError:
            return False
        return True
