"""The relapse-prevention plan as a form: five lists, one entry per line.

The article recommends relapse-prevention planning (claim ``relapse-risk``,
graded in ``knowledge/claims.toml``); the page shows that claim with its grade
and sources beside the form, in the page's language. The plan itself is the
person's own words. The lists' labels and hints are marked for the catalog
here and translated where shown (the template's ``_()``, and
:func:`plan_error_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ketpath.knowledge import languages
from ketpath.present.i18n import N_, _, current_language, ngettext
from ketpath.present.views import graded
from ketpath.services.plans import MAX_ITEM_LENGTH, MAX_ITEMS, PlanError
from ketpath.web.record_forms import SimpleForm

#: (key, label, hint). Keys are those of ``services.plans``; labels and hints are msgids.
PLAN_FIELDS: tuple[tuple[str, str, str], ...] = (
    (
        "triggers",
        N_("Triggers"),
        N_("Places, people, feelings or times that set off the urge to use."),
    ),
    (
        "warning_signs",
        N_("Warning signs"),
        N_("Signs that things are slipping: thoughts, moods, habits."),
    ),
    ("coping_steps", N_("Coping steps"), N_("What you will do instead when the urge comes.")),
    ("people_to_call", N_("People to call"), N_("Names and numbers of people who will pick up.")),
    ("reasons", N_("Reasons to change"), N_("Why this matters to you.")),
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
    known = languages.claims(current_language())
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


def plan_error_text(error: PlanError, submitted: Mapping[str, Sequence[str]]) -> str:
    """Why a plan was not saved, in the page's language: the list's label and the limit it broke.

    ``services.plans`` names the list and the problem in English; the form can
    only break the two limits (each list's length, each entry's length), so the
    sentence is built here from the limits themselves, whatever the language.
    Any other problem is shown as the service words it.
    """
    labels = {key: label for key, label, _hint in PLAN_FIELDS}
    label = _(labels[error.field]) if error.field in labels else error.field
    entries = submitted.get(error.field, ())
    if len(entries) > MAX_ITEMS:
        return ngettext(
            "%(field)s: at most %(num)s item.",
            "%(field)s: at most %(num)s items.",
            MAX_ITEMS,
            field=label,
        )
    if any(len(entry) > MAX_ITEM_LENGTH for entry in entries):
        return ngettext(
            "%(field)s: each item is at most %(num)s character.",
            "%(field)s: each item is at most %(num)s characters.",
            MAX_ITEM_LENGTH,
            field=label,
        )
    return _("%(field)s: %(problem)s.", field=label, problem=error.problem)
