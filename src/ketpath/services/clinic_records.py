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

from collections.abc import Sequence

from ketpath.core.records import Record, RecordError, clinic_record_problem
from ketpath.store import Author, StoredRecord


class ClinicRecordRefused(RecordError):  # noqa: N818 (reads as what happened)
    """A person tried to enter a clinic record; ``index`` is its place in what they sent."""

    def __init__(self, problem: str, *, field: str | None, index: int) -> None:
        self.index = index
        super().__init__(problem, field=field, line=index + 1)


class ClinicRecordReadOnly(Exception):  # noqa: N818 (reads as what the record is)
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
    if author.role != "person":
        return
    for index, record in enumerate(records):
        problem = clinic_record_problem(record)
        if problem is not None:
            raise ClinicRecordRefused(problem.problem, field=problem.field, index=index)


def read_only_to_person(stored: StoredRecord) -> bool:
    """A clinic kind (whoever stored it) or anything a clinician entered."""
    return clinic_record_problem(stored.record) is not None or stored.created_role == "clinician"


def check_person_may_change(stored: StoredRecord, *, author: Author) -> None:
    """Raise :class:`ClinicRecordReadOnly` when a person would change a clinic record."""
    if author.role == "person" and read_only_to_person(stored):
        raise ClinicRecordReadOnly(stored.id, stored.record.type)
