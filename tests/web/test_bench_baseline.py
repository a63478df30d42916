"""The bare app the web benchmarks measure ketpath against (``benchmarks/baseline_app.py``).

Its figures are the denominators of the benchmarks' ratios, so it must keep
doing ketpath's storage work: store the rows ketpath would store for the same
body, with the connection settings ketpath's engine uses, and read back the
rows ketpath's pages read. These tests start it as the benchmarks do (its own
uvicorn process on a free port of 127.0.0.1), so it cannot silently rot.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from ketpath.core.records import parse_record
from ketpath.services import accounts, open_database
from ketpath.services.consent import create_share, redeem_code
from ketpath.services.writes import write_records
from ketpath.store import Author, Database
from webtest import TEST_HASHING, free_port, wait_until_up

BASELINE_APP = Path(__file__).resolve().parents[2] / "benchmarks" / "baseline_app.py"
HASHER = accounts.password_hasher(TEST_HASHING)
PASSWORD = "a long enough passphrase"


@dataclass(frozen=True)
class Bare:
    url: str
    database: Path


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("baseline") / "ketpath.db"
    with open_database(str(path)) as db:
        yield db


@pytest.fixture(scope="module")
def bare(database: Database) -> Iterator[Bare]:
    path = Path(str(database.url.database))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(BASELINE_APP), "--db", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield Bare(url=url, database=path)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def person(db: Database, name: str) -> tuple[accounts.User, int]:
    """A person's account and the id of their ``people`` row."""
    user = accounts.register(db, email=f"{name}@example.org", password=PASSWORD, hasher=HASHER)
    assert user.person_name is not None
    with db.unit_of_work() as uow:
        found = uow.people.get(user.person_name)
    assert found is not None
    return user, found.id


def stored_rows(path: Path, person_id: int) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(
            "SELECT * FROM records WHERE person_id = ? ORDER BY id", (person_id,)
        ).fetchall()


def craving(number: int) -> dict[str, object]:
    return {
        "type": "craving",
        "time": f"2026-05-{number + 1:02d}T20:00:00+01:00",
        "intensity": number,
    }


def test_it_stores_ten_posted_records_and_reads_them_back(bare: Bare, database: Database) -> None:
    user, person_id = person(database, "alice")
    ids = []
    for number in range(10):
        response = httpx.post(
            f"{bare.url}/people/{person_id}/records?author={user.id}", json=craving(number)
        )
        assert response.status_code == 201, response.text
        assert response.json()["count"] == 1
        ids.extend(response.json()["ids"])

    rows = stored_rows(bare.database, person_id)
    assert [row["id"] for row in rows] == ids
    assert [row["type"] for row in rows] == ["craving"] * 10
    assert [row["time_utc"] for row in rows] == [
        f"2026-05-{number + 1:02d} 19:00:00.000000" for number in range(10)
    ]
    assert [json.loads(row["data"])["intensity"] for row in rows] == list(range(10))
    assert [row["uid"] for row in rows] == [json.loads(row["data"])["id"] for row in rows]
    assert len({row["uid"] for row in rows}) == 10
    assert {(row["created_by"], row["created_role"]) for row in rows} == {(user.id, "person")}

    read = httpx.get(f"{bare.url}/people/{person_id}/records")
    assert read.status_code == 200
    assert [(row["id"], row["data"]) for row in read.json()] == [
        (row["id"], json.loads(row["data"])) for row in rows
    ]
    counted = httpx.get(f"{bare.url}/people/{person_id}/records?answer=count")
    assert counted.json() == {"count": 10}

    # ketpath reads the bare app's rows as its own records.
    with database.unit_of_work() as uow:
        history = uow.records.for_person(person_id)
    assert [entry.id for entry in history] == ids
    assert [getattr(entry.record, "intensity", None) for entry in history] == list(range(10))


def test_its_row_is_the_row_ketpath_stores_for_the_same_body(
    bare: Bare, database: Database
) -> None:
    user, person_id = person(database, "bea")
    body = {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": 4}
    posted = httpx.post(f"{bare.url}/people/{person_id}/records?author={user.id}", json=body)
    assert posted.status_code == 201, posted.text
    assert user.person_name is not None
    write_records(
        database,
        user.person_name,
        [parse_record(body)],
        author=Author(user_id=user.id, role="person"),
    )

    bare_row, ketpath_row = stored_rows(bare.database, person_id)
    # Only the row id, the record's new UUID and the moment stored may differ.
    same = ("person_id", "type", "time_utc", "created_by", "created_role")
    assert [bare_row[column] for column in same] == [ketpath_row[column] for column in same]
    assert bare_row["time_utc"] == "2026-05-01 19:00:00.000000"
    bare_data, ketpath_data = json.loads(bare_row["data"]), json.loads(ketpath_row["data"])
    assert list(bare_data) == list(ketpath_data) == ["type", "id", "time", "intensity"]
    assert {**bare_data, "id": None} == {**ketpath_data, "id": None}
    assert (bare_data["id"], ketpath_data["id"]) == (bare_row["uid"], ketpath_row["uid"])
    assert len(bare_row["created_at"]) == len(ketpath_row["created_at"])


def test_it_connects_with_ketpaths_sqlite_settings(bare: Bare, database: Database) -> None:
    with database.engine.connect() as connection:
        ketpath = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("busy_timeout", "foreign_keys", "journal_mode", "synchronous")
        }
    assert httpx.get(f"{bare.url}/healthz").json() == ketpath


def test_it_reads_a_clinicians_standing_links_with_their_summaries(
    bare: Bare, database: Database
) -> None:
    clinician = accounts.register(
        database, email="carol@example.org", password=PASSWORD, role="clinician", hasher=HASHER
    )
    patient, person_id = person(database, "dan")
    redeem_code(database, clinician=clinician, code=create_share(database, user=patient).code)

    roster = httpx.get(f"{bare.url}/clinicians/{clinician.id}/roster")
    assert roster.status_code == 200
    assert [(row["person_id"], row["summary"]) for row in roster.json()] == [(person_id, None)]
    counted = httpx.get(f"{bare.url}/clinicians/{clinician.id}/roster?answer=count")
    assert counted.json() == {"count": 1}


def test_it_refuses_a_record_for_a_person_who_does_not_exist(bare: Bare) -> None:
    response = httpx.post(f"{bare.url}/people/999999/records", json=craving(1))
    assert response.status_code == 409
    assert "FOREIGN KEY" in response.json()["error"]


def records_version(path: Path, person_id: int) -> int:
    with sqlite3.connect(path) as connection:
        found: int = connection.execute(
            "SELECT records_version FROM people WHERE id = ?", (person_id,)
        ).fetchone()[0]
        return found


def test_it_bumps_the_persons_records_version_as_ketpath_does_for_each_post(
    bare: Bare, database: Database
) -> None:
    user, person_id = person(database, "eve")
    before = records_version(bare.database, person_id)
    for number in range(3):
        posted = httpx.post(
            f"{bare.url}/people/{person_id}/records?author={user.id}", json=craving(number)
        )
        assert posted.status_code == 201, posted.text
    assert records_version(bare.database, person_id) == before + 3
    assert user.person_name is not None
    write_records(
        database,
        user.person_name,
        [parse_record(craving(9))],
        author=Author(user_id=user.id, role="person"),
    )
    assert records_version(bare.database, person_id) == before + 4
    assert len(stored_rows(bare.database, person_id)) == 4
