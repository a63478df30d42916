"""The practical help pages in Learn, read as a person sees them."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from ketpath.knowledge import rules, sources, vocabulary
from ketpath.knowledge.load import GRADE_MEANINGS, practical_pages
from ketpath.present.practical import statement_text


def _text(html: str) -> str:
    """The visible words of an HTML fragment, tags dropped and spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _statements(page: str) -> list[str]:
    """Each rendered statement block of a practical page."""
    return re.findall(r'<div class="statement">(.*?)</details>', page, flags=re.S)


def _list_items(page: str, level: str, group: str) -> list[str]:
    found = re.search(
        rf'<ul class="symptom-list" data-level="{level}" data-group="{group}">(.*?)</ul>',
        page,
        flags=re.S,
    )
    assert found, (level, group)
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), flags=re.S)]


def test_learn_offers_every_practical_page_beside_the_article_audit(
    alice: Any, client: TestClient
) -> None:
    page = client.get("/learn").text
    text = _text(page)
    assert text.index("Practical help") < text.index("The article, checked")
    for practical in practical_pages().values():
        assert f'href="/learn/{practical.id}"' in page
        assert practical.title in text
        grades = sorted({statement.grade for statement in practical.statements()})
        card = page[page.index(f'href="/learn/{practical.id}"') :]
        card = card[: card.index("</li>")]
        shown = re.findall(r'<span class="grade grade-([A-Z])">', card)
        assert shown == grades, practical.id


def test_each_statement_shows_its_words_grade_and_sources(alice: Any, client: TestClient) -> None:
    for practical in practical_pages().values():
        page = client.get(f"/learn/{practical.id}").text
        blocks = _statements(page)
        statements = list(practical.statements())
        assert len(blocks) == len(statements), practical.id
        for block, statement in zip(blocks, statements, strict=True):
            assert statement_text(statement) in _text(block)
            assert f'<span class="grade grade-{statement.grade}"' in block
            assert f"Grade {statement.grade}: {GRADE_MEANINGS[statement.grade]}." in _text(block)
            for source_id in statement.sources:
                citation = str(escape(sources()[source_id].citation))  # as Jinja escapes it
                assert citation in block, (practical.id, source_id)


def test_the_bladder_page_says_go_now_for_the_emergency_urinary_symptoms_of_the_rules(
    alice: Any, client: TestClient
) -> None:
    urinary = vocabulary().symptom_group("urinary")
    emergency = [
        vocabulary().label("symptoms", symptom)
        for flag in rules().red_flags.values()
        if flag.level == "emergency"
        for symptom in flag.symptom_members()
        if symptom in urinary
    ]
    page = client.get("/learn/bladder-care").text
    assert sorted(_list_items(page, "emergency", "urinary")) == sorted(emergency)
    section = _text(page[page.index("Go now: emergency") : page.index("Get medical care today")])
    assert "Go to an emergency department now" in section


def test_the_bladder_page_quotes_the_days_of_the_persistent_symptom_flag(
    alice: Any, client: TestClient
) -> None:
    rule = rules().red_flags["persistent-urinary-symptoms"]
    text = _text(client.get("/learn/bladder-care").text)
    assert f"on {rule.min_days} days or more within {rule.window_days} days" in text


def test_the_craving_page_sends_her_to_her_own_plan(alice: Any, client: TestClient) -> None:
    page = client.get("/learn/when-a-craving-hits").text
    assert '<a href="/plan">Open your plan</a>' in page
    text = _text(page)
    for step in ("Urge surfing", "Delay", "Distract yourself"):
        assert step in text


def test_the_stopping_page_shows_every_red_flag_level_and_what_to_do(
    alice: Any, client: TestClient
) -> None:
    text = _text(client.get("/learn/cutting-down-or-stopping").text)
    assert "ketpath will not tell you how much to take" in text
    for level in rules().red_flag_levels.values():
        assert level.label in text
        assert level.action in text
    assert "Bladder symptoms that keep coming back" in text  # a sign of the "this week" level


def test_a_practical_page_is_for_signed_in_people_only(client: TestClient) -> None:
    response = client.get("/learn/bladder-care", follow_redirects=False)
    assert response.status_code == 303
    assert "/login" in response.headers["location"]


def test_each_practical_page_has_one_main_one_h1_and_no_inline_style(
    alice: Any, client: TestClient
) -> None:
    for practical in practical_pages().values():
        page = client.get(f"/learn/{practical.id}").text
        assert page.count("<main") == 1
        assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == [practical.title]
        assert " style=" not in page
