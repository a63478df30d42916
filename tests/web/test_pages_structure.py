"""Every page: one <main>, one <h1>, a visible label for every input, no inline script or style."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketpath.core.records import Record
from ketpath.services import OPERATOR, import_records, person_entries
from ketpath.store import Database

PAGES = (
    "/",
    "/log",
    "/history",
    "/questionnaires",
    "/questionnaires/phq9",
    "/questionnaires/assist",
    "/plan",
    "/learn",
    "/learn/harms",
    "/help",
    "/export",
)
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class PageShape(HTMLParser):
    mains: int = 0
    h1s: int = 0
    controls: list[dict[str, str]] = field(default_factory=list)
    label_targets: set[str] = field(default_factory=set)
    inline_scripts: int = 0
    style_elements: int = 0
    _in_script: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "main":
            self.mains += 1
        elif tag == "h1":
            self.h1s += 1
        elif tag == "label" and "for" in attributes:
            self.label_targets.add(attributes["for"])
        elif tag in {"input", "select", "textarea"}:
            if attributes.get("type", "text") not in UNLABELLED_TYPES:
                self.controls.append(attributes)
        elif tag == "script":
            self.inline_scripts += "src" not in attributes
        elif tag == "style":
            self.style_elements += 1
        if any(key.startswith("on") for key in attributes):
            self.inline_scripts += 1


def shape_of(html: str) -> PageShape:
    parser = PageShape()
    parser.feed(html)
    return parser


def check(html: str) -> None:
    shape = shape_of(html)
    assert shape.mains == 1
    assert shape.h1s == 1
    unlabelled = [c for c in shape.controls if c.get("id") not in shape.label_targets]
    assert unlabelled == []
    assert shape.inline_scripts == 0
    assert shape.style_elements == 0


@pytest.fixture
def with_history(alice: Any, db: Database, alice_records: list[Record]) -> Any:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    return alice


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_well_formed_for_a_new_person(
    alice: Any, client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    check(response.text)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_well_formed_with_a_history(
    with_history: Any, client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    check(response.text)


def test_every_edit_form_and_delete_question_is_well_formed(
    with_history: Any, client: TestClient, db: Database
) -> None:
    kinds_seen = set()
    for entry in person_entries(db, with_history.person_name):
        if entry.record.type in {"use", "craving", "symptom", "mood", "impact", "goal"}:
            kinds_seen.add(entry.record.type)
            for page in ("edit", "delete"):
                response = client.get(f"/records/{entry.id}/{page}")
                assert response.status_code == 200
                check(response.text)
    assert kinds_seen == {"use", "craving", "symptom", "mood", "impact", "goal"}


def test_the_checker_notices_an_unlabelled_input() -> None:
    with pytest.raises(AssertionError):
        check('<main><h1>x</h1><input id="a" name="a"></main>')
