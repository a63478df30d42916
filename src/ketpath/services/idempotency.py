"""Idempotency keys for API writes: a retried POST never doubles a use (issue 12, point 1).

A phone on a flaky connection sends ``POST /api/v1/records`` again when it did
not hear the answer. With an ``Idempotency-Key`` header (the IETF draft
"The Idempotency-Key HTTP Header Field"; Stripe's API works the same way), the
first answer is kept in the database under the account and key, and a retry
with the same key and body gets that answer back and stores nothing. The same
key with another body is refused: it would otherwise silently drop the new
records. Keys expire after :data:`KEY_LIFETIME`.

Records sent without an id under a key get ids made from the account, the key
and their place in the body (:func:`ids_for_key`), so even two copies of one
request racing each other (neither has seen the other's answer yet) store the
records once: the second finds the ids taken.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ketpath.core.records import RECORD_ID_NAMESPACE, Record, with_id
from ketpath.errors import BadInput
from ketpath.store import Database

#: How long a key holds. A day covers any retry a client makes of its own accord.
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyError(BadInput):
    """The key cannot be used: malformed, or used before with another body."""


@dataclass(frozen=True, kw_only=True)
class Replay:
    status_code: int
    response: dict[str, Any]


def checked_key(key: str) -> str:
    """The key as sent, when it is 1-255 visible ASCII characters; else the problem."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise IdempotencyKeyError(
            f"an idempotency key is 1 to {MAX_KEY_LENGTH} visible ASCII characters"
            " (a UUID, say), with no spaces"
        )
    return key


def request_hash(body: Any) -> str:
    """SHA-256 of the body's JSON with sorted keys: the same request, however it was spaced."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ids_for_key(user_id: int, key: str, count: int) -> list[str]:
    """Record ids for the records of a keyed request, by place: the same on every retry."""
    return [
        str(uuid.uuid5(RECORD_ID_NAMESPACE, f"idempotency|{user_id}|{key}|{index}"))
        for index in range(count)
    ]


def keyed(records: list[Record], *, user_id: int, key: str) -> list[Record]:
    """The records of a keyed request, each without an id given the key's id for its place.

    A retry with the same key then carries the same ids, so the store holds
    each record once however often the request arrives.
    """
    ids = ids_for_key(user_id, key, len(records))
    return [r if r.id is not None else with_id(r, i) for r, i in zip(records, ids, strict=True)]


def replay(
    db: Database, *, user_id: int, key: str, body_hash: str, now: datetime | None = None
) -> Replay | None:
    """The first answer to this key, when the body is the same; None for a new key."""
    with db.unit_of_work() as uow:
        found = uow.idempotency.get(user_id, key, now=now or datetime.now(UTC))
    if found is None:
        return None
    if found.request_hash != body_hash:
        raise IdempotencyKeyError(
            "this idempotency key was used for a different request in the last"
            f" {KEY_LIFETIME.total_seconds() / 3600:.0f} hours; send a new key with new records"
        )
    return Replay(status_code=found.status_code, response=found.response)


def remember(
    db: Database,
    *,
    user_id: int,
    key: str,
    body_hash: str,
    status_code: int,
    response: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """Keep the answer for retries (a racing copy that kept its answer first wins; same ids)."""
    moment = now or datetime.now(UTC)
    with db.unit_of_work(write=True) as uow:
        uow.idempotency.remember(
            user_id,
            key,
            request_hash=body_hash,
            status_code=status_code,
            response=response,
            now=moment,
            expires_at=moment + KEY_LIFETIME,
        )
        uow.commit()
