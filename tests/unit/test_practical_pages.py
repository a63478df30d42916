"""The practical help pages of Learn (knowledge/practical.toml): graded, sourced, never a dose.

The real file is checked for what the project promises (every statement cites
known sources and carries a grade; no text gives an amount or a dosing
instruction; the symptom lists are those of the red-flag rules), and the
loader is checked to refuse a page that breaks those promises.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketpath.knowledge import KnowledgeError, claims, load, rules, sources, vocabulary
from ketpath.knowledge.load import SymptomList, practical_pages
from ketpath.present.practical import listed_symptoms, statement_text

PAGES = {
    "talking-to-a-doctor",
    "cutting-down-or-stopping",
    "when-a-craving-hits",
    "bladder-care",
    "for-family-and-friends",
}

# An amount of a drug: a number with a unit of mass or volume.
DOSE_AMOUNT = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|g|kg|µg|mcg|ml|milligrams?|grams?|micrograms?|millilit(?:re|er)s?)\b",
    re.IGNORECASE,
)
# A numeric dosing instruction: a verb that changes an amount and a quantity in one sentence.
DOSE_VERB = re.compile(
    r"\b(?:take|taking|cut|cutting|reduce|reducing|lower|lowering|taper|tapering|halve|"
    r"halving|decrease|decreasing|increase|increasing)\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(
    r"\d|%|\bper ?cent\b|\bhalf\b|\bquarter\b|\bthird\b|\btenth\b|\bbumps?\b|\blines?\b",
    re.IGNORECASE,
)


def dosing_problems(text: str) -> list[str]:
    """The sentences of ``text`` that give an amount or a numeric dosing instruction."""
    sentences = re.split(r"(?<=[.!?:;])\s+", text)
    return [
        sentence
        for sentence in sentences
        if DOSE_AMOUNT.search(sentence)
        or (DOSE_VERB.search(sentence) and QUANTITY.search(sentence))
    ]


def all_practical_text() -> Iterator[tuple[str, str]]:
    """Every string a practical page shows, as written and with its rule's numbers filled in."""
    for page in practical_pages().values():
        yield page.id, page.title
        yield page.id, page.summary
        for section in page.sections:
            yield page.id, section.heading
            for statement in section.statements:
                yield page.id, statement.text
                yield page.id, statement_text(statement)
                if statement.link:
                    yield page.id, statement.link.text


def test_the_five_practical_pages_load() -> None:
    assert set(practical_pages()) == PAGES


def test_every_statement_carries_a_grade_and_known_sources() -> None:
    known = sources()
    for page in practical_pages().values():
        for statement in page.statements():
            assert statement.grade in {"A", "B", "C", "U", "X"}
            assert statement.sources, (page.id, statement.text)
            assert all(source_id in known for source_id in statement.sources)
            assert all(claim_id in claims() for claim_id in statement.claims)


def test_no_page_gives_a_dose_amount_or_a_numeric_dosing_instruction() -> None:
    problems = [(page, text) for page, text in all_practical_text() if dosing_problems(text)]
    assert problems == []


@pytest.mark.parametrize(
    "text",
    [
        "Try 50 mg instead.",
        "Keep it under 1.5 g a day.",
        "Cut down by 10% each week.",
        "Reduce it by a quarter every few days.",
        "Halve the line you take.",
        "Take two bumps fewer.",
    ],
)
def test_the_dose_check_catches_what_it_is_meant_to(text: str) -> None:
    assert dosing_problems(text) == [text]


def test_the_dose_check_lets_plain_advice_through() -> None:
    assert dosing_problems("Talk it through with someone, and choose a plan you can keep to.") == []
    assert dosing_problems("Book an appointment if it comes back on 3 days or more.") == []


def _bladder_list(level: str | None, *, unflagged: bool = False) -> list[str]:
    for statement in practical_pages()["bladder-care"].statements():
        wanted = statement.symptoms
        if wanted and (wanted.group, wanted.level, wanted.unflagged) == (
            "urinary",
            level,
            unflagged,
        ):
            return listed_symptoms(wanted)
    raise AssertionError(f"no urinary list at level {level}")


def _urinary_at(level: str) -> set[str]:
    """The urinary symptoms that rules.toml raises at ``level``, as labels."""
    urinary = vocabulary().symptom_group("urinary")
    return {
        vocabulary().label("symptoms", symptom)
        for flag in rules().red_flags.values()
        if flag.level == level
        for symptom in flag.symptom_members()
        if symptom in urinary
    }


def test_the_bladder_go_now_list_is_the_emergency_level_urinary_symptoms_of_the_rules() -> None:
    assert set(_bladder_list("emergency")) == _urinary_at("emergency")
    assert _urinary_at("emergency")  # the rules do name one (unable to pass urine)


