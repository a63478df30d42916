"""Clinic records: what a person may not enter, change or delete (issue 11, point 1).

Drug screens and a clinician's notes are the clinic's word about the person:
a negative screen earns a reward, a positive one resets the run, and a note
speaks for the clinician. A person could once post them through the API and
imports, and delete the clinic's, unaudited. Now every person entry point
refuses them (:func:`refuse_clinic_records`, all or nothing), and a record
that is a clinic kind or was entered by a clinician is read-only to the person
(:func:`read_only_to_person`). The kinds are defined once, in
``core.records.clinic_record_problem``; an operator restoring a backup from the
command line may still store them (``ketpath import --clinic-records``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ketpath.core.records import Record, clinic_owned, clinic_record_problem
from ketpath.errors import BadInput
from ketpath.services.refusals import RecordRefused
from ketpath.store import Author, StoredRecord


class ClinicRecordRefused(RecordRefused):
    """A person tried to enter a clinic record; ``index`` is its place in what they sent."""


class ClinicRecordReadOnly(BadInput):
    """A person tried to change or delete a record the clinic entered."""

    def __init__(self, record_id: int, record_type: str) -> None:
        self.record_id = record_id
        self.record_type = record_type
        super().__init__(
            f"record {record_id} ({record_type}) was entered by your clinic;"
            " only the clinic can change or delete it"
        )


def refuse_clinic_records(records: Sequence[Record], *, author: Author) -> None:
    """Raise :class:`ClinicRecordRefused` for the first clinic record, unless a clinician or operator enters them."""
    refuse_new_clinic_records(enumerate(records), author=author)


def refuse_new_clinic_records(pairs: Iterable[tuple[int, Record]], *, author: Author) -> None:
    """As :func:`refuse_clinic_records`, for (index, record) pairs: the new ones of what was sent.

    A clinic record the person already has (re-importing their own export) is
    no new entry, so only the new ones are checked.
    """
    if author.role != "person":
        return
    for index, record in pairs:
        problem = clinic_record_problem(record)
        if problem is not None:
            raise ClinicRecordRefused(problem.problem, field=problem.field, index=index)


def read_only_to_person(stored: StoredRecord) -> bool:
    """A clinic kind (whoever stored it) or anything a clinician entered."""
    return clinic_owned(stored.record, stored.created_role)


def check_person_may_change(stored: StoredRecord, *, author: Author) -> None:
    """Raise :class:`ClinicRecordReadOnly` when a person would change a clinic record."""
    if author.role == "person" and read_only_to_person(stored):
        raise ClinicRecordReadOnly(stored.id, stored.record.type)
