"""Register, log in and out, change the password, delete the account."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketpath.core.records import Record
from ketpath.services import OPERATOR, import_records, person_records
from ketpath.store import Database
from ketpath.store.tables import people, plans, records, sessions, users
from webtest import Account, Login, login


def test_it_registers_a_person_who_then_logs_in(client: TestClient, db: Database) -> None:
    response = client.post(
        "/register",
        data={"email": "Dora@Example.org ", "password": "correct horse battery"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert "your account is ready" in response.text
    assert login(client, "dora@example.org", "correct horse battery").status_code == 303
    account = client.get("/account")
    assert account.status_code == 200
    assert "dora@example.org" in account.text


def test_the_person_is_stored_under_a_handle_not_the_email(
    client: TestClient, db: Database
) -> None:
    client.post(
        "/register", data={"email": "dora@example.org", "password": "correct horse battery"}
    )
    with db.engine.connect() as connection:
        names = connection.execute(select(people.c.name)).scalars().all()
    assert len(names) == 1
    assert names[0].startswith("u-")
    assert "dora" not in names[0]


def test_it_refuses_short_and_common_passwords(client: TestClient) -> None:
    short = client.post("/register", data={"email": "d@example.org", "password": "short"})
    assert short.status_code == 400
    assert "at least 8" in short.text
    common = client.post("/register", data={"email": "d@example.org", "password": "Password1"})
    assert common.status_code == 400
    assert "most common" in common.text


def test_it_allows_long_passwords_without_composition_rules(client: TestClient) -> None:
    long_password = "all lower case and long " * 4
    response = client.post(
        "/register",
        data={"email": "d@example.org", "password": long_password},
        follow_redirects=False,
    )
    assert len(long_password) > 64
    assert response.status_code == 200
    assert login(client, "d@example.org", long_password).status_code == 303


def test_it_makes_no_second_account_with_the_same_email(
    client: TestClient, alice: Account, db: Database
) -> None:
    with TestClient(client.app, base_url="http://127.0.0.1") as other:
        response = other.post(
            "/register", data={"email": alice.email, "password": "another long passphrase"}
        )
    # The same answer as for a new address (test_security_registration_does_not_reveal_accounts).
    assert response.status_code == 200
    with db.engine.connect() as connection:
        assert len(connection.execute(select(users.c.id)).all()) == 1


def test_passwords_are_stored_as_argon2id_hashes(alice: Account, db: Database) -> None:
    with db.engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert alice.password not in stored


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    alice: Account,
    login: Login,
) -> None:
    with TestClient(alice.client.app, base_url="http://127.0.0.1") as other:
        wrong = other.post("/login", data={"email": alice.email, "password": "not the password"})
        unknown = other.post(
            "/login", data={"email": "nobody@example.org", "password": "not the password"}
        )
    assert wrong.status_code == unknown.status_code == 400
    assert "do not match an account" in wrong.text
    assert "do not match an account" in unknown.text


def test_logout_ends_the_session(alice: Account, db: Database) -> None:
    response = alice.client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert alice.client.get("/account", follow_redirects=False).status_code == 303
    with db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(sessions)).scalar_one() == 0


def test_an_old_session_cookie_does_not_work_after_logout(alice: Account) -> None:
    cookie = dict(alice.client.cookies)
    alice.client.post("/logout")
    with TestClient(alice.client.app, base_url="http://127.0.0.1", cookies=cookie) as replay:
        assert replay.get("/account", follow_redirects=False).status_code == 303


def test_changing_the_password_logs_out_other_sessions(
    alice: Account,
    login: Login,
) -> None:
    with TestClient(alice.client.app, base_url="http://127.0.0.1") as laptop:
        login(laptop, alice.email, alice.password)
        assert laptop.get("/account", follow_redirects=False).status_code == 200
        changed = alice.client.post(
            "/account/password",
            data={"current_password": alice.password, "new_password": "a brand new passphrase"},
        )
        assert changed.status_code == 200
        assert "Password changed" in changed.text
        assert laptop.get("/account", follow_redirects=False).status_code == 303
    assert alice.client.get("/account", follow_redirects=False).status_code == 200
    with TestClient(alice.client.app, base_url="http://127.0.0.1") as again:
        assert login(again, alice.email, "a brand new passphrase").status_code == 303


def test_changing_the_password_needs_the_current_one(alice: Account) -> None:
    response = alice.client.post(
        "/account/password",
        data={"current_password": "a wrong guess here", "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 400
    assert "not your current password" in response.text


def test_deleting_the_account_deletes_every_record_and_the_plan(
    alice: Account, charlie: Account, db: Database, alice_records: list[Record]
) -> None:
    from ketpath.services import save_plan

    assert alice.person_name is not None and charlie.person_name is not None
    import_records(db, alice.person_name, alice_records, create=False, author=OPERATOR)
    import_records(db, charlie.person_name, alice_records[:3], create=False, author=OPERATOR)
    save_plan(db, alice.person_name, {"triggers": ["payday"]})
    response = alice.client.post("/account/delete", data={"password": alice.password})
    assert response.status_code == 200
    assert "deleted" in response.text
    with db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(records)).scalar_one() == 3
        assert connection.execute(select(func.count()).select_from(plans)).scalar_one() == 0
        emails = connection.execute(select(users.c.email)).scalars().all()
    assert alice.email not in emails
    assert len(person_records(db, charlie.person_name)) == 3
    assert alice.client.get("/account", follow_redirects=False).status_code == 303
    with TestClient(alice.client.app, base_url="http://127.0.0.1") as again:
        refused = again.post("/login", data={"email": alice.email, "password": alice.password})
    assert refused.status_code == 400


def test_deleting_the_account_needs_the_password(alice: Account, db: Database) -> None:
    response = alice.client.post("/account/delete", data={"password": "a wrong guess here"})
    assert response.status_code == 400
    assert alice.client.get("/account").status_code == 200


def test_the_api_token_stops_working_when_the_account_is_deleted(alice: Account) -> None:
    client = alice.client
    assert client.get("/api/v1/records", headers=alice.api).status_code == 200
    client.post("/account/delete", data={"password": alice.password})
    assert client.get("/api/v1/records", headers=alice.api).status_code == 401


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_authentication_events_are_audited_without_keeping_what_was_typed(
    client: TestClient, db: Database, make_account: Callable[..., Account]
) -> None:
    from ketpath.services.audit import list_entries, verify_chain

    account = make_account("erin", role="person")
    client.post("/login", data={"email": "erin@example.org", "password": "not her password at all"})
    client.post("/login", data={"email": "nobody@example.org", "password": "whatever-it-is"})
    account.client.post("/logout")
    actions = [entry.action for entry in list_entries(db)]
    assert actions.count("login-failed") == 2
    assert "logout" in actions
    for entry in list_entries(db):
        assert "nobody@example.org" not in str(entry.to_dict())
    assert verify_chain(db).ok
