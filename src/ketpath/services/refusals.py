"""Records a person's write refuses, naming the one in what they sent.

Every write path a person uses (the log forms, the API, file and FHIR
imports, the command line) goes through the record services, so a rule kept
here holds for all of them: clinic records (``services.clinic_records``) and
times in the future (issue 12, point 3: a use dated five weeks ahead was
"Saved", then ignored by every view, since nothing after now is assessed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from ketpath.core.records import Record, RecordError, future_time_problem


class RecordRefused(RecordError):  # noqa: N818 (reads as what happened)
    """One of the records sent may not be stored; ``index`` is its place in what was sent.

    ``str(error)`` reads ``line <index + 1>: <field>: <problem>``; entry points
    that know the real line (a file with blank lines) rename it with ``at_line``.
    """

    def __init__(self, problem: str, *, field: str | None, index: int) -> None:
        self.index = index
        super().__init__(problem, field=field, line=index + 1)


class FutureRecordRefused(RecordRefused):
    """A record dated after now (beyond ``core.records.FUTURE_TOLERANCE``)."""


def refuse_future_times(
    records: Iterable[tuple[int, Record]], *, now: datetime | None = None
) -> None:
    """Raise :class:`FutureRecordRefused` for the first (index, record) dated in the future."""
    moment = now if now is not None else datetime.now(UTC)
    for index, record in records:
        problem = future_time_problem(record, now=moment)
        if problem is not None:
            raise FutureRecordRefused(problem.problem, field=problem.field, index=index)