def test_the_bladder_today_list_is_the_urgent_level_urinary_symptoms_of_the_rules() -> None:
    assert set(_bladder_list("urgent")) == _urinary_at("urgent")


def test_the_bladder_this_week_list_holds_the_rest_of_the_urinary_group() -> None:
    rest = _bladder_list(None, unflagged=True)
    every = {vocabulary().label("symptoms", s) for s in vocabulary().symptom_group("urinary")}
    assert set(rest) == every - _urinary_at("emergency") - _urinary_at("urgent")


def test_a_rule_fills_the_numbers_of_its_statement() -> None:
    rule = rules().red_flags["persistent-urinary-symptoms"]
    texts = [statement_text(s) for s in practical_pages()["bladder-care"].statements()]
    wanted = f"on {rule.min_days} days or more within {rule.window_days} days"
    assert any(wanted in text for text in texts)


def test_a_symptom_list_needs_a_level_or_unflagged() -> None:
    with pytest.raises(ValueError):
        SymptomList(group="urinary")
    with pytest.raises(ValueError):
        SymptomList(group="urinary", level="urgent", unflagged=True)


# ---------------------------------------------------------------- the loader refuses bad pages

LOADERS = (load.sources, load.claims, load.rules, load.vocabulary, load.practical_pages)


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the real knowledge base whose practical.toml each test rewrites."""
    for loader in LOADERS:
        loader.cache_clear()
    copy = tmp_path / "knowledge"
    shutil.copytree(load.KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(load, "KNOWLEDGE_DIR", copy)
    yield copy
    for loader in LOADERS:
        loader.cache_clear()


def _page(statement: str, *, page_id: str = "a-page") -> str:
    return f"""
[[page]]
id = "{page_id}"
title = "A page"
summary = "What it is for."

[[page.sections]]
heading = "A heading"

[[page.sections.statements]]
{statement}
"""


def _refused(directory: Path, statement: str, *, page_id: str = "a-page") -> str:
    (directory / "practical.toml").write_text(_page(statement, page_id=page_id), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load.practical_pages()
    message = str(raised.value)
    assert message.startswith("knowledge/practical.toml"), message
    return message


def test_a_well_formed_page_loads(knowledge_dir: Path) -> None:
    good = 'text = "Fine."\ngrade = "C"\nsources = ["ketpath-defaults"]'
    (knowledge_dir / "practical.toml").write_text(_page(good), encoding="utf-8")
    assert load.practical_pages()["a-page"].sections[0].statements[0].grade == "C"


def test_a_statement_without_sources_is_refused(knowledge_dir: Path) -> None:
    assert "sources" in _refused(knowledge_dir, 'text = "Unsourced."\ngrade = "C"')


def test_a_statement_with_no_sources_listed_is_refused(knowledge_dir: Path) -> None:
    assert "sources" in _refused(knowledge_dir, 'text = "Empty."\ngrade = "C"\nsources = []')


def test_a_statement_without_a_grade_is_refused(knowledge_dir: Path) -> None:
    message = _refused(knowledge_dir, 'text = "Ungraded."\nsources = ["ketpath-defaults"]')
    assert "grade" in message


def test_a_statement_citing_an_unknown_source_is_refused(knowledge_dir: Path) -> None:
    message = _refused(knowledge_dir, 'text = "Made up."\ngrade = "A"\nsources = ["nowhere-2099"]')
    assert "nowhere-2099" in message


def test_a_statement_naming_an_unknown_claim_is_refused(knowledge_dir: Path) -> None:
    statement = 'text = "x"\ngrade = "C"\nsources = ["ketpath-defaults"]\nclaims = ["no-claim"]'
    assert "no-claim" in _refused(knowledge_dir, statement)


def test_braces_without_a_rule_are_refused(knowledge_dir: Path) -> None:
    statement = 'text = "On {min_days} days."\ngrade = "C"\nsources = ["ketpath-defaults"]'
    assert "rule" in _refused(knowledge_dir, statement)


def test_a_rule_field_that_does_not_exist_is_refused(knowledge_dir: Path) -> None:
    statement = 'rule = "puf-high"\ntext = "Score {dose}."\ngrade = "B"\nsources = ["puf-hk-2012"]'
    assert "dose" in _refused(knowledge_dir, statement)


def test_an_unknown_symptom_group_is_refused(knowledge_dir: Path) -> None:
    statement = (
        'text = "x"\ngrade = "C"\nsources = ["ketpath-defaults"]\n'
        'symptoms = { group = "elbows", level = "urgent" }'
    )
    assert "elbows" in _refused(knowledge_dir, statement)


def test_a_page_named_like_a_claim_topic_is_refused(knowledge_dir: Path) -> None:
    statement = 'text = "x"\ngrade = "C"\nsources = ["ketpath-defaults"]'
    assert "harms" in _refused(knowledge_dir, statement, page_id="harms")
