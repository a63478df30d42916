"""Use cases about accounts: register, log in, sessions, kept devices, the app lock, API tokens, rate limits.

Passwords follow NIST SP 800-63B §5.1.1.2 and OWASP ASVS 4.0 V2.1: at least 8
characters, long ones allowed, no composition rules, and refused when they are
among the most common passwords (a list shipped in ``data/``), repetitive or
sequential (``aaaaaaaa``, ``1234abcd``), made only of white space, hold control
characters, or are mostly "context-specific words" (the service's name, the
email address) — the blocklist categories §5.1.1.2 names. They are hashed with
argon2id (argon2-cffi's RFC 9106 low-memory profile by default, 64 MiB per
hash); :class:`BoundedPasswordHasher` lets only a few hashes run at once, so a
burst of logins cannot exhaust the server's memory.

Session, API and device tokens are random 256-bit strings handed to the client
once; the database keeps only their SHA-256, so a leaked copy of it opens
nothing. API tokens expire (90 days unless told otherwise), can be listed and
revoked, and all end when the password changes.
Sessions end after an idle period and after an absolute lifetime (ASVS 3.3).
``last_seen`` is written at most once a minute, so most page views only read;
the idle timeout is therefore exact to within that minute.

"Keep me signed in on this device" makes a kept session: it lasts 90 days
from sign-in instead of ending after 30 idle minutes, and the Account page
lists it (by a label made from the user agent) and can end it. When the
account has a PIN (4 to 6 digits, hashed with argon2id like a password), a
kept session idle for five minutes is marked locked by the server and opens
only with the PIN; five wrong PINs in a row delete it (issue 14, point 5).

Login attempts are limited by token buckets kept in the database (as
healthchecks does), so the limit holds across restarts and workers. A device
that has logged in to an account before (it holds a device token) spends a
bucket of its own, so a stranger's wrong guesses cannot lock the person out of
it (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import unicodedata
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Literal

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from ketpath.errors import FieldProblem
from ketpath.present.i18n import _
from ketpath.store import ApiTokenRow, Author, Bucket, Database, UnitOfWork, UserRow
from ketpath.store.tables import EMAIL_LENGTH, SESSION_LABEL_LENGTH, TOKEN_LABEL_LENGTH

ROLES = ("person", "clinician")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1000
"""Generous (ASVS asks for 64+) but bounded, so a megabyte "password" is not hashed."""
TOUCH_INTERVAL = timedelta(minutes=1)
HANDLE_PREFIX = "u-"
API_TOKEN_PREFIX = "kp_"
API_TOKEN_DAYS = 90
MAX_API_TOKEN_DAYS = 366
DEVICE_LIFETIME = timedelta(days=180)
SERVICE_NAME = "ketpath"
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 6
MAX_PIN_FAILURES = 5
"""Wrong PINs in a row that end a kept session (issue 14, point 5)."""
RECOVERY_CODE_COUNT = 8
RECOVERY_CODE_LENGTH = 16
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without look-alikes (no 0, 1, i, l, o)."""
LOCAL_PART_SYMBOLS = frozenset("!#$%&'*+-/=?^_`{|}~.")
"""RFC 5322 ``atext`` and the dot: what an unquoted local part may hold besides letters and digits."""


class AccountError(FieldProblem):
    """Something the user can fix, naming the form field it is about."""


class EmailTaken(AccountError):  # noqa: N818 (reads as what happened)
    """The address already has an account (only the operator's ``user create`` says so)."""

    def __init__(self) -> None:
        super().__init__("email", "an account with this email already exists")


class HashingBusy(Exception):  # noqa: N818
    """Every password-hashing slot stayed busy; ``retry_after`` is a suggested wait in seconds."""

    def __init__(self, retry_after: int = 2) -> None:
        self.retry_after = retry_after
        super().__init__(f"the server is busy; try again in {retry_after} s")


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
    language: str | None = None
    """The language chosen on Account or at onboarding (a shipped tag), None until one is."""


