"""The relapse-prevention plan, the Learn pages and the Help page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from ketpath.core.records import Profile, parse_record
from ketpath.knowledge import claims, sources
from ketpath.services import log_record, person_records
from ketpath.services.plans import get_plan
from ketpath.store import Database


def test_she_writes_and_reads_back_her_plan(alice: Any, client: TestClient, db: Database) -> None:
    response = client.post(
        "/plan",
        data={
            "triggers": "payday\n\n  Friday nights  ",
            "warning_signs": "skipping breakfast",
            "coping_steps": "walk to the river",
            "people_to_call": "Sam 07700 900123",
            "reasons": "my bladder\nmy job",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    plan = get_plan(db, alice.person_name)
    assert plan["triggers"] == ["payday", "Friday nights"]
    assert plan["reasons"] == ["my bladder", "my job"]
    page = client.get("/plan?saved=1").text
    assert "Plan saved." in page
    assert "walk to the river" in page
    assert "Relapse is common; aftercare reduces it" in page  # the claim behind planning


def test_a_plan_over_the_limits_is_refused_with_the_list_named(
    alice: Any, client: TestClient
) -> None:
    response = client.post("/plan", data={"triggers": "x" * 500})
    assert response.status_code == 422
    assert "Triggers:" in response.text


def test_nobody_else_sees_her_plan(alice: Any, charlie: Any, client: TestClient) -> None:
    client.post("/plan", data={"reasons": "alice-private-reason"})
    assert "alice-private-reason" not in charlie.client.get("/plan").text


def test_learn_lists_every_topic_and_explains_the_grades(alice: Any, client: TestClient) -> None:
    page = client.get("/learn").text
    for grade in ("A", "B", "C", "U", "X"):
        assert f'<span class="grade grade-{grade}">{grade}</span>' in page
    topics = {claim.topic for claim in claims().values()}
    for topic in topics:
        assert f'href="/learn/{topic}"' in page


def test_each_claim_shows_the_article_beside_the_evidence_with_grade_and_sources(
    alice: Any, client: TestClient
) -> None:
    for claim in claims().values():
        page = client.get(f"/learn/{claim.topic}").text
        start = page.index(f'id="{claim.id}"')
        article = page[start : page.index("</article>", start)]
        assert "What the article says" in article
        assert "What the evidence says" in article
        assert f"grade-{claim.grade}" in article
        for source_id in claim.sources:
            citation = str(escape(sources()[source_id].citation))  # as Jinja escapes it
            assert citation[:40] in article, (claim.id, source_id)


def test_an_unknown_topic_is_not_found(alice: Any, client: TestClient) -> None:
    assert client.get("/learn/astrology").status_code == 404


def test_help_shows_the_numbers_for_her_time_zone(
    alice: Any, client: TestClient, db: Database
) -> None:
    log_record(
        db, alice.person_name, parse_record({"type": "profile", "timezone": "America/Chicago"})
    )
    page = client.get("/help").text
    assert "911" in page
    assert "1-800-662-4357" in page
    assert "988" in page


def test_help_falls_back_to_112_and_offers_a_chooser(alice: Any, client: TestClient) -> None:
    page = client.get("/help").text
    assert "112" in page
    chosen = client.post("/help/locale", data={"locale": "UK"}, follow_redirects=True).text
    assert "999" in chosen
    assert "116 123" in chosen
    client.post("/log/symptom", data={"symptom": "chest-pain", "severity": "3"})
    dashboard = client.get("/").text
    assert "999" in dashboard[: dashboard.index("<main")]  # the flags use the chosen numbers


def test_an_unknown_locale_is_ignored(alice: Any, client: TestClient) -> None:
    page = client.post("/help/locale", data={"locale": "XX"}, follow_redirects=True).text
    assert "112" in page


def test_setting_her_time_zone_keeps_her_profile_and_changes_the_numbers(
    alice: Any, client: TestClient, db: Database
) -> None:
    log_record(db, alice.person_name, parse_record({"type": "profile", "birth_year": 1998}))
    response = client.post("/profile/timezone", data={"timezone": "Europe/London"})
    assert response.status_code == 200
    assert "999" in response.text
    assert '<option value="Europe/London" selected>' in response.text
    profile = person_records(db, alice.person_name)[-1]
    assert isinstance(profile, Profile)
    assert (profile.birth_year, profile.timezone) == (1998, "Europe/London")


def test_an_unknown_time_zone_is_refused(alice: Any, client: TestClient, db: Database) -> None:
    response = client.post("/profile/timezone", data={"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert person_records(db, alice.person_name) == []


def test_help_lists_what_each_level_means_from_the_rules(alice: Any, client: TestClient) -> None:
    page = client.get("/help").text
    assert "Call emergency services now." in page
    assert "Seizure (fit)" in page
    assert "Blood in urine" in page
