"""The relapse-prevention plan as a form: five lists, one entry per line.

The article recommends relapse-prevention planning (claim ``relapse-risk``,
graded in ``knowledge/claims.toml``); the page shows that claim with its grade
and sources beside the form. The plan itself is the person's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketpath.knowledge import claims
from ketpath.present.views import graded
from ketpath.web.record_forms import SimpleForm

#: (key, label, hint). Keys are those of ``services.plans``.
PLAN_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("triggers", "Triggers", "Places, people, feelings or times that set off the urge to use."),
    ("warning_signs", "Warning signs", "Signs that things are slipping: thoughts, moods, habits."),
    ("coping_steps", "Coping steps", "What you will do instead when the urge comes."),
    ("people_to_call", "People to call", "Names and numbers of people who will pick up."),
    ("reasons", "Reasons to change", "Why this matters to you."),
)
PLAN_KEYS = tuple(key for key, _label, _hint in PLAN_FIELDS)
SUPPORTING_CLAIMS = ("relapse-risk", "cue-triggered-habit")


def _lines(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def plan_from_form(form: SimpleForm) -> dict[str, list[str]]:
    """Each textarea becomes a list of its non-blank lines (``services.plans`` checks limits)."""
    return {key: _lines(form.get(key)) for key in PLAN_KEYS}


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(str(entry) for entry in value)
    return ""


def plan_view(stored: Mapping[str, Any] | None, *, error: str | None = None) -> dict[str, Any]:
    """The stored plan as textarea contents and lists, plus the claims behind planning."""
    stored = stored or {}
    fields = [
        {
            "key": key,
            "label": label,
            "hint": hint,
            "text": _as_text(stored.get(key)),
            "entries": _lines(_as_text(stored.get(key))),
        }
        for key, label, hint in PLAN_FIELDS
    ]
    known = claims()
    supporting = [
        {
            "title": known[c].title,
            "article": known[c].article,
            "evidence": known[c].evidence,
            **graded(known[c].grade, known[c].sources),
        }
        for c in SUPPORTING_CLAIMS
        if c in known
    ]
    return {
        "fields": fields,
        "empty": not any(field["entries"] for field in fields),
        "claims": supporting,
        "error": error,
    }
