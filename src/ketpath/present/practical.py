"""View models of the practical help pages in Learn (``knowledge/practical.toml``).

Pure functions of the knowledge base, in any shipped language (the
translated texts of ``knowledge/i18n``; thresholds and grades are the same). Each statement keeps its grade and the
citations of its sources; the symptoms a statement lists and the numbers it
quotes are read from ``rules.toml`` here, so the bladder page's "go now" list
is the emergency-level urinary symptoms of the red-flag rules and cannot drift
from them.
"""

from __future__ import annotations

from typing import Any

from ketpath.knowledge import languages
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import (
    PracticalPage,
    PracticalStatement,
    RedFlagRule,
    SymptomList,
)
from ketpath.present.views import graded


def practical_index(language: str = ENGLISH) -> list[dict[str, Any]]:
    """Every practical page: title, summary, headings and the grades its statements carry."""
    return [
        {
            "id": page.id,
            "title": page.title,
            "summary": page.summary,
            "headings": [section.heading for section in page.sections],
            "grades": sorted({statement.grade for statement in page.statements()}),
        }
        for page in languages.practical_pages(language).values()
    ]


def practical_page(page_id: str, language: str = ENGLISH) -> dict[str, Any] | None:
    page = languages.practical_pages(language).get(page_id)
    return None if page is None else _page_view(page, language)


def _page_view(page: PracticalPage, language: str) -> dict[str, Any]:
    return {
        "id": page.id,
        "title": page.title,
        "summary": page.summary,
        "sections": [
            {
                "heading": section.heading,
                "statements": [statement_view(item, language) for item in section.statements],
            }
            for section in page.sections
        ],
    }


def statement_view(statement: PracticalStatement, language: str = ENGLISH) -> dict[str, Any]:
    """A statement as shown: its text (numbers filled in from its rule), lists, link, grade."""
    return {
        "text": statement_text(statement),
        "link": statement.link.model_dump() if statement.link else None,
        "symptoms": (
            _symptom_list_view(statement.symptoms, language) if statement.symptoms else None
        ),
        "levels": red_flag_levels_view(language) if statement.red_flag_levels else [],
        **graded(statement.grade, statement.sources),
    }


def statement_text(statement: PracticalStatement) -> str:
    if statement.rule is None:
        return statement.text
    return statement.text.format(**languages.rules(ENGLISH).red_flags[statement.rule].model_dump())


def _symptom_list_view(wanted: SymptomList, language: str) -> dict[str, Any]:
    return {
        "level": wanted.level or "unflagged",
        "group": wanted.group or "any",
        "labels": listed_symptoms(wanted, language),
    }


def listed_symptoms(wanted: SymptomList, language: str = ENGLISH) -> list[str]:
    """The labels of the symptoms ``wanted`` names, in the order of the vocabulary."""
    vocabulary = languages.vocabulary(language)
    label = vocabulary.label
    members = vocabulary.symptom_group(wanted.group) if wanted.group else None
    if wanted.unflagged:
        flagged = {symptom for flag in _symptom_flags() for symptom in flag.symptom_members()}
        return [
            label("symptoms", symptom)
            for symptom in vocabulary.symptoms
            if members is not None and symptom in members and symptom not in flagged
        ]
    assert wanted.level is not None  # SymptomList: a level or unflagged
    return symptom_labels_at(wanted.level, members, language)


def symptom_labels_at(
    level: str, members: frozenset[str] | None = None, language: str = ENGLISH
) -> list[str]:
    """Labels of the symptoms whose own red flag has ``level`` (", severe" when only severe counts)."""
    vocabulary = languages.vocabulary(language)
    label = vocabulary.label
    found: list[str] = []
    for flag in _symptom_flags():
        if flag.level != level:
            continue
        severe = ""
        if flag.min_severity == 3:
            severe = (
                ", severe" if language == ENGLISH else f"（{vocabulary.severities['3'].label}）"
            )
        for symptom in flag.symptom_members():
            text = label("symptoms", symptom) + severe
            if (members is None or symptom in members) and text not in found:
                found.append(text)
    return found


def _symptom_flags() -> list[RedFlagRule]:
    return [flag for flag in languages.rules(ENGLISH).red_flags.values() if flag.raised_by_symptom]


def red_flag_levels_view(language: str = ENGLISH) -> list[dict[str, Any]]:
    """Every red-flag level: its label, what to do, the symptoms and other signs that raise it."""
    rules = languages.rules(language)
    return [
        {
            "id": level_id,
            "label": level.label,
            "action": level.action,
            "symptoms": symptom_labels_at(level_id, language=language),
            "signs": [
                flag.name or flag_id
                for flag_id, flag in rules.red_flags.items()
                if flag.level == level_id and not flag.raised_by_symptom
            ],
        }
        for level_id, level in rules.red_flag_levels.items()
    ]
