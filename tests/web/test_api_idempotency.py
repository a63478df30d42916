"""Retrying an API write never doubles a record (issue 12, point 1).

With an ``Idempotency-Key`` header a retry gets the first answer back
(``Idempotent-Replayed: true``) and stores nothing; the same key with another
body is refused; keys belong to one account. Records sent with ids the person
already has are not stored again, and a write that stored nothing answers 200.
"""

from __future__ import annotations

from typing import Any

from ketpath.services import person_records
from ketpath.store import Database
from webtest import Account

RECORDS = [
    {"type": "use", "time": "2026-05-01T23:10:00+01:00", "dose_mg": 60},
    {"type": "mood", "time": "2026-05-02T10:00:00+01:00", "score": 4},
]
KEY = "5f0c3a52-9a2b-4c8e-8d43-0e6b1f1c2a77"


def _post(account: Account, body: Any, key: str | None = KEY) -> Any:
    headers = {**account.api, **({"Idempotency-Key": key} if key is not None else {})}
    return account.client.post("/api/v1/records", json=body, headers=headers)


def _stored_count(db: Database, account: Account) -> int:
    assert account.person_name is not None
    return len(person_records(db, account.person_name))


def test_a_retry_with_the_same_key_gets_the_same_ids_back_and_stores_once(
    alice: Account, db: Database
) -> None:
    first = _post(alice, RECORDS)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    retry = _post(alice, RECORDS)
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert (first.json()["count"], first.json()["already_present"]) == (2, 0)
    assert _stored_count(db, alice) == 2


def test_the_same_key_with_another_body_is_refused_and_stores_nothing(
    alice: Account, db: Database
) -> None:
    assert _post(alice, RECORDS).status_code == 201
    other = [{**RECORDS[1], "score": 5}]
    response = _post(alice, other)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["header", "Idempotency-Key"]
    assert problem["msg"] == (
        "this idempotency key was used for a different request in the last 24 hours;"
        " send a new key with new records"
    )
    assert _stored_count(db, alice) == 2


def test_a_key_from_another_account_does_not_replay(
    alice: Account, charlie: Account, db: Database
) -> None:
    hers = _post(alice, RECORDS)
    his = _post(charlie, RECORDS)
    assert his.status_code == 201
    assert "Idempotent-Replayed" not in his.headers
    assert set(his.json()["ids"]).isdisjoint(hers.json()["ids"])
    assert (_stored_count(db, alice), _stored_count(db, charlie)) == (2, 2)


def test_without_a_key_a_repeated_post_stores_again(alice: Account, db: Database) -> None:
    """Records without ids are new each time: the key is what makes a retry safe."""
    assert _post(alice, RECORDS, key=None).status_code == 201
    assert _post(alice, RECORDS, key=None).status_code == 201
    assert _stored_count(db, alice) == 4


def test_records_she_already_has_are_not_stored_again_and_the_answer_is_200(
    alice: Account, db: Database
) -> None:
    with_ids = [{**record, "id": f"phone-{n}"} for n, record in enumerate(RECORDS)]
    first = _post(alice, with_ids, key=None)
    assert first.status_code == 201
    again = _post(alice, with_ids, key=None)
    assert again.status_code == 200
    assert again.json() == {"ids": first.json()["ids"], "count": 0, "already_present": 2}
    one_new = [*with_ids, {**RECORDS[1], "id": "phone-2", "score": 6}]
    mixed = _post(alice, one_new, key=None)
    assert mixed.status_code == 201
    assert (mixed.json()["count"], mixed.json()["already_present"]) == (1, 2)
    assert mixed.json()["ids"][:2] == first.json()["ids"]
    assert _stored_count(db, alice) == 3
