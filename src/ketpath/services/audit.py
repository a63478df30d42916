"""The audit log: who read or changed consent to whose data, and every sign-in, hash-chained.

Each row stores SHA-256 over its canonical content (sorted-key JSON of every
column but ``id`` and ``hash``) and the previous row's hash, so editing,
deleting or reordering a row breaks the chain from that row on; the head row
(``audit_head``) holds the last sequence number and hash, so cutting rows off
the end is caught too. This is tamper *evidence*, not tamper proofing: someone
who can write the database can recompute the whole chain. Publishing the head
hash elsewhere now and then (a printout, a ticket) would close that gap.

Appends are serialised on the head row (see ``AuditRepository.lock_head``), and
the row is written in the same transaction as the read or change it records:
if the read fails, no row; if the row cannot be written, the read is not
answered. Rows hold ids and kinds only, never record contents.
:func:`append_many` chains many rows under one lock with one multi-row insert
(a roster of a thousand patients is a thousand rows per view).

A request for a patient the account has no consent for is answered 404, the
same as an id nobody has, and recorded as ``patient-refused`` (the probed id
and the route; the person attached when the id is someone's). The operator
sees these in ``ketpath audit list``; the person does not (see
``docs/security.md``, point 12).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ketpath.present.i18n import N_
from ketpath.services.accounts import User
from ketpath.store import Database, UnitOfWork
from ketpath.store.audit_log import AuditRow

GENESIS_HASH = "0" * 64
VERIFY_BATCH = 5000

READ_ACTIONS = (
    "read-records",
    "read-assessment",
    "read-patient-page",
    "read-roster",
    "read-roster-entry",
    "read-report",
)
WRITE_ACTIONS = (
    "write-records",
    "write-cm-schedule",
    "delete-record",
    "replace-record",
    "correct-record",
)
CONSENT_ACTIONS = ("share-created", "share-revoked", "share-redeemed", "redeem-refused")
AUTH_ACTIONS = (
    "login",
    "login-failed",
    "logout",
    "password-changed",
    "password-recovered",
    "password-reset",
    "account-deleted",
)
#: Refused requests for a patient: for the operator, never in the person's list.
PROBE_ACTIONS = ("patient-refused",)
ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS, *CONSENT_ACTIONS, *AUTH_ACTIONS, *PROBE_ACTIONS)
#: What each action did, in English; marked for the catalogs, and translated where shown.
ACTION_WORDS = {
    "read-records": N_("read your records"),
    "read-assessment": N_("read your assessment"),
    "read-patient-page": N_("opened your timeline"),
    "read-roster": N_("opened their patient list"),
    "read-roster-entry": N_("saw you on their roster (red flags, stage, when you last logged)"),
    "read-report": N_("downloaded a PDF summary of your records"),
    "write-records": N_("added records"),
    "write-cm-schedule": N_("changed your rewards schedule"),
    "delete-record": N_("deleted a record"),
    "replace-record": N_("corrected a record"),
    "correct-record": N_("corrected a record they had entered"),
    "share-created": N_("created a share code"),
    "share-revoked": N_("revoked a share"),
    "share-redeemed": N_("redeemed your share code"),
    "redeem-refused": N_("tried a code that was refused"),
    "login": N_("logged in"),
    "login-failed": N_("failed to log in"),
    "logout": N_("logged out"),
    "password-changed": N_("changed the password"),
    "account-deleted": N_("deleted the account"),
    "patient-refused": N_("asked for a patient without consent (answered: no such patient)"),
}


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who did it, as the row keeps it (the email stays even if the account goes)."""

    id: int | None
    email: str | None
    role: str | None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, email=user.email, role=user.role)


