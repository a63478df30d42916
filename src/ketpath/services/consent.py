"""Consent: share codes, care links, and a clinician's reads and writes of a person's data.

A person creates a share code; a clinician who redeems it gets a care link;
the person can revoke the share (and with it the link) at any time. Every
function here that touches a person's data on a clinician's behalf checks the
link *inside the transaction that reads*, and appends the audit row in that
same transaction, so a revocation is in force from the next request and no
read goes unrecorded. Without a standing link the answer is
:class:`NoConsent`, the same for a person who does not exist, so ids reveal
nothing.

Codes: 12 symbols of Crockford's base32 (no I, L, O or U; 60 bits), shown as
``XXXX-XXXX-XXXX``; typing is forgiving (case, spaces, hyphens, O for 0, I or
L for 1). Only their SHA-256 is stored. An unsalted hash of 60 bits is
acceptable here because a code is single-use, dies after 7 days, and guessing
online is rate-limited (the entry points spend a token per attempt); a copy of
the database does not reveal live codes unless 2^60 hashes are tried.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ketpath.core.assess import Assessment, assess
from ketpath.core.records import DrugScreen, FollowUp, Note, Record
from ketpath.errors import FieldProblem
from ketpath.present.i18n import _
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, append
from ketpath.services.editing import replace_stored
from ketpath.services.quota import check_import_size, make_room
from ketpath.services.records import whole_history
from ketpath.store import Author, Database, StoredRecord, UnitOfWork
from ketpath.store.sharing import CareLinkRow, ShareRow

SHARE_LIFETIME = timedelta(days=7)
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 3
GROUP_LENGTH = 4
CODE_LENGTH = CODE_GROUPS * GROUP_LENGTH
_TYPO_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
CLINICIAN_RECORD_TYPES = ("drug-screen", "note", "follow-up")
LABEL_LENGTH = 100


class ConsentError(FieldProblem):
    """Something the user can fix, naming the field it is about."""


class CodeRefused(Exception):  # noqa: N818 (reads as what happened)
    """The code is unknown, used, revoked or expired; deliberately says no more."""


class NoConsent(Exception):  # noqa: N818
    """This clinician has no standing consent for this person (or no such person)."""


class ShareNotFound(Exception):  # noqa: N818
    """No share with that id belongs to this person."""


class NotAllowed(Exception):  # noqa: N818
    """The account's role cannot do this (a person redeeming, a clinician sharing)."""


@dataclass(frozen=True, kw_only=True)
class NewShare:
    id: int
    code: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class ShareView:
    id: int
    status: str
    """``waiting`` (not yet redeemed), ``active``, ``revoked``, ``expired`` or ``ended``."""
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    clinician_email: str | None
    revoked_at: datetime | None

    @property
    def revocable(self) -> bool:
        return self.status in {"waiting", "active"}

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "redeemed_at": self.redeemed_at.isoformat() if self.redeemed_at else None,
            "clinician_email": self.clinician_email,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True, kw_only=True)
class Patient:
    """A person as their clinician sees them: an id and the clinician's own label."""

    id: int
    label: str
    name: str


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- codes


def new_code() -> str:
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code's 12 symbols, forgiving case, separators and look-alikes; None if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t").translate(_TYPO_FIXES)
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    normalised = normalise_code(code)
    if normalised is None:
        raise ValueError("not a share code")
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- the person's side


def _own_person_id(uow: UnitOfWork, user: User) -> int:
    if user.person_name is None:
        raise NotAllowed
    person = uow.people.get(user.person_name)
    if person is None:
        raise NotAllowed
    return person.id


def create_share(db: Database, *, user: User, now: datetime | None = None) -> NewShare:
    """A new single-use code for the person; the code is returned once and stored hashed."""
    moment = now or utc_now()
    code = new_code()
    with db.unit_of_work(write=True) as uow:
        person_id = _own_person_id(uow, user)
        expires_at = moment + SHARE_LIFETIME
        share_id = uow.shares.create(
            person_id=person_id, code_hash=code_hash(code), created_at=moment, expires_at=expires_at
        )
        append(
            uow,
            action="share-created",
            actor=Actor.of(user),
            person_id=person_id,
            detail={"share_id": share_id},
            now=moment,
        )
        uow.commit()
    return NewShare(id=share_id, code=code, expires_at=expires_at)


def _status(share: ShareRow, active_links: int, now: datetime) -> str:
    if share.revoked_at is not None:
        return "revoked"
    if share.redeemed_at is not None:
        return "active" if active_links else "ended"
    return "expired" if share.expires_at <= now else "waiting"


