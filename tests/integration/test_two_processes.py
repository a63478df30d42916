"""Several server processes on one PostgreSQL database stay correct (issue 16, point 2).

Three real server processes share one throwaway PostgreSQL database: server
A is ``ketpath serve --workers 2`` (two worker processes behind one socket)
and server B a plain ``ketpath serve``, each on a free port. Threads hammer
both at once, released together by a barrier, and the tests then read what
was stored (rows, the audit chain, the share, the rate-limit answers):

- every acknowledged write is stored exactly once, also when the same
  keyed request is retried through the other server at the same moment;
- the audit chain, appended to by both servers at once, verifies with the
  ``ketpath audit verify`` command, one row per audited read, no fork;
- one share code raced through both servers is redeemed exactly once;
- a write through one server is in the history, History page and roster
  the other serves on its next request (each process's caches are keyed by
  a version stored in the database);
- a session opened on one server is signed in on the other, and ends on
  both when it is ended on either;
- rate limits (share-code redemption, wrong passwords) count attempts made
  through both servers together.

Nothing is timed. Accounts are made with the services (cheap argon2), so the
servers spend their time on the requests under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from integration.conftest import (
    TEST_HASHER,
    PostgresServer,
)
from ketpath.core.records import Craving
from ketpath.services import accounts, open_database, person_entries
from ketpath.services.accounts import User
from ketpath.services.audit import verify_chain
from ketpath.services.consent import create_share, redeem_code
from ketpath.store import Database
from webtest import free_port

pytestmark = pytest.mark.postgres

THREADS = 16
#: Spawned workers import the whole app afresh; on a loaded 2-core machine that took 40 s.
START_SECONDS = 240.0
Answer = TypeVar("Answer")


@dataclass(frozen=True, kw_only=True)
class Member:
    """An account made for these tests: its user, its API token and its password."""

    user: User
    token: str
    password: str

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def api(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, kw_only=True)
class Cluster:
    """The database and the two servers on it."""

    url: str
    db: Database
    a: str
    """``serve --workers 2``."""
    b: str
    """``serve`` (one process)."""

    @property
    def servers(self) -> tuple[str, str]:
        return (self.a, self.b)

    def member(self, name: str, role: str = "person") -> Member:
        password = f"{name} has a long passphrase"
        email = f"{name}@example.org"
        user = accounts.register(
            self.db, email=email, password=password, role=role, hasher=TEST_HASHER
        )
        token = accounts.create_api_token(self.db, email=email)
        return Member(user=user, token=token, password=password)


def _serve(url: str, *options: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    command = [sys.executable, "-m", "ketpath", "serve", "--port", str(port), "--db", url]
    environment = {key: value for key, value in os.environ.items() if key != "KETPATH_DB"}
    process = subprocess.Popen(
        [*command, *options],
        env={**environment, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(address, process)
    except BaseException:
        _stop(process)
        raise
    return address, process


def _wait_until_up(address: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the server exited with {process.returncode}: {errors[-2000:]}")
        try:
            if httpx.get(f"{address}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {address} did not start in {START_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _worker_processes(parent: subprocess.Popen[bytes]) -> list[int]:
    """The worker processes ``parent`` spawned (Linux /proc; not multiprocessing's own helper)."""
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


@pytest.fixture(scope="module")
def cluster(postgres_server: PostgresServer) -> Iterator[Cluster]:
    name = f"ketpath_two_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    url = postgres_server.url(name)
    started: list[subprocess.Popen[bytes]] = []
    try:
        with open_database(url) as db:  # migrated here, before either server starts
            a, first = _serve(url, "--workers", "2")
            started.append(first)
            b, second = _serve(url)
            started.append(second)
            assert len(_worker_processes(first)) == 2
            yield Cluster(url=url, db=db, a=a, b=b)
    finally:
        for process in started:
            _stop(process)
        postgres_server.drop_database(name)


def _all_at_once(calls: Sequence[Callable[[], Answer]]) -> list[Answer]:
    """Run the calls on their own threads, released together; their answers in order."""
    gate = threading.Barrier(len(calls))

    def released(call: Callable[[], Answer]) -> Answer:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def _post(base: str, path: str, *, json: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base}{path}", json=json, headers=headers, timeout=60)


def _get(base: str, path: str, *, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{base}{path}", headers=headers, timeout=60)


def _craving(number: int) -> dict[str, Any]:
    moment = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=number)
    return {"type": "craving", "time": moment.isoformat(), "intensity": number % 11}


# ---------------------------------------------------------------- (a) writes


def test_every_acknowledged_write_is_stored_exactly_once(cluster: Cluster) -> None:
    alice = cluster.member("alice")
    keys = [f"write-{number}" for number in range(120)]

    def send(number: int, server: str) -> Callable[[], httpx.Response]:
        headers = {**alice.api, "Idempotency-Key": keys[number]}
        return lambda: _post(server, "/api/v1/records", json=_craving(number), headers=headers)

    # Each key goes to one server; every fourth is sent to both at the same moment,
    # a retry that reaches the other process before the first answer came back.
    calls: list[Callable[[], httpx.Response]] = []
    sent_keys: list[str] = []
    for number in range(len(keys)):
        targets = cluster.servers if number % 4 == 0 else (cluster.servers[number % 2],)
        for server in targets:
            calls.append(send(number, server))
            sent_keys.append(keys[number])
    answers = _batched(calls)

    assert {answer.status_code for answer in answers} <= {200, 201}
    ids_by_key: dict[str, set[tuple[int, ...]]] = {}
    for key, answer in zip(sent_keys, answers, strict=True):
        ids_by_key.setdefault(key, set()).add(tuple(answer.json()["ids"]))
    assert all(len(found) == 1 for found in ids_by_key.values()), "a retry got other ids"
    acknowledged = sorted(ids[0] for (ids,) in ids_by_key.values())

    stored = person_entries(cluster.db, alice.user.person_name or "")
    assert sorted(entry.id for entry in stored) == acknowledged
    assert len(acknowledged) == len(keys)
    cravings = [entry.record for entry in stored if isinstance(entry.record, Craving)]
    assert len(cravings) == len(stored)
    assert sorted(craving.time for craving in cravings) == sorted(
        datetime.fromisoformat(str(_craving(number)["time"])) for number in range(len(keys))
    )


def _batched(calls: Sequence[Callable[[], Answer]]) -> list[Answer]:
    """The calls in rounds of ``THREADS`` released together (a barrier needs its threads)."""
    answers: list[Answer] = []
    for start in range(0, len(calls), THREADS):
        answers.extend(_all_at_once(calls[start : start + THREADS]))
    return answers


# ---------------------------------------------------------------- (b) the audit chain


def test_the_audit_chain_written_by_both_servers_verifies_with_no_fork(cluster: Cluster) -> None:
    person = cluster.member("bea")
    clinician = cluster.member("dr-cole", role="clinician")
    share = create_share(cluster.db, user=person.user)
    patient = redeem_code(cluster.db, clinician=clinician.user, code=share.code)
    stranger = cluster.member("ed")
    assert stranger.user.person_name is not None
    with cluster.db.unit_of_work() as uow:
        found = uow.people.get(stranger.user.person_name)
        assert found is not None
        not_shared = found.id

    calls: list[Callable[[], httpx.Response]] = []
    for number in range(48):
        server = cluster.servers[number % 2]
        path = {
            0: f"/api/v1/patients/{patient}/assessment",
            1: f"/api/v1/patients/{not_shared}/assessment",
            2: "/api/v1/patients",
        }[number % 3]
        calls.append(partial(_get, server, path, headers=clinician.api))
        calls.append(
            partial(_post, server, "/api/v1/records", json=_craving(number), headers=person.api)
        )
    answers = _batched(calls)
    assert Counter(answer.status_code for answer in answers) == Counter({200: 32, 404: 16, 201: 48})

    verify = subprocess.run(
        [sys.executable, "-m", "ketpath", "audit", "verify", "--db", cluster.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    verified = verify_chain(cluster.db)
    assert verified.ok
    assert verify.stdout.strip() == f"audit log intact: {verified.rows} rows"
    with cluster.db.unit_of_work() as uow:
        rows = uow.audit.rows()
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert len({row.prev_hash for row in rows}) == len(rows), "two rows follow the same row"
    by_clinician = Counter(row.action for row in rows if row.actor_id == clinician.user.id)
    assert by_clinician["read-assessment"] == 16
    assert by_clinician["patient-refused"] == 16
    assert by_clinician["read-roster"] == 16


# ---------------------------------------------------------------- (c) share codes


def test_a_share_code_raced_through_both_servers_is_redeemed_exactly_once(
    cluster: Cluster,
) -> None:
    person = cluster.member("cleo")
    clinicians = [cluster.member(f"dr-{number}", role="clinician") for number in range(6)]
    for _round in range(4):
        share = create_share(cluster.db, user=person.user)
        calls = [
            lambda clinician=clinician, server=cluster.servers[index % 2], code=share.code: _post(
                server,
                "/api/v1/shares/redeem",
                json={"code": code},
                headers=clinician.api,
            )
            for index, clinician in enumerate(clinicians)
        ]
        answers = _all_at_once(calls)
        assert sorted(answer.status_code for answer in answers) == [201, 404, 404, 404, 404, 404]
        winner = clinicians[[answer.status_code for answer in answers].index(201)]

        with cluster.db.unit_of_work() as uow:
            stored = uow.shares.get(share.id)
            links = uow.care_links.for_share(share.id)
            audit = uow.audit.rows(actions=["share-redeemed", "redeem-refused"])
        assert stored is not None
        assert stored.redeemed_by_email == winner.email
        assert [link.clinician_id for link in links] == [winner.user.id]
        mentions = Counter(row.action for row in audit if row.detail.get("share_id") == share.id)
        assert mentions == Counter({"share-redeemed": 1, "redeem-refused": 5})


# ---------------------------------------------------------------- (d) caches


def test_a_write_through_one_server_is_read_by_the_other_on_its_next_request(
    cluster: Cluster,
) -> None:
    person = cluster.member("dana")
    clinician = cluster.member("dr-dunn", role="clinician")
    share = create_share(cluster.db, user=person.user)
    patient = redeem_code(cluster.db, clinician=clinician.user, code=share.code)
    first = {"type": "mood", "time": "2026-11-02T09:00:00+00:00", "score": 6}
    assert _post(cluster.a, "/api/v1/records", json=first, headers=person.api).status_code == 201

    for writer, reader in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        # The reader's caches are warm: it has read the history and the roster already.
        before = _get(reader, "/api/v1/records", headers=person.api).json()["records"]
        _get(reader, f"/api/v1/patients/{patient}/records", headers=clinician.api)
        _get(reader, "/api/v1/patients", headers=clinician.api)

        moment = datetime(2026, 11, 3, 8, tzinfo=UTC) + timedelta(days=len(before))
        use = {"type": "use", "time": moment.isoformat(), "route": "intranasal"}
        written = _post(writer, "/api/v1/records", json=use, headers=person.api)
        assert written.status_code == 201
        new_id = written.json()["ids"][0]

        after = _get(reader, "/api/v1/records", headers=person.api).json()["records"]
        assert [record["id"] for record in after] == [
            *(record["id"] for record in before),
            new_id,
        ]
        seen_by_clinician = _get(
            reader, f"/api/v1/patients/{patient}/records", headers=clinician.api
        ).json()["records"]
        assert seen_by_clinician[-1]["id"] == new_id
        roster = _get(reader, "/api/v1/patients", headers=clinician.api).json()["patients"]
        (row,) = [row for row in roster if row["patient_id"] == patient]
        assert datetime.fromisoformat(row["last_entry"]) == moment


def test_the_history_page_of_the_other_server_shows_a_new_entry(cluster: Cluster) -> None:
    person = cluster.member("gil")
    first = {"type": "craving", "time": "2026-11-19T09:00:00+00:00", "intensity": 2}
    assert _post(cluster.b, "/api/v1/records", json=first, headers=person.api).status_code == 201
    with httpx.Client(base_url=cluster.b, timeout=60) as browser:
        login = browser.post(
            "/login",
            data={"email": person.email, "password": person.password},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        before = browser.get("/history").text
        assert "2 of 10" in before
        assert "after the fire drill" not in before
        craving = {
            "type": "craving",
            "time": "2026-11-20T09:00:00+00:00",
            "intensity": 7,
            "trigger": "after the fire drill",
        }
        written = _post(cluster.a, "/api/v1/records", json=craving, headers=person.api)
        assert written.status_code == 201
        page = browser.get("/history")
    assert page.status_code == 200
    assert "7 of 10 (after the fire drill)" in page.text


def test_a_session_opened_on_one_server_works_and_ends_on_the_other(cluster: Cluster) -> None:
    person = cluster.member("ines")
    with httpx.Client(base_url=cluster.a, timeout=60) as on_a:
        login = on_a.post(
            "/login",
            data={"email": person.email, "password": person.password},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        cookies = dict(on_a.cookies.items())
        with httpx.Client(base_url=cluster.b, timeout=60, cookies=cookies) as on_b:
            page = on_b.get("/account", follow_redirects=False)
            assert page.status_code == 200
            assert person.email in page.text
            assert on_b.post("/logout", follow_redirects=False).status_code == 303
        after = on_a.get("/account", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")


# ---------------------------------------------------------------- (e) rate limits


def test_a_rate_limit_counts_attempts_through_both_servers(cluster: Cluster) -> None:
    clinician = cluster.member("dr-frost", role="clinician")
    calls = [
        lambda server=cluster.servers[number % 2]: _post(
            server, "/api/v1/shares/redeem", json={"code": "WRONG-CODE-1"}, headers=clinician.api
        )
        for number in range(20)
    ]
    answers = _all_at_once(calls)
    # Five attempts a minute per clinician (web.clinician.REDEEM_ATTEMPTS), wherever they land.
    assert Counter(answer.status_code for answer in answers) == Counter({404: 5, 429: 15})
    refused_here = Counter(
        (server, answer.status_code)
        for server, answer in zip(
            [cluster.servers[number % 2] for number in range(20)], answers, strict=True
        )
    )
    assert refused_here[(cluster.a, 429)] + refused_here[(cluster.b, 429)] == 15
    with cluster.db.unit_of_work() as uow:
        refused = uow.audit.rows(actions=["redeem-refused"])
    assert sum(row.actor_id == clinician.user.id for row in refused) == 5


def test_the_login_limit_counts_wrong_passwords_sent_to_both_servers(cluster: Cluster) -> None:
    person = cluster.member("hana")
    calls = [
        partial(
            httpx.post,
            f"{cluster.servers[number % 2]}/login",
            data={"email": person.email, "password": "not the passphrase at all"},
            timeout=60,
        )
        for number in range(12)
    ]
    answers = _all_at_once(calls)
    # Five attempts per account, then one a minute (web.settings.Settings.login_attempts).
    assert Counter(answer.status_code for answer in answers) == Counter({400: 5, 429: 7})
    assert all(
        "Too many attempts" in answer.text for answer in answers if answer.status_code == 429
    )
