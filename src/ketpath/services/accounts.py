"""Use cases about accounts: register, log in, sessions, API tokens, rate limits.

Passwords follow NIST SP 800-63B §5.1.1.2 and OWASP ASVS 4.0 V2.1: at least 8
characters, long ones allowed, no composition rules, and refused when they are
among the most common passwords (a list shipped in ``data/``). They are hashed
with argon2id (argon2-cffi's RFC 9106 low-memory profile by default).

Session and API tokens are random 256-bit strings handed to the client once;
the database keeps only their SHA-256, so a leaked copy of it opens nothing.
Sessions end after an idle period and after an absolute lifetime (ASVS 3.3).
``last_seen`` is written at most once a minute, so most page views only read;
the idle timeout is therefore exact to within that minute.

Login attempts are limited by token buckets kept in the database (as
healthchecks does), so the limit holds across restarts and workers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from ketpath.store import Bucket, Database, UnitOfWork, UserRow
from ketpath.store.tables import EMAIL_LENGTH

ROLES = ("person", "clinician")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1000
"""Generous (ASVS asks for 64+) but bounded, so a megabyte "password" is not hashed."""
TOUCH_INTERVAL = timedelta(minutes=1)
HANDLE_PREFIX = "u-"
API_TOKEN_PREFIX = "kp_"


class AccountError(ValueError):
    """Something the user can fix, naming the form field it is about."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class LoginRefused(Exception):  # noqa: N818 (reads as what happened)
    """Wrong email or password; deliberately says no more than that."""


class RateLimited(Exception):  # noqa: N818
    """Too many attempts; ``retry_after`` is the number of seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many attempts; try again in {retry_after} s")


@dataclass(frozen=True, kw_only=True)
class User:
    """Who is signed in. ``person_name`` is the pseudonymous handle of a person's history."""

    id: int
    email: str
    role: str
    person_name: str | None


