"""Repositories for accounts: users (and their recovery codes), sessions, API tokens, devices, rate-limit buckets, plans.

As in ``repository``, rows never leave this module: they come back as frozen
dataclasses, and nothing here commits. Session and API tokens arrive already
hashed; this module never sees a token itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ketpath.store.tables import (
    api_tokens,
    from_row,
    known_devices,
    people,
    plans,
    rate_limit_buckets,
    recovery_codes,
    sessions,
    users,
)


@dataclass(frozen=True, kw_only=True)
class UserRow:
    id: int
    email: str
    password_hash: str
    role: str
    person_id: int | None
    person_name: str | None
    created_at: datetime
    pin_hash: str | None = None
    onboarded_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True, kw_only=True)
class SessionRow:
    id: int
    user_id: int
    created_at: datetime
    last_seen: datetime
    kept: bool = False
    label: str | None = None
    locked: bool = False
    pin_failures: int = 0


@dataclass(frozen=True, kw_only=True)
class ApiTokenRow:
    id: int
    user_id: int
    label: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class DeviceRow:
    id: int
    user_id: int


@dataclass(frozen=True, kw_only=True)
class Bucket:
    tokens: float
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class PlanRow:
    data: dict[str, Any]
    updated_at: datetime


def _users_query() -> Select[Any]:
    return select(users, people.c.name.label("person_name")).outerjoin(
        people, people.c.id == users.c.person_id
    )


#: The account of a live API token (:meth:`TokenRepository.user_for`), built once.
_USER_FOR_TOKEN = (
    _users_query()
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(
        api_tokens.c.token_hash == bindparam("token_hash"),
        api_tokens.c.expires_at > bindparam("now"),
    )
)


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, user_id: int) -> UserRow | None:
        row = self._connection.execute(_users_query().where(users.c.id == user_id)).first()
        return from_row(UserRow, row) if row is not None else None

    def by_email(self, email: str) -> UserRow | None:
        row = self._connection.execute(_users_query().where(users.c.email == email)).first()
        return from_row(UserRow, row) if row is not None else None

    def create(
        self,
        *,
        email: str,
        password_hash: str,
        role: str,
        person_id: int | None,
        created_at: datetime,
    ) -> int:
        statement = (
            insert(users)
            .values(
                email=email,
                password_hash=password_hash,
                role=role,
                person_id=person_id,
                created_at=created_at,
            )
            .returning(users.c.id)
        )
        new_id: int = self._connection.execute(statement).scalar_one()
        return new_id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def delete(self, user_id: int) -> None:
        self._connection.execute(delete(users).where(users.c.id == user_id))

    def set_pin_hash(self, user_id: int, pin_hash: str | None) -> None:
        """Keep the app lock's PIN (its argon2 hash), or forget it with None."""
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(pin_hash=pin_hash)
        )

    def set_onboarded(self, user_id: int, at: datetime) -> None:
        """Record that the person finished the first-run onboarding (the first time only)."""
        self._connection.execute(
            update(users)
            .where(users.c.id == user_id, users.c.onboarded_at.is_(None))
            .values(onboarded_at=at)
        )

    def set_language(self, user_id: int, language: str | None) -> None:
        """Keep the language the person chose (a shipped tag), or forget it with None."""
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(language=language)
        )

    def replace_recovery_codes(
        self, user_id: int, code_hashes: Sequence[str], *, now: datetime
    ) -> None:
        """Forget the account's recovery codes and keep these (hashes) instead."""
        self._connection.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        if code_hashes:
            self._connection.execute(
                insert(recovery_codes),
                [
                    {"user_id": user_id, "code_hash": code, "created_at": now}
                    for code in code_hashes
                ],
            )

    def recovery_codes_left(self, user_id: int) -> int:
        count: int = self._connection.execute(
            select(func.count())
            .select_from(recovery_codes)
            .where(recovery_codes.c.user_id == user_id)
        ).scalar_one()
        return count

    def use_recovery_code(self, user_id: int, code_hash: str) -> bool:
        """Delete the account's code with this hash; False when it has none (or it was used)."""
        result = self._connection.execute(
            delete(recovery_codes).where(
                recovery_codes.c.user_id == user_id, recovery_codes.c.code_hash == code_hash
            )
        )
        return bool(result.rowcount)


class SessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(
        self,
        *,
        user_id: int,
        token_hash: str,
        now: datetime,
        kept: bool = False,
        label: str | None = None,
    ) -> int:
        statement = (
            insert(sessions)
            .values(
                user_id=user_id,
                token_hash=token_hash,
                created_at=now,
                last_seen=now,
                kept=kept,
                label=label,
            )
            .returning(sessions.c.id)
        )
        new_id: int = self._connection.execute(statement).scalar_one()
        return new_id

    def find(self, token_hash: str) -> SessionRow | None:
        row = self._connection.execute(
            select(sessions).where(sessions.c.token_hash == token_hash)
        ).first()
        return from_row(SessionRow, row) if row is not None else None

    def by_id(self, session_id: int) -> SessionRow | None:
        row = self._connection.execute(select(sessions).where(sessions.c.id == session_id)).first()
        return from_row(SessionRow, row) if row is not None else None

    def unlock_for_user(self, user_id: int) -> None:
        """Open every locked session of the account (its PIN was removed)."""
        self._connection.execute(
            update(sessions)
            .where(sessions.c.user_id == user_id, sessions.c.locked.is_(True))
            .values(locked=False, pin_failures=0)
        )

    def kept_for_user(self, user_id: int) -> list[SessionRow]:
        """The account's kept (device) sessions, most recently used first."""
        rows: Sequence[Row[Any]] = self._connection.execute(
            select(sessions)
            .where(sessions.c.user_id == user_id, sessions.c.kept.is_(True))
            .order_by(sessions.c.last_seen.desc(), sessions.c.id.desc())
        ).all()
        return [from_row(SessionRow, row) for row in rows]

    def lock(self, session_id: int) -> None:
        """Mark the session locked (idle too long); wrong PINs count from zero."""
        self._connection.execute(
            update(sessions).where(sessions.c.id == session_id).values(locked=True, pin_failures=0)
        )

    def unlock(self, session_id: int, now: datetime) -> None:
        self._connection.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(locked=False, pin_failures=0, last_seen=now)
        )

    def count_pin_failure(self, session_id: int) -> int:
        """Add one wrong PIN to the session's count; the new count.

        One ``UPDATE … RETURNING``: the increment and the count it returns are
        the same row version, so wrong PINs sent at once to different server
        processes each get a count of their own, and the fifth is seen as the fifth.
        """
        count: int = self._connection.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(pin_failures=sessions.c.pin_failures + 1)
            .returning(sessions.c.pin_failures)
        ).scalar_one()
        return count

    def delete_kept(self, user_id: int, *, session_id: int | None = None) -> int:
        """Delete the account's kept sessions (or only ``session_id`` of them); how many went."""
        statement = delete(sessions).where(sessions.c.user_id == user_id, sessions.c.kept.is_(True))
        if session_id is not None:
            statement = statement.where(sessions.c.id == session_id)
        result = self._connection.execute(statement)
        count: int = result.rowcount
        return count

    def touch(self, session_id: int, now: datetime) -> None:
        self._connection.execute(
            update(sessions).where(sessions.c.id == session_id).values(last_seen=now)
        )

    def delete(self, session_id: int) -> None:
        self._connection.execute(delete(sessions).where(sessions.c.id == session_id))

    def delete_for_user(self, user_id: int, *, keep: int | None = None) -> None:
        statement = delete(sessions).where(sessions.c.user_id == user_id)
        if keep is not None:
            statement = statement.where(sessions.c.id != keep)
        self._connection.execute(statement)

    def delete_idle(
        self, *, last_seen_before: datetime, kept_created_before: datetime | None = None
    ) -> None:
        """Delete unkept sessions idle since before the first time, kept ones begun before the second."""
        self._connection.execute(
            delete(sessions).where(
                sessions.c.kept.is_(False), sessions.c.last_seen < last_seen_before
            )
        )
        if kept_created_before is not None:
            self._connection.execute(
                delete(sessions).where(
                    sessions.c.kept.is_(True), sessions.c.created_at < kept_created_before
                )
            )


class TokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(
        self,
        *,
        user_id: int,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
        label: str | None = None,
    ) -> None:
        self._connection.execute(
            insert(api_tokens).values(
                user_id=user_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=expires_at,
                label=label,
            )
        )

    def user_for(self, token_hash: str, *, now: datetime) -> UserRow | None:
        """The live token's account in one query (it runs on every API request).

        The statement is built once (:data:`_USER_FOR_TOKEN`): building it and
        its cache key on every call cost as much CPU as running it on SQLite
        (issue 16.3).
        """
        row = self._connection.execute(
            _USER_FOR_TOKEN, {"token_hash": token_hash, "now": now}
        ).first()
        return from_row(UserRow, row) if row is not None else None

    def for_user(self, user_id: int) -> list[ApiTokenRow]:
        rows: Sequence[Row[Any]] = self._connection.execute(
            select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
        ).all()
        return [from_row(ApiTokenRow, row) for row in rows]

    def delete(self, token_id: int, *, user_id: int) -> bool:
        """Delete the user's token ``token_id``; False when they have none of that id."""
        result = self._connection.execute(
            delete(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)
        )
        return bool(result.rowcount)

    def delete_for_user(self, user_id: int) -> int:
        result = self._connection.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))
        count: int = result.rowcount
        return count


class DeviceRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(self, *, user_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None:
        self._connection.execute(
            insert(known_devices).values(
                user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at
            )
        )

    def find(self, token_hash: str, *, now: datetime) -> DeviceRow | None:
        row = self._connection.execute(
            select(known_devices).where(
                known_devices.c.token_hash == token_hash, known_devices.c.expires_at > now
            )
        ).first()
        return from_row(DeviceRow, row) if row is not None else None

    def delete_expired(self, now: datetime) -> None:
        self._connection.execute(delete(known_devices).where(known_devices.c.expires_at <= now))


def _insert_or_ignore(connection: Connection, statement_values: dict[str, Any]) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the bucket table, in the connection's dialect."""
    dialect = connection.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = (
        module.insert(rate_limit_buckets).values(**statement_values).on_conflict_do_nothing()
    )
    return statement


class RateLimitRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create_if_missing(self, key: str, bucket: Bucket) -> None:
        """Insert the bucket unless it exists; a concurrent insert of the same key waits, then does nothing."""
        values = {"key": key, "tokens": bucket.tokens, "updated_at": bucket.updated_at}
        self._connection.execute(_insert_or_ignore(self._connection, values))

    def get(self, key: str) -> Bucket | None:
        """The bucket, locked for this transaction where the database can (PostgreSQL)."""
        row = self._connection.execute(
            select(rate_limit_buckets).where(rate_limit_buckets.c.key == key).with_for_update()
        ).first()
        return Bucket(tokens=row.tokens, updated_at=row.updated_at) if row is not None else None

    def update(self, key: str, bucket: Bucket) -> None:
        self._connection.execute(
            update(rate_limit_buckets)
            .where(rate_limit_buckets.c.key == key)
            .values(tokens=bucket.tokens, updated_at=bucket.updated_at)
        )


class PlanRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, person_id: int) -> PlanRow | None:
        row = self._connection.execute(select(plans).where(plans.c.person_id == person_id)).first()
        return PlanRow(data=dict(row.data), updated_at=row.updated_at) if row else None

    def save(self, person_id: int, data: dict[str, Any], *, now: datetime) -> None:
        if self.get(person_id) is None:
            self._connection.execute(
                insert(plans).values(person_id=person_id, data=data, updated_at=now)
            )
        else:
            self._connection.execute(
                update(plans)
                .where(plans.c.person_id == person_id)
                .values(data=data, updated_at=now)
            )