def list_shares(db: Database, *, user: User, now: datetime | None = None) -> list[ShareView]:
    """Every share the person has made, newest first, with its status."""
    moment = now or utc_now()
    with db.unit_of_work() as uow:
        person_id = _own_person_id(uow, user)
        found = uow.shares.for_person(person_id)
        links = {share.id: len(uow.care_links.for_share(share.id)) for share in found}
    return [
        ShareView(
            id=share.id,
            status=_status(share, links[share.id], moment),
            created_at=share.created_at,
            expires_at=share.expires_at,
            redeemed_at=share.redeemed_at,
            clinician_email=share.redeemed_by_email,
            revoked_at=share.revoked_at,
        )
        for share in found
    ]


def revoke_share(db: Database, *, user: User, share_id: int, now: datetime | None = None) -> None:
    """End a share: its code stops working and its clinician loses access at once."""
    moment = now or utc_now()
    with db.unit_of_work(write=True) as uow:
        person_id = _own_person_id(uow, user)
        share = uow.shares.get(share_id)
        if share is None or share.person_id != person_id:
            raise ShareNotFound
        if share.revoked_at is None:
            uow.shares.revoke(share_id, at=moment)
            uow.care_links.revoke_for_share(share_id, at=moment)
            append(
                uow,
                action="share-revoked",
                actor=Actor.of(user),
                person_id=person_id,
                detail={"share_id": share_id},
                now=moment,
            )
        uow.commit()


# ---------------------------------------------------------------- the clinician's side


def _clinician(user: User) -> None:
    if user.role != "clinician":
        raise NotAllowed


def clean_label(label: str | None) -> str | None:
    cleaned = (label or "").strip()
    if len(cleaned) > LABEL_LENGTH:
        raise ConsentError("label", f"a label is at most {LABEL_LENGTH} characters")
    return cleaned or None


def redeem_code(
    db: Database,
    *,
    clinician: User,
    code: str,
    label: str | None = None,
    now: datetime | None = None,
) -> int:
    """Redeem a person's code; returns the patient id. Refused when unknown, used or expired."""
    _clinician(clinician)
    moment = now or utc_now()
    cleaned_label = clean_label(label)
    hashed = code_hash(code) if normalise_code(code) is not None else None
    with db.unit_of_work(write=True) as uow:
        share = uow.shares.by_code_hash(hashed) if hashed is not None else None
        usable = (
            share is not None
            and share.redeemed_at is None
            and share.revoked_at is None
            and share.expires_at > moment
            and uow.shares.mark_redeemed(share.id, by=clinician.id, at=moment)
        )
        if share is None or not usable:
            append(
                uow,
                action="redeem-refused",
                actor=Actor.of(clinician),
                detail={"share_id": share.id} if share is not None else {},
                now=moment,
            )
            uow.commit()
            raise CodeRefused
        uow.care_links.create(
            person_id=share.person_id,
            clinician_id=clinician.id,
            share_id=share.id,
            label=cleaned_label,
            created_at=moment,
        )
        append(
            uow,
            action="share-redeemed",
            actor=Actor.of(clinician),
            person_id=share.person_id,
            detail={"share_id": share.id},
            now=moment,
        )
        uow.commit()
    return share.person_id


def patient_label(link: CareLinkRow) -> str:
    return label_for(link.person_id, link.label)


def label_for(person_id: int, label: str | None) -> str:
    """What a clinician calls a patient: the link's label, or "Patient <id>" when it has none."""
    return label or _("Patient %(id)s", id=person_id)


def consented(uow: UnitOfWork, *, clinician: User, patient_id: int) -> CareLinkRow:
    """The standing link, or :class:`NoConsent` (also for persons and unknown ids)."""
    if clinician.role != "clinician":
        raise NoConsent
    link = uow.care_links.active(clinician_id=clinician.id, person_id=patient_id)
    if link is None:
        raise NoConsent
    return link


def _patient(uow: UnitOfWork, link: CareLinkRow) -> Patient:
    name = uow.roster.person_name(link.person_id)
    if name is None:
        raise NoConsent
    return Patient(id=link.person_id, label=patient_label(link), name=name)


def _whole(since: datetime | None, until: datetime | None, types: Collection[str] | None) -> bool:
    return since is None and until is None and types is None


def patient_entries(
    db: Database,
    *,
    clinician: User,
    patient_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    types: Collection[str] | None = None,
    action: str = "read-records",
) -> tuple[Patient, list[StoredRecord]]:
    """The patient's records (audited as ``action``), oldest first.

    The whole history (no filter) comes from the parsed-history cache the
    person's own pages use (``services.records.whole_history``, keyed by the
    person's ``records_version``). Before, the patient page parsed every
    stored record on every request, most of its time for five years of
    records (``benchmarks/bench_pages.py``).
    """
    with db.unit_of_work(write=True) as uow:
        link = consented(uow, clinician=clinician, patient_id=patient_id)
        patient = _patient(uow, link)
        person = uow.people.get(patient.name) if _whole(since, until, types) else None
        if person is not None:
            entries = whole_history(db, uow, person)
        else:
            entries = uow.records.for_person(patient_id, since=since, until=until, types=types)
        detail: dict[str, object] = {"count": len(entries)}
        if types is not None:
            detail["types"] = sorted(types)
        append(uow, action=action, actor=Actor.of(clinician), person_id=patient_id, detail=detail)
        uow.commit()
    return patient, entries


