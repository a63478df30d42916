"""The audit chain's batch hashing writes the canonical text byte for byte (issue 16.1).

``services.audit.append_many`` writes the shared part of its rows' canonical
text once per batch instead of building and sorting a dict per row; a row
whose text differed from :func:`~ketpath.services.audit.canonical_content`
would break the chain's verification.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ketpath.services.audit import Actor, _BatchCanonical, canonical_content

ACTORS = st.one_of(
    st.none(),
    st.builds(
        Actor,
        id=st.one_of(st.none(), st.integers(min_value=1)),
        email=st.one_of(st.none(), st.text()),
        role=st.one_of(st.none(), st.sampled_from(["person", "clinician", "operator"])),
    ),
)
DETAILS = st.dictionaries(
    st.text(max_size=8),
    st.one_of(
        st.integers(), st.text(), st.none(), st.lists(st.integers(), max_size=3), st.booleans()
    ),
    max_size=4,
)


def _row(actor: Actor | None, moment: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "at": moment,
        "actor_id": actor.id if actor else None,
        "actor_email": actor.email if actor else None,
        "actor_role": actor.role if actor else None,
        **fields,
    }


@given(
    actor=ACTORS,
    # From 2 January of year 1: a time at +08:00 on the 1st has no UTC date (OverflowError).
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), timezones=st.just(timezone(timedelta(hours=8)))
    ),
    action=st.text(),
    person_id=st.one_of(st.none(), st.integers()),
    detail=DETAILS,
    seq=st.integers(min_value=1),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_the_batch_text_is_the_canonical_text_of_every_row(
    *,
    actor: Actor | None,
    moment: datetime,
    action: str,
    person_id: int | None,
    detail: dict[str, Any],
    seq: int,
    prev_hash: str,
) -> None:
    row = _row(
        actor,
        moment.astimezone(UTC),
        action=action,
        person_id=person_id,
        detail=detail,
        seq=seq,
        prev_hash=prev_hash,
    )
    texts = _BatchCanonical(moment, actor)
    assert texts.content(row) == canonical_content(row)
    # The batch's own rows after its first: a hex digest before them, an int seq.
    assert texts.after_digest(row) == canonical_content(row)
    assert texts.content(row) == canonical_content(row)  # the action's kept text, again


@given(
    actor=ACTORS,
    action=st.sampled_from(["read-roster", "read-roster-entry"]),
    person_id=st.one_of(st.none(), st.integers(), st.booleans()),
    detail=DETAILS,
    seq=st.one_of(st.integers(min_value=1), st.booleans()),
    prev_hash=st.one_of(st.text(), st.text(alphabet="0123456789abcdef", min_size=64)),
)
def test_the_first_rows_text_is_the_canonical_text_whatever_the_heads_hash_and_ids(
    *,
    actor: Actor | None,
    action: str,
    person_id: int | None,
    detail: dict[str, Any],
    seq: int,
    prev_hash: str,
) -> None:
    """A head hash that is not a hex digest, or a seq that is not an int, is written by json.

    The first row of a batch follows the hash the database holds as the head.
    """
    moment = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    row = _row(
        actor,
        moment,
        action=action,
        person_id=person_id,
        detail=detail,
        seq=seq,
        prev_hash=prev_hash,
    )
    assert _BatchCanonical(moment, actor).content(row) == canonical_content(row)


def test_a_roster_entry_row_reads_as_the_canonical_text() -> None:
    actor = Actor(id=7, email="bob@example.org", role="clinician")
    moment = datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC)
    row = _row(
        actor,
        moment,
        action="read-roster-entry",
        person_id=42,
        detail={},
        seq=1001,
        prev_hash="f" * 64,
    )
    expected = (
        '{"action":"read-roster-entry","actor_email":"bob@example.org","actor_id":7,'
        '"actor_role":"clinician","at":"2026-11-30T09:15:00.123456+00:00","detail":{},'
        '"person_id":42,"prev_hash":"' + "f" * 64 + '","seq":1001}'
    )
    texts = _BatchCanonical(moment, actor)
    assert texts.content(row) == canonical_content(row) == expected
    assert texts.after_digest(row) == expected
