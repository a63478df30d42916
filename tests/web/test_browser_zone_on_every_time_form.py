"""Every form that takes a time reads it in the browser's offset while no zone is set (issue 12, point 3).

Only /log did: a time typed on the edit form or on a questionnaire was read in
UTC, so in Berlin "23:10" was stored two hours late. Now all three read the
hidden ``utc_offset`` the same way (``record_forms.form_zone``), and the edit
form hands the stored time to the browser to show in that same offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ketpath.core.records import Profile, Questionnaire, Use, record_time
from ketpath.services import Author, log_record, person_entries, person_records
from ketpath.store import Database
from webtest import Account


def _as_alice(alice: Account) -> Author:
    return Author(user_id=alice.user_id, role="person")


def _one_use(alice: Account, db: Database) -> int:
    assert alice.person_name is not None
    use = Use(time=datetime(2026, 5, 1, 21, 10, tzinfo=UTC), route="oral")
    log_record(db, alice.person_name, use, create=True, author=_as_alice(alice))
    (entry,) = [e for e in person_entries(db, alice.person_name) if isinstance(e.record, Use)]
    return entry.id


def _stored_use(alice: Account, db: Database) -> Use:
    assert alice.person_name is not None
    (use,) = [r for r in person_records(db, alice.person_name) if isinstance(r, Use)]
    return use


def _phq9_items(alice: Account) -> dict[str, str]:
    form = alice.client.get("/questionnaires/phq9").text
    names = sorted(set(re.findall(r'name="(item-[^"]+)"', form)))
    return {name: "1" for name in names}


def test_a_time_typed_on_the_edit_form_is_read_in_the_browsers_offset(
    alice: Account, db: Database
) -> None:
    record_id = _one_use(alice, db)
    form = alice.client.get(f"/records/{record_id}/edit").text
    assert 'name="utc_offset"' in form and "/static/browser-zone.js" in form
    assert "this device's, until you set one on the Account page" in form
    response = alice.client.post(
        f"/records/{record_id}",
        data={"time": "2026-05-01T23:40", "utc_offset": "120", "route": "oral"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert record_time(_stored_use(alice, db)) == datetime(2026, 5, 1, 21, 40, tzinfo=UTC)


def test_the_edit_form_gives_the_browser_the_stored_time_to_show_in_its_offset(
    alice: Account, db: Database
) -> None:
    record_id = _one_use(alice, db)
    form = alice.client.get(f"/records/{record_id}/edit").text
    (time_input,) = re.findall(r'<input type="datetime-local" id="edit-time"[^>]*>', form)
    assert 'value="2026-05-01T21:10"' in time_input  # UTC, what a browser without script sends back
    assert 'data-browser-local-time="2026-05-01T21:10:00+00:00"' in time_input


def test_with_a_zone_the_edit_form_reads_times_in_it_and_ignores_the_offset(
    alice: Account, db: Database
) -> None:
    assert alice.person_name is not None
    record_id = _one_use(alice, db)
    log_record(db, alice.person_name, Profile(timezone="America/New_York"), author=_as_alice(alice))
    form = alice.client.get(f"/records/{record_id}/edit").text
    assert 'name="utc_offset"' not in form and "data-browser-local-time" not in form
    assert 'value="2026-05-01T17:10"' in form and "your time zone: America/New_York" in form
    alice.client.post(
        f"/records/{record_id}", data={"time": "2026-05-01T18:10", "utc_offset": "120"}
    )
    assert record_time(_stored_use(alice, db)) == datetime(2026, 5, 1, 22, 10, tzinfo=UTC)


def test_a_time_typed_on_a_questionnaire_is_read_in_the_browsers_offset(
    alice: Account, db: Database
) -> None:
    assert alice.person_name is not None
    form = alice.client.get("/questionnaires/phq9").text
    assert 'name="utc_offset"' in form and 'name="time"' in form
    assert "/static/browser-zone.js" in form
    response = alice.client.post(
        "/questionnaires/phq9",
        data={**_phq9_items(alice), "time": "2026-05-01T23:10", "utc_offset": "-300"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (answered,) = [r for r in person_records(db, alice.person_name) if isinstance(r, Questionnaire)]
    assert record_time(answered) == datetime(2026, 5, 2, 4, 10, tzinfo=UTC)


def test_a_refused_questionnaire_keeps_the_typed_time(alice: Account) -> None:
    response = alice.client.post(
        "/questionnaires/phq9", data={"time": "2026-05-01T23:10", "utc_offset": "-300"}
    )
    assert response.status_code == 422
    assert 'value="2026-05-01T23:10"' in response.text