@dataclass(frozen=True, kw_only=True)
class SessionPolicy:
    """When sessions end, and when a kept one locks.

    ``kept`` is the lifetime of a "keep me signed in on this device" session
    (from sign-in, however often it is used); ``lock_after`` is how long such
    a session may sit idle before the PIN is asked for (when one is set).
    """

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    kept: timedelta = timedelta(days=90)
    lock_after: timedelta = timedelta(minutes=5)


def password_hasher(profile: str = "RFC_9106_LOW_MEMORY") -> PasswordHasher:
    """An argon2id hasher with one of argon2-cffi's named profiles (``CHEAPEST`` for tests)."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


class BoundedPasswordHasher(PasswordHasher):
    """A hasher that runs at most ``slots`` hashes or verifications at once.

    Each argon2id call of the default profile holds 64 MiB; without a bound, 120
    concurrent failed logins took a server from 144 MiB to 2.4 GiB (issue 11).
    A call waits up to ``wait_seconds`` for a slot and then raises
    :class:`HashingBusy`, which the web answers with 503 and ``Retry-After``.
    Hash upgrades on login and the dummy hash for unknown emails go through the
    same slots, so the bound holds whatever the path.
    """

    slots: threading.BoundedSemaphore
    wait_seconds: float

    @classmethod
    def bounded(
        cls, profile: str = "RFC_9106_LOW_MEMORY", *, slots: int = 4, wait_seconds: float = 1.0
    ) -> BoundedPasswordHasher:
        parameters = getattr(profiles, profile)
        hasher = cls(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost,
            parallelism=parameters.parallelism,
            hash_len=parameters.hash_len,
            salt_len=parameters.salt_len,
            type=parameters.type,
        )
        hasher.slots = threading.BoundedSemaphore(slots)
        hasher.wait_seconds = wait_seconds
        return hasher

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self.slots.acquire(timeout=self.wait_seconds):
            raise HashingBusy(retry_after=max(1, round(self.wait_seconds * 2)))
        try:
            yield
        finally:
            self.slots.release()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._slot():
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._slot():
            return super().verify(hash, password)


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
    """Why a new password is refused, or None when it is acceptable.

    The checks are NIST SP 800-63B §5.1.1.2's blocklist categories: common
    passwords, repetitive or sequential characters, and context-specific words
    (the service's name, the email address and its local part). A password
    that merely *contains* such a word is fine when enough is left without it
    ("my ketpath diary is private to me"); one that is mostly that word is not.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("use at least %(length)s characters", length=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("use at most %(length)s characters", length=MAX_PASSWORD_LENGTH)
    if not password.strip():
        return _("a password cannot be only spaces")
    if any(_is_control(character) for character in password):
        return _("a password cannot contain control characters (such as NUL, tab or line breaks)")
    if password.lower() in common_passwords():
        return _("this is one of the most common passwords; choose another")
    if email and password.lower() == email.lower():
        return _("do not use your email address as your password")
    context = _context_problem(password, email)
    if context is not None:
        return context
    if _is_repetitive(password):
        return _("do not just repeat characters (like aaaaaaaa or abcabcabc); choose another")
    if _is_sequential(password):
        return _("do not use a sequence (like 12345678 or abcdefgh); choose another")
    return None


def _is_control(character: str) -> bool:
    """Control, format (bidi overrides, zero-width) and line/paragraph separator characters."""
    return unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"}


def _is_repetitive(password: str) -> bool:
    """A short unit said again and again (``aaaa``, ``abab``, ``xyzxyz``).

    A long phrase typed twice is as strong as the phrase, so only units shorter
    than the minimum length count.
    """
    folded = password.lower()
    period = (folded + folded).find(folded, 1)
    return period < len(folded) and period < MIN_PASSWORD_LENGTH


def _is_sequential(password: str) -> bool:
    """Runs of neighbouring characters (``12345678``, ``hgfedcba``, ``1234abcd``), at most two."""
    steps = [ord(b) - ord(a) for a, b in zip(password.lower(), password.lower()[1:], strict=False)]
    breaks = sum(1 for step in steps if step not in {-1, 0, 1})
    return breaks <= 1


def _context_words(email: str) -> list[str]:
    local = email.partition("@")[0].lower()
    words = [SERVICE_NAME, email.lower()]
    if len(local) >= 3:
        words.append(local)
    return sorted(words, key=len, reverse=True)


def _context_problem(password: str, email: str) -> str | None:
    """Refuse a password that is mostly the service's name or the email (and digits, symbols)."""
    rest = password.lower()
    found = []
    for word in _context_words(email):
        if word and word in rest:
            found.append(word)
            rest = rest.replace(word, "")
    letters_left = sum(1 for character in rest if character.isalpha())
    if found and (len(rest) < MIN_PASSWORD_LENGTH or letters_left < MIN_PASSWORD_LENGTH // 2):
        if found[0] == SERVICE_NAME:
            return _(
                "do not build your password from the name of this service (%(name)s)",
                name=SERVICE_NAME,
            )
        return _("do not build your password from your email address")
    return None


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; refused when it cannot be an address.

    Beyond the shape ``local@domain.tld``, only the characters an address can
    hold are let through: letters and digits of any script (RFC 6531), RFC
    5322's ``atext`` symbols in the local part, hyphens and dots in the
    domain. That refuses control characters, bidi overrides, brackets and
    quotes, so an address cannot carry terminal escapes or Rich markup into an
    operator's ``ketpath audit list`` (issue 11). Quoted local parts
    (``"a b"@x``) are refused too; no one's real address needs one.
    """
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or "." not in domain or not _plain_address(local, domain):
        raise AccountError("email", _("enter an email address like name@example.org"))
    if len(cleaned) > EMAIL_LENGTH:
        raise AccountError(
            "email", _("an email address is at most %(length)s characters", length=EMAIL_LENGTH)
        )
    return cleaned


def _plain_address(local: str, domain: str) -> bool:
    local_ok = all(c.isalnum() or c in LOCAL_PART_SYMBOLS for c in local)
    domain_ok = all(c.isalnum() or c in "-." for c in domain)
    dots_ok = ".." not in local + "@" + domain and not domain.startswith(".")
    return local_ok and domain_ok and dots_ok and not domain.endswith(".")


def _lookup_address(email: str) -> str:
    """The address as stored, for finding an account (lenient: old accounts keep working)."""
    return email.strip().lower()


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        role=row.role,
        person_name=row.person_name,
        language=row.language,
    )


def set_language(db: Database, *, user_id: int, language: str | None) -> None:
    """Keep the language the person chose on their account (issue 15, point 1).

    The web layer checks ``language`` is shipped; this stores it as given, so
    the next sign-in on any device shows pages in it. None forgets the choice.
    """
    with db.unit_of_work(write=True) as uow:
        uow.users.set_language(user_id, language)
        uow.commit()


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
            raise EmailTaken
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


def sign_up(
    db: Database,
    *,
    email: str,
    password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
    timezone: str | None = None,
) -> None:
    """Self-registration of a person that does not reveal whether the address has an account.

    In an addiction app the existence of an account is itself sensitive, so the
    web's sign-up answers the same on both paths and costs the same: the
    address and password are checked first (which does not depend on who is
    registered), the password is hashed either way, and nobody is signed in.
    An existing account is left untouched. Its owner is told, by the same
    message everyone gets, to log in with the password they already have;
    a newcomer logs in with the one they just chose. (Services that can send
    mail, such as Proton or Signal's username flow, instead mail the owner; we
    keep no mail channel, and the message covers both cases.) The one
    remaining difference is a few database inserts, microseconds beside the hash.

    ``timezone`` is the zone the browser reported; a new account's profile
    starts with it (the person confirms or changes it after logging in), so
    its times are not read in UTC. An existing account's profile is left alone,
    and a name that is not an IANA zone is ignored.
    """
    try:
        user = register(db, email=email, password=password, role="person", hasher=hasher)
    except EmailTaken:
        return
    if timezone and user.person_name is not None and _known_zone(timezone):
        _start_profile(db, user, timezone)


def _known_zone(name: str) -> bool:
    return name in zoneinfo.available_timezones() or name == "UTC"


def _start_profile(db: Database, user: User, timezone: str) -> None:
    from ketpath.core.records import parse_record  # noqa: PLC0415
    from ketpath.services.records import log_record  # noqa: PLC0415 (records imports this module)

    assert user.person_name is not None
    profile = parse_record({"type": "profile", "timezone": timezone})
    log_record(db, user.person_name, profile, author=Author(user_id=user.id, role="person"))


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
    address = _lookup_address(email)
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
        row = uow.users.by_email(_lookup_address(email))
    return _user(row) if row is not None else None


def _checked_user(uow: UnitOfWork, user_id: int, password: str, hasher: PasswordHasher) -> UserRow:
    row = uow.users.get(user_id)
    if row is None or not _verify(hasher, row.password_hash, password):
        raise AccountError("current_password", _("that is not your current password"))
    return row


def check_password(
    db: Database, *, user_id: int, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> None:
    """Raise :class:`AccountError` unless ``password`` is the account's (before a sensitive change)."""
    with db.unit_of_work() as uow:
        _checked_user(uow, user_id, password, hasher)


def change_password(
    db: Database,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> str:
    """Set a new password, end every session and API token of the account; a fresh session token.

    API tokens go too: a password change is what someone does who fears their
    account was used by another, and a token taken then would outlive it.
    """
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
        uow.tokens.delete_for_user(user_id)
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


@dataclass(frozen=True, kw_only=True)
class CurrentSession:
    """A live session: whose it is, whether it is kept on its device, whether it is locked."""

    id: int
    user: User
    kept: bool
    locked: bool


def start_session(
    db: Database,
    *,
    user_id: int,
    policy: SessionPolicy | None = None,
    kept: bool = False,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new session for the user; the token goes in a cookie and nowhere else.

    Given the ``policy``, every session idle beyond it (anyone's) is deleted in
    the same transaction (:func:`purge_idle_sessions`). Such a session can no
    longer sign anyone in, but without this its row stayed for ever when its
    owner never came back. Sign-ins are rare beside page views and the delete
    is one statement, so no schedule or background task is needed.

    A ``kept`` session ("keep me signed in on this device") is labelled from
    the browser's ``user_agent`` for the Account page's list of devices.
    """
    token = secrets.token_urlsafe(32)
    moment = now or utc_now()
    label = device_label(user_agent) if kept else None
    with db.unit_of_work(write=True) as uow:
        if policy is not None:
            purge_idle_sessions(uow, policy=policy, now=moment)
        uow.sessions.create(
            user_id=user_id, token_hash=token_hash(token), now=moment, kept=kept, label=label
        )
        uow.commit()
    return token


def current_session(
    db: Database, *, token: str, policy: SessionPolicy, now: datetime | None = None
) -> CurrentSession | None:
    """The live session of ``token``, or None; an expired session is deleted.

    An ordinary session ends after ``policy.idle`` without use or
    ``policy.absolute`` after it began; a kept one only ``policy.kept`` after
    it began. A kept session of an account with a PIN that has been idle
    longer than ``policy.lock_after`` is marked locked, and stays locked
    until the PIN is given (:func:`unlock_session`), whatever is asked next.
    Its ``last_seen`` is then written often enough (at most every half of
    ``lock_after``) that a person using it is not locked out mid-use.
    """
    moment = now or utc_now()
    # Every page view asks, so without a transaction (as ``token_user``): each read sees
    # what was committed when it ran, and a session ended in between is None next time.
    with db.unit_of_work(transaction=False) as uow:
        found = uow.sessions.find(token_hash(token))
        row = uow.users.get(found.user_id) if found is not None else None
    if found is None or row is None:
        return None
    idle = moment - found.last_seen
    age = moment - found.created_at
    expired = age > policy.kept if found.kept else idle > policy.idle or age > policy.absolute
    lockable = found.kept and row.pin_hash is not None
    lock = lockable and not found.locked and idle > policy.lock_after
    interval = min(TOUCH_INTERVAL, policy.lock_after / 2) if lockable else TOUCH_INTERVAL
    touch = not (found.locked or lock) and idle >= interval
    if expired or lock or touch:
        with db.unit_of_work(write=True) as uow:
            if expired:
                uow.sessions.delete(found.id)
            elif lock:
                uow.sessions.lock(found.id)
            else:
                uow.sessions.touch(found.id, moment)
            uow.commit()
    if expired:
        return None
    return CurrentSession(
        id=found.id, user=_user(row), kept=found.kept, locked=found.locked or lock
    )


def session_user(
    db: Database, *, token: str, policy: SessionPolicy, now: datetime | None = None
) -> User | None:
    """The user of a live, unlocked session, or None; an expired session is deleted."""
    found = current_session(db, token=token, policy=policy, now=now)
    return found.user if found is not None and not found.locked else None


def end_session(db: Database, *, token: str) -> None:
    with db.unit_of_work(write=True) as uow:
        found = uow.sessions.find(token_hash(token))
        if found is not None:
            uow.sessions.delete(found.id)
        uow.commit()


def purge_idle_sessions(uow: UnitOfWork, *, policy: SessionPolicy, now: datetime) -> None:
    """Delete every session idle beyond the policy (kept ones past their lifetime), in the caller's unit of work."""
    uow.sessions.delete_idle(
        last_seen_before=now - policy.idle, kept_created_before=now - policy.kept
    )


# ---------------------------------------------------------------- kept devices and the app lock


@dataclass(frozen=True, kw_only=True)
class DeviceSession:
    """A kept session as the Account page lists it."""

    id: int
    label: str
    created_at: datetime
    last_seen: datetime
    current: bool


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A short name for a browser from its user agent ("Firefox on Android"); never the raw string.

    Only known names are taken out of the header, so whatever a client sends,
    the Account page shows one of a few fixed words.
    """
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), "A browser")
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    label = f"{browser} on {system}" if system else browser
    return label[:SESSION_LABEL_LENGTH]


def device_sessions(
    db: Database, *, user_id: int, current_id: int | None = None
) -> list[DeviceSession]:
    """The account's kept sessions, most recently used first; ``current_id`` marks this one."""
    with db.unit_of_work() as uow:
        rows = uow.sessions.kept_for_user(user_id)
    return [
        DeviceSession(
            id=row.id,
            label=row.label or "A browser",
            created_at=row.created_at,
            last_seen=row.last_seen,
            current=row.id == current_id,
        )
        for row in rows
    ]


def revoke_device_session(db: Database, *, user_id: int, session_id: int) -> None:
    """End one of the account's kept sessions; another account's is "not found"."""
    with db.unit_of_work(write=True) as uow:
        if not uow.sessions.delete_kept(user_id, session_id=session_id):
            raise AccountError("device", f"this account has no kept device {session_id}")
        uow.commit()


def revoke_device_sessions(db: Database, *, user_id: int) -> int:
    """End every kept session of the account; how many there were."""
    with db.unit_of_work(write=True) as uow:
        count = uow.sessions.delete_kept(user_id)
        uow.commit()
    return count


def pin_problem(pin: str) -> str | None:
    """Why a PIN is refused (it must be 4 to 6 digits), or None."""
    if not (MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH) or not all(
        c in "0123456789" for c in pin
    ):
        return _("a PIN is %(low)s to %(high)s digits", low=MIN_PIN_LENGTH, high=MAX_PIN_LENGTH)
    return None


def set_pin(
    db: Database,
    *,
    user_id: int,
    pin: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
    session_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Keep the app lock's PIN for the account, hashed with argon2id like a password.

    ``session_id``, the session the PIN is set from, counts as used ``now``.
    Until a PIN exists its ``last_seen`` is written at most once a minute
    (:func:`current_session`), so with a lock time shorter than that the very
    next page, the one saying the PIN is set, would otherwise be the PIN screen.
    """
    problem = pin_problem(pin)
    if problem is not None:
        raise AccountError("pin", problem)
    pin_hash = hasher.hash(pin)
    with db.unit_of_work(write=True) as uow:
        uow.users.set_pin_hash(user_id, pin_hash)
        if session_id is not None:
            uow.sessions.touch(session_id, now or utc_now())
        uow.commit()


def remove_pin(db: Database, *, user_id: int) -> None:
    """Forget the PIN: kept sessions no longer lock (and any locked one opens on its next use)."""
    with db.unit_of_work(write=True) as uow:
        uow.users.set_pin_hash(user_id, None)
        uow.sessions.unlock_for_user(user_id)
        uow.commit()


def has_pin(db: Database, *, user_id: int) -> bool:
    with db.unit_of_work() as uow:
        row = uow.users.get(user_id)
    return row is not None and row.pin_hash is not None


class PinRefused(Exception):  # noqa: N818 (reads as what happened)
    """A wrong PIN; ``left`` is how many more tries the session has."""

    def __init__(self, left: int) -> None:
        self.left = left
        super().__init__(f"wrong PIN; {left} tries left")


class SessionEnded(Exception):  # noqa: N818
    """Too many wrong PINs: the session was deleted."""


def unlock_session(
    db: Database,
    *,
    session_id: int,
    pin: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
    now: datetime | None = None,
) -> None:
    """Open a locked session with the account's PIN.

    A wrong PIN raises :class:`PinRefused`; the ``MAX_PIN_FAILURES``-th in a
    row deletes the session and raises :class:`SessionEnded`, so whoever
    holds the device must sign in with the password again.
    """
    with db.unit_of_work() as uow:
        found = uow.sessions.by_id(session_id)
        row = uow.users.get(found.user_id) if found is not None else None
    if found is None or row is None:
        raise SessionEnded
    if row.pin_hash is not None and _pin_matches(hasher, row.pin_hash, pin):
        with db.unit_of_work(write=True) as uow:
            uow.sessions.unlock(session_id, now or utc_now())
            uow.commit()
        return
    with db.unit_of_work(write=True) as uow:
        failures = uow.sessions.count_pin_failure(session_id)
        if failures >= MAX_PIN_FAILURES:
            uow.sessions.delete(session_id)
        uow.commit()
    if failures >= MAX_PIN_FAILURES:
        raise SessionEnded
    raise PinRefused(left=MAX_PIN_FAILURES - failures)


def _pin_matches(hasher: PasswordHasher, pin_hash: str, pin: str) -> bool:
    if pin_problem(pin) is not None:
        return False
    try:
        hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
    return True


# ---------------------------------------------------------------- API tokens


@dataclass(frozen=True, kw_only=True)
class ApiToken:
    """A token as the owner sees it in a list: never the token itself."""

    id: int
    label: str | None
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utc_now())


def _api_token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id, label=row.label, created_at=row.created_at, expires_at=row.expires_at
    )


def _clean_label(label: str | None) -> str | None:
    cleaned = (label or "").strip()
    if len(cleaned) > TOKEN_LABEL_LENGTH:
        raise AccountError("label", f"a label is at most {TOKEN_LABEL_LENGTH} characters")
    return cleaned or None


def create_api_token(
    db: Database, *, email: str, days: int = API_TOKEN_DAYS, label: str | None = None
) -> str:
    """A new personal access token for the account, valid ``days`` days; shown once, stored as a hash."""
    if not 1 <= days <= MAX_API_TOKEN_DAYS:
        raise AccountError("days", f"a token lasts from 1 to {MAX_API_TOKEN_DAYS} days")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utc_now()
    with db.unit_of_work(write=True) as uow:
        row = uow.users.by_email(_lookup_address(email))
        if row is None:
            raise AccountError("email", "no account with this email")
        uow.tokens.create(
            user_id=row.id,
            token_hash=token_hash(token),
            now=now,
            expires_at=now + timedelta(days=days),
            label=_clean_label(label),
        )
        uow.commit()
    return token


def token_user(db: Database, *, token: str, now: datetime | None = None) -> User | None:
    """The owner of a live (unexpired) token, or None.

    One statement, on every API request, so it runs without a transaction.
    """
    with db.unit_of_work(transaction=False) as uow:
        row = uow.tokens.user_for(token_hash(token), now=now or utc_now())
    return _user(row) if row is not None else None


def list_api_tokens(
    db: Database, *, email: str | None = None, user_id: int | None = None
) -> list[ApiToken]:
    """The account's tokens (expired ones too, marked by ``expires_at``), oldest first."""
    with db.unit_of_work() as uow:
        if user_id is None:
            row = uow.users.by_email(_lookup_address(email or ""))
            if row is None:
                raise AccountError("email", "no account with this email")
            user_id = row.id
        return [_api_token(token) for token in uow.tokens.for_user(user_id)]


def revoke_api_token(db: Database, *, user_id: int, token_id: int) -> None:
    """Delete one of the account's tokens; another account's token is "not found"."""
    with db.unit_of_work(write=True) as uow:
        if not uow.tokens.delete(token_id, user_id=user_id):
            raise AccountError("token", f"this account has no token {token_id}")
        uow.commit()


def revoke_all_api_tokens(db: Database, *, email: str) -> int:
    """Delete every token of the account; returns how many there were."""
    with db.unit_of_work(write=True) as uow:
        row = uow.users.by_email(_lookup_address(email))
        if row is None:
            raise AccountError("email", "no account with this email")
        count = uow.tokens.delete_for_user(row.id)
        uow.commit()
    return count


# ---------------------------------------------------------------- known devices


def remember_device(db: Database, *, user_id: int, token: str | None = None) -> str:
    """A device token for a browser that just logged in (kept if it already had a valid one)."""
    now = utc_now()
    with db.unit_of_work(write=True) as uow:
        if token is not None:
            held = uow.devices.find(token_hash(token), now=now)
            if held is not None and held.user_id == user_id:
                return token
        fresh = secrets.token_urlsafe(32)
        uow.devices.create(
            user_id=user_id, token_hash=token_hash(fresh), now=now, expires_at=now + DEVICE_LIFETIME
        )
        uow.devices.delete_expired(now)
        uow.commit()
    return fresh


def known_device(db: Database, *, token: str, email: str) -> int | None:
    """The device's id when ``token`` is a live device token of the account ``email``, else None."""
    with db.unit_of_work() as uow:
        found = uow.devices.find(token_hash(token), now=utc_now())
        row = uow.users.by_email(_lookup_address(email)) if found is not None else None
    if found is None or row is None or found.user_id != row.id:
        return None
    return found.id


# ---------------------------------------------------------------- recovery codes


class RecoveryRefused(Exception):  # noqa: N818 (reads as what happened)
    """Wrong email or recovery code (or a code already used); says no more than that."""


def _new_recovery_code() -> str:
    characters = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(characters[start : start + 4] for start in range(0, len(characters), 4))


def _recovery_hash(code: str) -> str:
    """The stored form of a code, however it was typed (case, spaces, hyphens ignored)."""
    folded = "".join(character for character in code.lower() if character.isalnum())
    return token_hash(f"recovery:{folded}")


def issue_recovery_codes(db: Database, *, user_id: int) -> list[str]:
    """A fresh set of recovery codes for the account, replacing any it had; shown once.

    Each code is 16 characters from a 31-letter alphabet without look-alikes
    (0/o, 1/l/i), about 79 random bits: unguessable online, and too many to
    try offline against the SHA-256 the database keeps.
    """
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with db.unit_of_work(write=True) as uow:
        uow.users.replace_recovery_codes(
            user_id, [_recovery_hash(code) for code in codes], now=utc_now()
        )
        uow.commit()
    return codes


def recovery_codes_left(db: Database, *, user_id: int) -> int:
    with db.unit_of_work() as uow:
        return uow.users.recovery_codes_left(user_id)


def recover_account(
    db: Database,
    *,
    email: str,
    code: str,
    new_password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> tuple[User, str]:
    """Spend a recovery code: set a new password, end every session and token; a new session.

    The new password is checked and hashed before anyone is looked up, so an
    unknown address and a wrong code cost the same and answer the same
    (:class:`RecoveryRefused`). The code is deleted in the same transaction
    that sets the password, so it opens the account once.
    """
    address = normalise_email(email)
    problem = password_problem(new_password, email=address)
    if problem is not None:
        raise AccountError("new_password", problem)
    new_hash = hasher.hash(new_password)
    token = secrets.token_urlsafe(32)
    with db.unit_of_work(write=True) as uow:
        row = uow.users.by_email(address)
        if row is None or not uow.users.use_recovery_code(row.id, _recovery_hash(code)):
            raise RecoveryRefused
        uow.users.set_password_hash(row.id, new_hash)
        uow.sessions.delete_for_user(row.id)
        uow.tokens.delete_for_user(row.id)
        uow.sessions.create(user_id=row.id, token_hash=token_hash(token), now=utc_now())
        uow.commit()
    return _user(row), token


def reset_password(db: Database, *, email: str, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """The operator's reset: a new random password (returned once), every session and token ended.

    Nothing of the person's records is read; their recovery codes stay valid.
    """
    password = secrets.token_urlsafe(15)
    while password_problem(password) is not None:  # pragma: no cover - astronomically rare
        password = secrets.token_urlsafe(15)
    new_hash = hasher.hash(password)
    with db.unit_of_work(write=True) as uow:
        row = uow.users.by_email(_lookup_address(email))
        if row is None:
            raise AccountError("email", "no account with this email")
        uow.users.set_password_hash(row.id, new_hash)
        uow.sessions.delete_for_user(row.id)
        uow.tokens.delete_for_user(row.id)
        uow.commit()
    return password


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

    A new bucket is first inserted full (or left alone if it exists) and only
    then read and locked: on PostgreSQL ``SELECT ... FOR UPDATE`` locks nothing
    when the row does not exist yet, so requests that arrived together on a
    fresh key each saw a full bucket (30 threads on a bucket of 5 were let
    through 25, 11 or 23 times). On SQLite the writing transaction holds the
    database's write lock, which serialises them anyway.
    """
    moment = now or utc_now()
    with db.unit_of_work(write=True) as uow:
        uow.rate_limits.create_if_missing(key, Bucket(tokens=float(capacity), updated_at=moment))
        bucket = uow.rate_limits.get(key)
        assert bucket is not None
        elapsed = max((moment - bucket.updated_at).total_seconds(), 0.0)
        level = min(float(capacity), bucket.tokens + elapsed / refill_seconds)
        if level < 1.0:
            raise RateLimited(retry_after=max(1, round((1.0 - level) * refill_seconds)))
        uow.rate_limits.update(key, Bucket(tokens=level - 1.0, updated_at=moment))
        uow.commit()


def give_back_token(db: Database, *, key: str, capacity: int) -> None:
    """Return the token an attempt spent, because the attempt succeeded.

    Login spends its token *before* the password is checked, so that many
    guesses sent at once cannot all pass a full bucket; a correct password then
    gives it back. The limit therefore counts failures only: a person who logs
    in ten times in a minute is never refused (issue 12, point 8), while
    wrong guesses empty the bucket as before.
    """
    with db.unit_of_work(write=True) as uow:
        bucket = uow.rate_limits.get(key)
        if bucket is None:
            return
        tokens = min(float(capacity), bucket.tokens + 1.0)
        uow.rate_limits.update(key, Bucket(tokens=tokens, updated_at=bucket.updated_at))
        uow.commit()