@dataclass(frozen=True, kw_only=True)
class Event:
    """One row to append: what happened, about whom (a person id, or None), and ids or kinds."""

    action: str
    person_id: int | None = None
    detail: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class Verification:
    ok: bool
    rows: int
    broken_seq: int | None = None
    problem: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def canonical_content(row: Mapping[str, Any]) -> str:
    """The text that is hashed: every column but ``id`` and ``hash``, sorted keys, UTC time."""
    at: datetime = row["at"]
    content = {
        "seq": row["seq"],
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": row["actor_id"],
        "actor_email": row["actor_email"],
        "actor_role": row["actor_role"],
        "action": row["action"],
        "person_id": row["person_id"],
        "detail": row["detail"],
        "prev_hash": row["prev_hash"],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(row: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_content(row).encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _BatchCanonical:
    """:func:`canonical_content` for the rows of one append, writing what they share once.

    A roster of a thousand patients appends a thousand rows per view, and
    building and sorting each row's dict cost about a third of the page.
    The text is the same, byte for byte: the keys written here in sorted
    order, each value encoded as ``json.dumps`` encodes it inside the whole
    (``tests/unit/test_audit_canonical.py`` compares the two).
    """

    def __init__(self, moment: datetime, actor: Actor | None) -> None:
        at = moment.astimezone(UTC).isoformat(timespec="microseconds")
        self._actor_and_time = (
            f'"actor_email":{_json(actor.email if actor else None)},'
            f'"actor_id":{_json(actor.id if actor else None)},'
            f'"actor_role":{_json(actor.role if actor else None)},'
            f'"at":{_json(at)},'
        )
        self._heads: dict[str, str] = {}

    def content(self, row: Mapping[str, Any]) -> str:
        """The canonical text of a row of this append (its actor and time are the batch's)."""
        return (
            f"{self._head(row['action'], row['detail'])}{_plain(row['person_id'])},"
            f'"prev_hash":{_plain(row["prev_hash"])},"seq":{_plain(row["seq"])}}}'
        )

    def after_digest(self, row: Mapping[str, Any]) -> str:
        """:meth:`content` of a row whose ``prev_hash`` is a hex digest and ``seq`` an ``int``.

        So are the batch's own rows after its first (each follows a hash
        computed here): both are written as they are, without the checks.
        """
        person_id = row["person_id"]
        return (
            f"{self._head(row['action'], row['detail'])}"
            f"{person_id if type(person_id) is int else _plain(person_id)},"
            f'"prev_hash":"{row["prev_hash"]}","seq":{row["seq"]}}}'
        )

    def _head(self, action: str, detail: Any) -> str:
        """The text up to the person's id: the same for the batch's rows of one action and no detail."""
        if detail:
            return f'{{"action":{_json(action)},{self._actor_and_time}"detail":{_json(detail)},"person_id":'
        head = self._heads.get(action)
        if head is None:
            head = self._heads[action] = (
                f'{{"action":{_json(action)},{self._actor_and_time}"detail":{{}},"person_id":'
            )
        return head


def _plain(value: Any) -> str:
    """``_json(value)``, written directly for the common values that need no escaping.

    An ``int`` (not a ``bool``) is its digits, and an ASCII letters-and-digits
    string (a hash) is itself in quotes; anything else goes through ``json``.
    """
    if type(value) is int:
        return str(value)
    if type(value) is str and value.isascii() and value.isalnum():
        return f'"{value}"'
    return _json(value)


def append(
    uow: UnitOfWork,
    *,
    action: str,
    actor: Actor | None,
    person_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Append one row inside the caller's (writing) unit of work; returns its sequence number."""
    event = Event(action=action, person_id=person_id, detail=detail)
    (seq,) = append_many(uow, [event], actor=actor, now=now)
    return seq


def append_many(
    uow: UnitOfWork,
    events: Sequence[Event],
    *,
    actor: Actor | None,
    now: datetime | None = None,
) -> list[int]:
    """Append rows in order inside the caller's (writing) unit of work; returns their numbers.

    The chain rule is the one :func:`append` follows, row by row (each row's
    ``prev_hash`` is the hash of the row before it); only the database work is
    shared: one head lock, one multi-row insert, one head update.
    """
    unknown = sorted({event.action for event in events} - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown audit action {unknown[0]!r}")
    if not events:
        return []
    head = uow.audit.lock_head()
    # Microseconds survive both databases' timestamp types, so the hash can be recomputed.
    moment = (now or utc_now()).astimezone(UTC)
    rows: list[dict[str, Any]] = []
    previous = head.hash
    texts = _BatchCanonical(moment, actor)
    actor_id, email, role = (actor.id, actor.email, actor.role) if actor else (None, None, None)
    sha256 = hashlib.sha256
    after_digest = False  # the head's hash is the database's: the first row's text checks it
    for seq, event in enumerate(events, start=head.seq + 1):
        row: dict[str, Any] = {
            "seq": seq,
            "at": moment,
            "actor_id": actor_id,
            "actor_email": email,
            "actor_role": role,
            "action": event.action,
            "person_id": event.person_id,
            "detail": dict(event.detail) if event.detail else {},
            "prev_hash": previous,
        }
        text = texts.after_digest(row) if after_digest else texts.content(row)
        row["hash"] = previous = sha256(text.encode()).hexdigest()
        after_digest = True
        rows.append(row)
    uow.audit.append_many(rows)
    return [row["seq"] for row in rows]


def record_event(
    db: Database,
    *,
    action: str,
    actor: Actor | None,
    person_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one row in a transaction of its own (for events that change nothing else)."""
    with db.unit_of_work(write=True) as uow:
        append(uow, action=action, actor=actor, person_id=person_id, detail=detail)
        uow.commit()


def record_refused_patient(db: Database, *, user: User, patient_id: int, route: str) -> None:
    """Record a request for a patient that was answered 404 (no consent, or no such id).

    The row keeps the account, the id asked for and the route template (never
    the query string); ``person_id`` is set only when the id is a person's, so
    an id that belongs to nobody is tied to no one. Every such answer writes
    the same one row, so the time taken does not tell a real id from a missing one.
    """
    with db.unit_of_work(write=True) as uow:
        exists = uow.roster.person_name(patient_id) is not None
        append(
            uow,
            action="patient-refused",
            actor=Actor.of(user),
            person_id=patient_id if exists else None,
            detail={"patient_id": patient_id, "route": route},
        )
        uow.commit()


def record_authentication(db: Database, *, action: str, user: User | None = None) -> None:
    """An authentication event (``login``, ``login-failed``, ``logout``, …).

    A failed login names the account only when the address belongs to one; the
    address typed is never kept, because a typo (or a password typed into the
    wrong box) would then stay in the log for ever.
    """
    if action not in AUTH_ACTIONS:
        raise ValueError(f"not an authentication action: {action!r}")
    actor = Actor.of(user) if user is not None else Actor(id=None, email=None, role=None)
    detail = {"known_account": user is not None} if action == "login-failed" else {}
    record_event(db, action=action, actor=actor, detail=detail)


def _row_mapping(row: AuditRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at,
        "actor_id": row.actor_id,
        "actor_email": row.actor_email,
        "actor_role": row.actor_role,
        "action": row.action,
        "person_id": row.person_id,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
    }


def verify_chain(db: Database) -> Verification:
    """Walk the chain from the first row; report the first row that does not fit."""
    previous_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    with db.unit_of_work() as uow:
        while True:
            batch = uow.audit.rows(after_seq=expected_seq - 1, limit=VERIFY_BATCH)
            for row in batch:
                problem = _row_problem(row, expected_seq=expected_seq, previous=previous_hash)
                if problem is not None:
                    return Verification(ok=False, rows=checked, broken_seq=row.seq, problem=problem)
                previous_hash = row.hash
                expected_seq += 1
                checked += 1
            if len(batch) < VERIFY_BATCH:
                break
        head = uow.audit.head()
    if head.seq != checked or head.hash != previous_hash:
        return Verification(
            ok=False,
            rows=checked,
            broken_seq=checked + 1,
            problem=f"the chain head says {head.seq} rows, the log ends after {checked}",
        )
    return Verification(ok=True, rows=checked)


def _row_problem(row: AuditRow, *, expected_seq: int, previous: str) -> str | None:
    if row.seq != expected_seq:
        return f"row {expected_seq} is missing (the next row is {row.seq})"
    if row.prev_hash != previous:
        return "its previous-row hash does not match the row before it"
    if row_hash(_row_mapping(row)) != row.hash:
        return "its content does not match its hash (the row was changed)"
    return None


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_email: str | None
    actor_role: str | None
    action: str
    words: str
    person_id: int | None
    person_name: str | None
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor_email": self.actor_email,
            "actor_role": self.actor_role,
            "action": self.action,
            "person": self.person_name,
            "person_id": self.person_id,
            "detail": self.detail,
        }


def list_entries(
    db: Database,
    *,
    person_name: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    """Rows of the log, all of them or those about one person (by name)."""
    with db.unit_of_work() as uow:
        person_id = None
        if person_name is not None:
            person_id = uow.roster.person_ids([person_name]).get(person_name)
            if person_id is None:
                return []
        rows = uow.audit.rows(person_id=person_id, limit=limit, newest_first=newest_first)
        names = _names(uow, {row.person_id for row in rows if row.person_id is not None})
    return [_entry(row, names) for row in rows]


def _names(uow: UnitOfWork, person_ids: set[int]) -> dict[int, str]:
    return {
        person_id: name
        for person_id in person_ids
        if (name := uow.roster.person_name(person_id)) is not None
    }


def _entry(row: AuditRow, names: Mapping[int, str]) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        actor_email=row.actor_email,
        actor_role=row.actor_role,
        action=row.action,
        words=ACTION_WORDS.get(row.action, row.action),
        person_id=row.person_id,
        person_name=names.get(row.person_id) if row.person_id is not None else None,
        detail=row.detail,
    )


def reads_of(db: Database, *, user: User, limit: int = 200) -> list[AuditEntry]:
    """What clinicians read of (or added to) this person's data, newest first."""
    if user.person_name is None:
        return []
    with db.unit_of_work() as uow:
        person_id = uow.roster.person_ids([user.person_name]).get(user.person_name)
        if person_id is None:
            return []
        rows = uow.audit.rows(
            person_id=person_id,
            actions=(*READ_ACTIONS, *WRITE_ACTIONS, "share-redeemed"),
            limit=limit,
            newest_first=True,
        )
    return [_entry(row, {}) for row in rows]