def patient_assessment(
    db: Database,
    *,
    clinician: User,
    patient_id: int,
    as_of: datetime | None = None,
    locale: str | None = None,
) -> Assessment:
    """The patient's assessment, as the person's own API gives it (audited)."""
    _patient, entries = patient_entries(
        db, clinician=clinician, patient_id=patient_id, action="read-assessment"
    )
    return assess([entry.record for entry in entries], as_of, locale=locale)


def check_clinician_records(records: Sequence[Record]) -> list[Record]:
    """Clinicians add drug screens, notes and red-flag follow-ups only; a note is always theirs."""
    checked: list[Record] = []
    for index, record in enumerate(records):
        if not isinstance(record, DrugScreen | Note | FollowUp):
            raise ConsentError(
                f"{index}.type",
                f"a clinician adds only {', '.join(CLINICIAN_RECORD_TYPES)} records",
            )
        if isinstance(record, Note) and record.author_role != "clinician":
            raise ConsentError(
                f"{index}.author_role", "a clinician's note has author_role clinician"
            )
        checked.append(record)
    return checked


def add_patient_records(
    db: Database, *, clinician: User, patient_id: int, records: Sequence[Record]
) -> list[int]:
    """Store clinician records (drug screens, notes) for a patient; audited with ids and kinds.

    Stored as the clinician's (``created_by``, role ``clinician``), so they are
    read-only to the person; within the person's quota like any other write.
    """
    checked = check_clinician_records(records)
    check_import_size(len(checked), db.limits)
    with db.unit_of_work(write=True) as uow:
        patient = _patient(uow, consented(uow, clinician=clinician, patient_id=patient_id))
        # Lock the person's row first, so the quota's count holds until the insert.
        locked = uow.people.lock_for_adding(patient.name)
        assert locked is not None  # the consented patient was just read
        make_room(db.limits, adding=len(checked), held=locked.records_held)
        ids = uow.records.add_many(
            patient_id,
            checked,
            author=Author(user_id=clinician.id, role="clinician"),
            version_bumped=True,
        )
        append(
            uow,
            action="write-records",
            actor=Actor.of(clinician),
            person_id=patient_id,
            detail={"ids": ids, "types": sorted({record.type for record in checked})},
        )
        uow.commit()
    return ids


def has_consent(db: Database, *, clinician: User, patient_id: int) -> bool:
    """Whether the link stands now (no data read, so nothing audited)."""
    with db.unit_of_work() as uow:
        try:
            consented(uow, clinician=clinician, patient_id=patient_id)
        except NoConsent:
            return False
    return True


class NotTheirEntry(Exception):  # noqa: N818 (reads as what the record is)
    """No record of that id that this clinician entered for this patient (alike for any other)."""


def correct_patient_record(
    db: Database, *, clinician: User, patient_id: int, record_id: int, record: Record
) -> int:
    """Replace a drug screen or note this clinician entered with ``record``; return its new id.

    A correction is a delete and an add in one transaction, like a person's own
    (``services.editing.replace_stored``), and keeps the record's ``id``, so the
    person's dispute of the entry stays beside its corrected version; audited as ``correct-record`` with both ids and the
    kind, so the person's Sharing page says what was corrected. Only the
    clinician who entered the record may correct it, and only with a record of
    the same kind; anything else is :class:`NotTheirEntry`, as a missing id is.
    """
    (checked,) = check_clinician_records([record])
    with db.unit_of_work(write=True) as uow:
        consented(uow, clinician=clinician, patient_id=patient_id)
        stored = uow.records.get(record_id)
        theirs = (
            stored is not None
            and stored.person_id == patient_id
            and stored.created_role == "clinician"
            and stored.created_by == clinician.id
            and stored.record.type == checked.type
        )
        if not theirs:
            raise NotTheirEntry
        assert stored is not None
        author = Author(user_id=clinician.id, role="clinician")
        new_id = replace_stored(uow, stored, checked, author=author)  # keeps the record's id
        append(
            uow,
            action="correct-record",
            actor=Actor.of(clinician),
            person_id=patient_id,
            detail={"record_id": record_id, "replaced_by": new_id, "type": checked.type},
        )
        uow.commit()
    return new_id