@dataclass(frozen=True, kw_only=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def password_hasher(profile: str = "RFC_9106_LOW_MEMORY") -> PasswordHasher:
    """An argon2id hasher with one of argon2-cffi's named profiles (``CHEAPEST`` for tests)."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


DEFAULT_HASHER = password_hasher()


def utc_now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("ketpath.services").joinpath("data/common-passwords.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    if password.lower() in common_passwords():
        return "this is one of the most common passwords; choose another"
    if email and password.lower() == email.lower():
        return "do not use your email address as your password"
    return None


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; refused when it cannot be an address."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in cleaned):
        raise AccountError("email", "enter an email address like name@example.org")
    if len(cleaned) > EMAIL_LENGTH:
        raise AccountError("email", f"an email address is at most {EMAIL_LENGTH} characters")
    return cleaned


def _user(row: UserRow) -> User:
    return User(id=row.id, email=row.email, role=row.role, person_name=row.person_name)


def register(
    db: Database,
    *,
    email: str,
    password: str,
    role: str = "person",
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User:
    """Create an account; a person gets a ``people`` row named by a random handle."""
    address = normalise_email(email)
    if role not in ROLES:
        raise AccountError("role", f"unknown role {role!r}; allowed: {', '.join(ROLES)}")
    problem = password_problem(password, email=address)
    if problem is not None:
        raise AccountError("password", problem)
    password_hash = hasher.hash(password)
    with db.unit_of_work(write=True) as uow:
        if uow.users.by_email(address) is not None:
            raise AccountError("email", "an account with this email already exists; log in")
        person_id = None
        if role == "person":
            person_id = uow.people.create(HANDLE_PREFIX + secrets.token_hex(6)).id
        user_id = uow.users.create(
            email=address,
            password_hash=password_hash,
            role=role,
            person_id=person_id,
            created_at=utc_now(),
        )
        row = uow.users.get(user_id)
        assert row is not None
        uow.commit()
    return _user(row)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def authenticate(
    db: Database, *, email: str, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> User:
    """The account these credentials open, or :class:`LoginRefused`.

    An unknown email costs the same argon2 verification as a wrong password,
    so response times do not tell which addresses have accounts. A hash made
    with older parameters is upgraded on a successful login.
    """
    try:
        address = normalise_email(email)
    except AccountError:
        address = ""
    with db.unit_of_work() as uow:
        row = uow.users.by_email(address) if address else None
    if row is None:
        _verify(hasher, _dummy_hash(hasher), password)
        raise LoginRefused
    if not _verify(hasher, row.password_hash, password):
        raise LoginRefused
    if hasher.check_needs_rehash(row.password_hash):
        _store_password(db, user_id=row.id, password_hash=hasher.hash(password))
    return _user(row)


def _store_password(db: Database, *, user_id: int, password_hash: str) -> None:
    with db.unit_of_work(write=True) as uow:
        uow.users.set_password_hash(user_id, password_hash)
        uow.commit()


def find_user(db: Database, *, email: str) -> User | None:
    with db.unit_of_work() as uow:
        row = uow.users.by_email(normalise_email(email))
    return _user(row) if row is not None else None


def _checked_user(uow: UnitOfWork, user_id: int, password: str, hasher: PasswordHasher) -> UserRow:
    row = uow.users.get(user_id)
    if row is None or not _verify(hasher, row.password_hash, password):
        raise AccountError("current_password", "that is not your current password")
    return row


def change_password(
    db: Database,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> str:
    """Set a new password, end every session of the account, and return a fresh session token."""
    with db.unit_of_work() as uow:
        row = _checked_user(uow, user_id, current_password, hasher)
    problem = password_problem(new_password, email=row.email)
    if problem is not None:
        raise AccountError("new_password", problem)
    new_hash = hasher.hash(new_password)
    token = secrets.token_urlsafe(32)
    with db.unit_of_work(write=True) as uow:
        uow.users.set_password_hash(user_id, new_hash)
        uow.sessions.delete_for_user(user_id)
        uow.sessions.create(user_id=user_id, token_hash=token_hash(token), now=utc_now())
        uow.commit()
    return token


def delete_account(
    db: Database, *, user_id: int, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> None:
    """Delete the account, its sessions and tokens, and the person with every record and plan."""
    with db.unit_of_work() as uow:
        _checked_user(uow, user_id, password, hasher)
    with db.unit_of_work(write=True) as uow:
        row = uow.users.get(user_id)
        if row is None:
            return
        uow.users.delete(user_id)
        if row.person_id is not None:
            uow.people.delete(row.person_id)
        uow.commit()


# ---------------------------------------------------------------- sessions


def start_session(db: Database, *, user_id: int) -> str:
    """A new session for the user; the token goes in a cookie and nowhere else."""
    token = secrets.token_urlsafe(32)
    with db.unit_of_work(write=True) as uow:
        uow.sessions.create(user_id=user_id, token_hash=token_hash(token), now=utc_now())
        uow.commit()
    return token


def session_user(
    db: Database, *, token: str, policy: SessionPolicy, now: datetime | None = None
) -> User | None:
    """The user of a live session, or None; an expired session is deleted."""
    moment = now or utc_now()
    hashed = token_hash(token)
    with db.unit_of_work() as uow:
        found = uow.sessions.find(hashed)
        row = uow.users.get(found.user_id) if found is not None else None
    if found is None or row is None:
        return None
    expired = moment - found.last_seen > policy.idle or moment - found.created_at > policy.absolute
    if expired or moment - found.last_seen >= TOUCH_INTERVAL:
        with db.unit_of_work(write=True) as uow:
            if expired:
                uow.sessions.delete(found.id)
            else:
                uow.sessions.touch(found.id, moment)
            uow.commit()
    return None if expired else _user(row)


def end_session(db: Database, *, token: str) -> None:
    with db.unit_of_work(write=True) as uow:
        found = uow.sessions.find(token_hash(token))
        if found is not None:
            uow.sessions.delete(found.id)
        uow.commit()


def purge_idle_sessions(db: Database, *, policy: SessionPolicy) -> None:
    with db.unit_of_work(write=True) as uow:
        uow.sessions.delete_idle(last_seen_before=utc_now() - policy.idle)
        uow.commit()


# ---------------------------------------------------------------- API tokens


def create_api_token(db: Database, *, email: str) -> str:
    """A new personal access token for the account; shown once, stored as a hash."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.unit_of_work(write=True) as uow:
        row = uow.users.by_email(normalise_email(email))
        if row is None:
            raise AccountError("email", "no account with this email")
        uow.tokens.create(user_id=row.id, token_hash=token_hash(token), now=utc_now())
        uow.commit()
    return token


def token_user(db: Database, *, token: str) -> User | None:
    with db.unit_of_work() as uow:
        row = uow.tokens.user_for(token_hash(token))
    return _user(row) if row is not None else None


# ---------------------------------------------------------------- rate limits


def rate_limit_key(kind: str, value: str) -> str:
    """A bucket key that does not store the email or address it is about."""
    return token_hash(f"{kind}:{value}")


def take_token(
    db: Database,
    *,
    key: str,
    capacity: int,
    refill_seconds: float,
    now: datetime | None = None,
) -> None:
    """Spend one token from the bucket ``key``, or raise :class:`RateLimited`.

    A full bucket holds ``capacity`` tokens and regains one every
    ``refill_seconds``; a refused attempt spends nothing.
    """
    moment = now or utc_now()
    with db.unit_of_work(write=True) as uow:
        bucket = uow.rate_limits.get(key)
        elapsed = max((moment - bucket.updated_at).total_seconds(), 0.0) if bucket else 0.0
        level = capacity if bucket is None else bucket.tokens
        level = min(float(capacity), level + elapsed / refill_seconds)
        if level < 1.0:
            raise RateLimited(retry_after=max(1, round((1.0 - level) * refill_seconds)))
        uow.rate_limits.put(
            key, Bucket(tokens=level - 1.0, updated_at=moment), existed=bucket is not None
        )
        uow.commit()
