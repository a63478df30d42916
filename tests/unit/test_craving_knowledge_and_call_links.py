"""The moment of a craving as data and pure views: knowledge/craving.toml and present.craving.

The thresholds are graded data the loader checks; a plan's "people to call"
lines become names and exact ``tel:`` links; nothing on the page gives a dose.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ketpath.core.records import Craving, Mood
from ketpath.knowledge import KnowledgeError, load, sources
from ketpath.knowledge.craving import craving_moment
from ketpath.present.craving import (
    call_link,
    craving_contacts,
    craving_page_view,
    offers_craving_plan,
)
from unit.test_practical_pages import dosing_problems

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LOADERS = (load.sources, load.claims, load.rules, load.vocabulary, load.practical_pages)


def test_both_defaults_are_graded_sourced_and_say_they_are_the_projects_choice() -> None:
    moment = craving_moment()
    known = sources()
    for default in (moment.offer_plan, moment.urge_timer):
        assert default.grade == "C"  # no study sets either number for ketamine
        assert "ketpath-defaults" in default.sources
        assert all(source in known for source in default.sources)
        assert "choice" in default.rationale


def test_the_plan_is_offered_from_the_threshold_up_and_only_for_a_craving() -> None:
    threshold = craving_moment().offer_plan.value
    assert not offers_craving_plan(Craving(time=NOW, intensity=threshold - 1))
    assert offers_craving_plan(Craving(time=NOW, intensity=threshold))
    assert offers_craving_plan(Craving(time=NOW, intensity=10))
    assert not offers_craving_plan(Mood(time=NOW, score=10))


@pytest.mark.parametrize(
    ("line", "name", "number", "href"),
    [
        ("Sam 07700 900123", "Sam", "07700 900123", "tel:07700900123"),
        ("Sam: 07700 900 123", "Sam", "07700 900 123", "tel:07700900123"),
        ("Mum (+44 20 7946 0000)", "Mum", "+44 20 7946 0000", "tel:+442079460000"),
        ("Dr Lee - (020) 7946-0000", "Dr Lee", "(020) 7946-0000", "tel:02079460000"),
        ("Ali +44 (0)20 7946 0000", "Ali", "+44 (0)20 7946 0000", "tel:+442079460000"),
        ("Jo 1-800-662-4357 evenings", "Jo evenings", "1-800-662-4357", "tel:18006624357"),
        ("Samaritans 116 123", "Samaritans", "116 123", "tel:116123"),
        ("Flat 2, Sam 07700900123", "Flat 2, Sam", "07700900123", "tel:07700900123"),
        ("07700 900123", "07700 900123", "07700 900123", "tel:07700900123"),
    ],
)
def test_a_people_to_call_line_becomes_a_name_and_a_dialable_link(
    line: str, name: str, number: str, href: str
) -> None:
    assert call_link(line) == {"name": name, "number": number, "href": href}


@pytest.mark.parametrize(
    "line", ["my sponsor", "Sam (ask at group)", "Ana 12", "x 1234567890123456"]
)
def test_a_line_without_a_phone_number_has_no_link(line: str) -> None:
    assert call_link(line) == {"name": line, "number": None, "href": None}


def test_the_help_lines_of_a_craving_are_the_drugs_and_crisis_lines() -> None:
    contacts = [
        {"kind": "emergency", "name": "Emergency", "number": "999"},
        {"kind": "crisis", "name": "Samaritans", "number": "116 123"},
        {"kind": "helpline", "name": "FRANK", "number": "0300 123 6600"},
        {"kind": "urgent-care", "name": "NHS 111", "number": "111"},
    ]
    assert [c["name"] for c in craving_contacts(contacts)] == ["Samaritans", "FRANK"]


def test_a_number_in_her_plan_is_not_repeated_among_the_help_lines() -> None:
    plan = {"people_to_call": ["Samaritans 116-123"]}
    contacts = [
        {"kind": "crisis", "name": "Samaritans", "number": "116 123"},
        {"kind": "helpline", "name": "FRANK", "number": "0300 123 6600"},
    ]
    view = craving_page_view(plan, contacts)
    assert [c["name"] for c in view["help_contacts"]] == ["FRANK"]
    assert view["has_plan"]


def test_the_explanation_is_the_graded_practical_page_and_gives_no_dose() -> None:
    view = craving_page_view({}, [])
    assert not view["has_plan"]
    assert [s["heading"] for s in view["explanation"]] == list(craving_moment().sections)
    statements = [item for section in view["explanation"] for item in section["statements"]]
    assert statements and all(item["grade"] and item["sources"] for item in statements)
    texts = [item["text"] for item in statements]
    texts += [view["timer"]["rationale"], view["offer"]["rationale"]]
    assert [problem for text in texts for problem in dosing_problems(text)] == []


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the real knowledge base whose craving.toml each test rewrites."""
    for loader in (*LOADERS, craving_moment):
        loader.cache_clear()
    copy = tmp_path / "knowledge"
    shutil.copytree(load.KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(load, "KNOWLEDGE_DIR", copy)
    yield copy
    for loader in (*LOADERS, craving_moment):
        loader.cache_clear()


def _refused(directory: Path, old: str, new: str) -> str:
    path = directory / "craving.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        craving_moment()
    message = str(raised.value)
    assert message.startswith("knowledge/craving.toml"), message
    return message


def test_a_section_the_practical_page_lacks_is_refused(knowledge_dir: Path) -> None:
    message = _refused(knowledge_dir, '"Things to try now"', '"Things nobody wrote"')
    assert "Things nobody wrote" in message


def test_an_unknown_source_is_refused(knowledge_dir: Path) -> None:
    assert "nobody-2030" in _refused(knowledge_dir, '"dsm5-tr", ', '"nobody-2030", ')


def test_a_threshold_off_the_craving_scale_is_refused(knowledge_dir: Path) -> None:
    assert "value" in _refused(knowledge_dir, "value = 7", "value = 11")
