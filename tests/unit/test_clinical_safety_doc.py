"""docs/clinical-safety.md is the knowledge files in words, and cannot fall behind them."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from ketpath.core.assess.redflags import COUNTED
from ketpath.knowledge import helplines, rules, vocabulary
from ketpath.knowledge.load import sources
from ketpath.knowledge.safety_doc import (
    COUNTED_CONDITIONS,
    DOC_PATH,
    REGENERATE,
    clinical_safety_markdown,
    shipped_helplines,
)

DOC = Path(__file__).resolve().parents[2] / DOC_PATH


@pytest.fixture(scope="module")
def text() -> str:
    return clinical_safety_markdown()


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``, without its header and rule lines."""
    lines = text.split(f"\n{heading}", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_the_committed_doc_is_what_the_generator_writes(text: str) -> None:
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if committed != text:
        diff = difflib.unified_diff(
            committed.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(
            f"{DOC_PATH} is out of date with src/ketpath/knowledge/: run `{REGENERATE}` "
            f"and commit the result.\n{shown}"
        )


def test_the_flag_table_lists_every_flag_id_in_rules_order(text: str) -> None:
    listed = [row[0].strip("`") for row in table_rows(text, "## Red flags")]
    assert listed == list(rules().flag_ids())


def test_every_rule_has_a_section_that_names_its_flags_level_and_sources(text: str) -> None:
    for rule_id, rule in rules().red_flags.items():
        section = text.split(f"### Rule `{rule_id}`\n", 1)[1].split("\n### ", 1)[0]
        flag_ids = rule.symptom_members() if rule.raised_by_symptom else (rule_id,)
        for flag_id in flag_ids:
            assert f"`{flag_id}`" in section
        assert f"- **Level:** `{rule.level}`" in section
        assert f"**window:** {rule.window_days} days" in section
        assert rule.message in section
        for source_id in rule.sources:
            assert sources()[source_id].citation in section


def test_a_counted_rule_without_a_description_cannot_reach_the_page() -> None:
    assert set(COUNTED_CONDITIONS) == set(COUNTED)
    counted = {key for key, rule in rules().red_flags.items() if not rule.raised_by_symptom}
    assert counted == set(COUNTED)


def test_emergencies_say_they_cannot_be_cleared_in_their_window(text: str) -> None:
    for rule_id, rule in rules().red_flags.items():
        section = text.split(f"### Rule `{rule_id}`\n", 1)[1].split("\n### ", 1)[0]
        cleared = "**Cleared by:** nothing while its evidence is inside its window"
        assert (cleared in section) == (rule.level == "emergency"), rule_id


def test_every_locale_and_every_number_is_listed(text: str) -> None:
    shipped = shipped_helplines()
    for key, locale in shipped.locales.items():
        heading = f"### `{key}`: {locale.name}"
        assert heading in text
        numbers = [row[2] for row in table_rows(text, heading)]
        assert numbers == [contact.number for contact in locale.contacts]
        assert f"- **Checked:** {locale.checked.isoformat()}" in text
    assert f"The default locale is `{shipped.default}`" in text


def test_every_follow_up_outcome_and_course_phase_is_listed(text: str) -> None:
    outcomes = [row[0].strip("`") for row in table_rows(text, "## Follow-up")]
    assert outcomes == list(vocabulary().follow_up_outcomes)
    phases = [row[0].strip("`") for row in table_rows(text, "## The course after stopping")]
    assert phases == [phase.id for phase in rules().course.phases]


def test_the_page_shows_the_shipped_help_lines_whatever_the_deployment_sets(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "helplines.toml"
    local.write_text(
        'default = "X"\n[locales.X]\nname = "Somewhere"\nzones = []\nsources = ["ketpath-defaults"]\n'
        "checked = 2026-01-01\ncontacts = [\n"
        '  { kind = "emergency", name = "E", number = "1" },\n'
        '  { kind = "crisis", name = "C", number = "2" },\n]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("KETPATH_HELPLINES", str(local))
    helplines.cache_clear()
    try:
        assert list(helplines().locales) == ["X"]
        assert clinical_safety_markdown() == text
    finally:
        monkeypatch.delenv("KETPATH_HELPLINES")
        helplines.cache_clear()


def test_no_line_ends_in_whitespace_and_anchors_are_unique(text: str) -> None:
    assert not [line for line in text.splitlines() if line != line.rstrip()]
    anchors = re.findall(r'<a id="([^"]+)"></a>', text)
    assert len(anchors) == len(set(anchors)) == len(rules().red_flags)
