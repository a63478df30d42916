"""The moment of a craving (issue 14, point 3): /craving, and the plan offered after a strong one.

Each test reads what Alice would see (the words, the ``tel:`` links, the
grades) or what was stored. The offer's threshold is read from
``knowledge/craving.toml`` here too, never written as a number.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from ketpath.core.records import Craving, parse_record
from ketpath.knowledge.craving import craving_moment
from ketpath.services import log_record, person_entries, person_records
from ketpath.store import Database
from ketpath.web.templating import environment
from web.test_pages_structure import check
from webtest import Account

PLAN = {
    "triggers": "payday",
    "warning_signs": "",
    "coping_steps": "Walk to the river\nText Sam before doing anything",
    "people_to_call": "Sam: 07700 900 123\nMum (+44 20 7946 0000)\nmy sponsor, no number yet",
    "reasons": "My bladder\nMy job",
}
OFFER = "Open your craving plan"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _main(page: str) -> str:
    return page[page.index('<main id="main"') : page.index("</main>")]


def _threshold() -> int:
    return craving_moment().offer_plan.value


def _name(account: Account) -> str:
    assert account.person_name is not None
    return account.person_name


def _uk(db: Database, account: Account) -> None:
    log_record(
        db,
        _name(account),
        parse_record({"type": "profile", "timezone": "Europe/London"}),
        create=True,
    )


def test_the_craving_page_shows_her_plan_with_tap_to_call_links(
    alice: Account, client: TestClient
) -> None:
    assert client.post("/plan", data=PLAN, follow_redirects=False).status_code == 303
    page = client.get("/craving").text
    text = _text(_main(page))
    assert "What you will do instead Walk to the river Text Sam before doing anything" in text
    assert "Your reasons My bladder My job" in text
    assert '<a class="call-link" href="tel:07700900123">' in page
    assert '<a class="call-link" href="tel:+442079460000">' in page
    assert "Call Sam 07700 900 123" in text
    assert "Call Mum +44 20 7946 0000" in text
    assert "my sponsor, no number yet" in text  # a line without a number stays as written
    assert 'href="tel:' not in page.split("my sponsor, no number yet")[0].rsplit("<li>", 1)[1]
    assert "payday" not in text  # triggers are on the Plan page, not in the moment


def test_without_a_plan_the_page_says_so_kindly_and_links_to_the_plan(
    alice: Account, client: TestClient
) -> None:
    text = _text(_main(client.get("/craving").text))
    assert "You have not written a plan yet, and that is fine." in text
    assert '<a href="/plan">Write your plan</a>' in client.get("/craving").text
    assert "Surf the urge for" in text  # the timer is there without a plan


def test_the_help_line_of_her_locale_is_shown_once(
    alice: Account, client: TestClient, db: Database
) -> None:
    _uk(db, alice)
    page = client.get("/craving").text
    assert page.count("0300 123 6600") == 1  # FRANK, the UK drugs helpline
    assert page.count('href="tel:03001236600"') == 1
    assert page.count("116 123") == 1  # Samaritans
    numbers = re.findall(r'href="tel:([^"]+)"', page)
    assert sorted(numbers) == sorted(set(numbers))


def test_with_an_emergency_flag_each_number_is_still_shown_once(
    alice: Account, client: TestClient, db: Database
) -> None:
    _uk(db, alice)
    seizure = {
        "type": "symptom",
        "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "symptom": "seizure",
        "severity": 3,
    }
    log_record(db, _name(alice), parse_record(seizure), create=True)
    page = client.get("/craving").text
    numbers = re.findall(r'href="tel:([^"]+)"', page)
    assert "999" in numbers  # the emergency is shown in full, never hidden
    assert sorted(numbers) == sorted(set(numbers))


def test_the_timer_and_the_explanation_carry_their_grades_and_sources(
    alice: Account, client: TestClient
) -> None:
    moment = craving_moment()
    page = client.get("/craving").text
    text = _text(_main(page))
    minutes = moment.urge_timer.value
    assert f"Surf the urge for {minutes} minutes" in text
    assert f'data-minutes="{minutes}"' in page
    grade = moment.urge_timer.grade
    assert f"Why {minutes} minutes: grade {grade} , sources" in text
    assert str(escape(moment.urge_timer.rationale)) in page
    assert "Urge surfing: notice where you feel the urge in your body." in text
    assert "Cravings come and go" in text and "Things to try now" in text
    assert "Grade C: animal data, case reports or expert opinion." in text
    assert "Dutra L, Stathopoulou G" in text  # a citation behind the advice
    assert '<script src="/static/urge-timer.js" defer></script>' in page


def test_opening_the_page_stores_nothing_and_one_tap_stores_the_craving_once(
    alice: Account, client: TestClient, db: Database
) -> None:
    page = client.get("/craving").text
    assert person_records(db, _name(alice)) == []
    assert 'action="/log/craving"' in page and 'name="back" value="craving"' in page
    saved = client.post(
        "/log/craving", data={"intensity": "8", "back": "craving"}, follow_redirects=False
    )
    (entry,) = person_entries(db, _name(alice))
    assert saved.headers["location"] == f"/craving?saved=1&entry={entry.id}"
    assert isinstance(entry.record, Craving) and entry.record.intensity == 8
    after = client.get(saved.headers["location"]).text
    assert "Saved. Craving: 8 of 10." in _text(after)
    assert f'action="/records/{entry.id}/undo"' in after
    assert "Your craving is logged." in _text(after)
    assert 'action="/log/craving"' not in after  # not asked twice
    assert OFFER not in after  # she is on the plan already
    undone = client.post(
        f"/records/{entry.id}/undo", data={"back": "craving"}, follow_redirects=False
    )
    assert undone.headers["location"] == "/craving?undone=1"
    assert person_records(db, _name(alice)) == []


def test_todays_craving_button_opens_the_craving_page(client: TestClient, alice: Account) -> None:
    html = environment.get_template("partials/craving_button.html").render()
    assert '<a class="big-button secondary craving-button" href="/craving">' in html
    assert _text(html) == "I'm having a craving"
    today = client.get("/").text  # Today includes it
    assert '<a class="big-button secondary craving-button" href="/craving">' in today


def test_a_craving_just_below_the_threshold_offers_no_plan(
    alice: Account, client: TestClient
) -> None:
    page = client.post("/log/craving", data={"intensity": str(_threshold() - 1)}).text
    assert "Saved. Craving:" in _text(page)
    assert OFFER not in page


def test_a_craving_at_the_threshold_offers_the_plan_and_keeps_undo(
    alice: Account, client: TestClient, db: Database
) -> None:
    page = client.post("/log/craving", data={"intensity": str(_threshold())}).text
    (entry,) = person_entries(db, _name(alice))
    assert f'<a class="big-button" href="/craving?logged=1">{OFFER}</a>' in page
    assert f'action="/records/{entry.id}/undo"' in page  # Undo still works
    offered = client.get("/craving?logged=1").text
    assert "Your craving is logged." in _text(offered)
    assert 'action="/log/craving"' not in offered  # the same craving is not asked for twice
    assert len(person_entries(db, _name(alice))) == 1


def test_the_offer_comes_back_to_today_too(
    alice: Account, client: TestClient, db: Database
) -> None:
    response = client.post(
        "/log/craving",
        data={"intensity": str(_threshold() + 1), "back": "today"},
        follow_redirects=False,
    )
    (entry,) = person_entries(db, _name(alice))
    assert response.headers["location"] == f"/?saved=1&entry={entry.id}"
    assert OFFER in client.get(response.headers["location"]).text


def test_editing_a_craving_up_to_the_threshold_offers_the_plan_on_history(
    alice: Account, client: TestClient, db: Database
) -> None:
    client.post("/log/craving", data={"intensity": "2"})
    (entry,) = person_entries(db, _name(alice))
    below = client.post(
        f"/records/{entry.id}", data={"intensity": str(_threshold() - 1)}, follow_redirects=False
    )
    assert below.headers["location"] == "/history"  # as before
    (entry,) = person_entries(db, _name(alice))
    edited = client.post(
        f"/records/{entry.id}", data={"intensity": str(_threshold())}, follow_redirects=False
    )
    (entry,) = person_entries(db, _name(alice))
    assert edited.headers["location"] == f"/history?saved=1&entry={entry.id}"
    history = client.get(edited.headers["location"]).text
    assert OFFER in history
    assert f"Saved. Craving: {_threshold()} of 10." in _text(history)
    assert "/undo" not in history  # deleting would not undo an edit


def test_the_offline_queue_answers_json_as_before(
    alice: Account, client: TestClient, db: Database
) -> None:
    response = client.post(
        "/offline/entries",
        json={
            "kind": "craving",
            "fields": [["intensity", str(_threshold() + 2)]],
            "made_at": datetime.now(UTC).isoformat(),
        },
        headers={"Idempotency-Key": "0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"ids", "count", "already_present"}
    assert [r.type for r in person_records(db, _name(alice))] == ["craving"]


def test_a_clinician_is_refused_the_craving_page(bob: Account, charlie: Any) -> None:
    assert bob.client.get("/craving").status_code == 403
    assert "alice" not in charlie.client.get("/craving").text


def test_the_timer_script_is_part_of_the_app_shell_the_worker_keeps(client: TestClient) -> None:
    assert '"/static/urge-timer.js"' in client.get("/sw.js").text


def test_the_page_is_well_formed_and_its_title_names_nothing_about_health(
    alice: Account, client: TestClient
) -> None:
    assert client.post("/plan", data=PLAN, follow_redirects=False).status_code == 303
    for path in ("/craving", "/craving?logged=1"):
        page = client.get(path).text
        check(page)  # one main, one h1, labelled inputs, no inline script or style
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title and "crav" not in title.group(1).lower()


def test_in_hong_kong_chinese_the_flags_help_lines_and_explanation_are_in_chinese(
    alice: Account, client: TestClient, db: Database
) -> None:
    """The flags, help-line names and urge-surfing text follow her language; numbers once."""
    name = _name(alice)
    log_record(
        db, name, parse_record({"type": "profile", "timezone": "Asia/Hong_Kong"}), create=True
    )
    thoughts = {
        "type": "symptom",
        "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "symptom": "suicidal-thoughts",
        "severity": 2,
    }
    log_record(db, name, parse_record(thoughts), create=True)
    client.post("/account/language", data={"language": "zh-Hant-HK"})
    page = client.get("/craving").text
    flag = re.search(r'id="flag-suicidal-thoughts">(.*?)</article>', page, re.S)
    assert flag and "現在就找人傾談" in _text(flag.group(1))
    assert "香港撒瑪利亞會（24 小時，多種語言）" in page
    assert "衝動衝浪" in _text(_main(page))
    assert "Urge surfing" not in page
    numbers = re.findall(r'href="tel:([^"]+)"', page)
    assert "999" in numbers and sorted(numbers) == sorted(set(numbers))
