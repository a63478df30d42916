"""A clinician's own menu, a patient's PDF summary, and flags about the person (issue 12, point 6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.services.audit import list_entries
from ketpath.store import Database
from webtest import Account, share_records


def _menu(page: str, label: str = "Main") -> list[str]:
    """The words of each link and button of one navigation (an icon beside them has none)."""
    nav = re.search(rf'<nav class="[^"]*" aria-label="{label}">(.*?)</nav>', page, re.S)
    assert nav is not None
    items = re.findall(r"<a [^>]*>(.*?)</a>|<button[^>]*>(.*?)</button>", nav.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", link or button).split()) for link, button in items]


def test_a_clinician_has_a_menu_of_his_own(bob: Account) -> None:
    menu = _menu(bob.client.get("/patients").text)
    assert menu == ["Patients", "Redeem a code", "Account", "Log out"]


def test_a_person_has_no_clinicians_menu(alice: Account) -> None:
    menu = _menu(alice.client.get("/").text)
    assert "Patients" not in menu
    assert menu == ["Today", "Log", "History", "Plan", "More"]
    more = alice.client.get("/more").text
    # More ends with her own sharing and the first-run steps, never a clinician's pages.
    assert _menu(more, "More")[-2:] == ["Sharing", "Getting started"]
    assert "Patients" not in _menu(more, "More")
    assert "Log out</span></button>" in more


def test_the_patient_page_offers_the_pdf_summary_and_it_is_audited(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    page = bob.client.get(f"/patients/{patient_id}").text
    assert f'action="/patients/{patient_id}/report.pdf"' in page
    pdf = bob.client.get(
        f"/patients/{patient_id}/report.pdf", params={"start": "2026-01-01", "end": "2026-01-31"}
    )
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "no-store"
    [row] = [entry for entry in list_entries(db) if entry.action == "read-report"]
    assert (row.person_id, row.actor_email) == (patient_id, bob.email)
    assert "downloaded a PDF summary of your records" in alice.client.get("/sharing").text


def test_the_pdf_summary_needs_consent(
    alice: Account, bob: Account, dana: Account, db: Database
) -> None:
    patient_id = share_records(alice, bob).patient_id
    assert dana.client.get(f"/patients/{patient_id}/report.pdf").status_code == 404
    assert alice.client.get(f"/patients/{patient_id}/report.pdf").status_code == 404
    assert [e for e in list_entries(db) if e.action == "read-report"] == []


def test_a_period_that_ends_before_it_starts_is_refused(alice: Account, bob: Account) -> None:
    patient_id = share_records(alice, bob).patient_id
    response = bob.client.get(
        f"/patients/{patient_id}/report.pdf", params={"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 422


def test_flags_on_the_patient_page_speak_about_the_person_not_to_them(
    alice: Account, bob: Account, db: Database
) -> None:
    assert alice.person_name is not None
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    records = [
        parse_record(
            {
                "type": "questionnaire",
                "time": yesterday,
                "instrument": "phq9",
                "answers": [1, 1, 1, 1, 1, 1, 1, 1, 2],
            }
        ),
        parse_record(
            {"type": "symptom", "time": yesterday, "symptom": "suicidal-thoughts", "severity": 2}
        ),
    ]
    import_records(db, alice.person_name, records, create=False)
    patient_id = share_records(alice, bob).patient_id
    page = bob.client.get(f"/patients/{patient_id}").text
    assert 'id="flag-phq9-item9"' in page
    messages = re.findall(r'<p class="flag-message">([^<]*)</p>', page)
    assert messages
    for message in messages:
        assert not message.startswith(("You", "In your", "Your")), message
    # Where the flag's words are the person's, they are quoted as such.
    assert "What ketpath told the person" in page
    assert '<p class="flag-evidence"><strong>From:</strong>' in page
