"""The Jinja2 environments of the web app (one per language), and ``render``.

Autoescaping is on for every template, so text from a record can never become
markup. ``render`` adds what the base template needs: the signed-in user (when
a dependency looked them up), the navigation and the vendored htmx file name.

UI strings are marked in the templates with ``{% trans %}`` and ``_()``
(Jinja2's ``jinja2.ext.i18n``, new-style gettext: variables are filled by
the extension and escaped, and plural forms come from the catalog through
``ngettext``). Each language has its own environment with its catalog
installed (``install_gettext_translations``), so two requests in different
languages never share one. The catalogs are the ``.po`` files under
``ketpath/locale`` (``make messages`` extracts and updates them); they are
compiled in memory the first time a language is used, which takes a few
milliseconds, so no generated ``.mo`` file is committed or needed after a
clone. A regional catalog (``zh_Hant_HK``) leaves empty what its parent
(``zh_Hant``) already says, and falls back to it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.responses import Response

from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.languages import status as translation_status
from ketpath.present.i18n import N_, translations
from ketpath.services.contingency import clinic_schedule
from ketpath.web.language import language_choices, language_of

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
STYLESHEET = "ketpath-2.0.css"
"""The design system, versioned in its name so a changed file is never served stale."""
ICONS_FILE = "icons/lucide-1.62.0.svg"


GRADE_WORDS = (
    N_("systematic review or several consistent studies in humans"),
    N_("one study in humans, or a non-representative sample"),
    N_("animal data, case reports or expert opinion"),
    N_("stated by the source article; no supporting source found"),
    N_("contradicted by the evidence"),
)
"""The evidence grades' meanings (``knowledge.load.GRADE_MEANINGS``) marked for the
catalog; the templates translate a grade's meaning with ``_()``. A test keeps
the two lists the same."""

NAVIGATION = (
    ("/", N_("Today"), "house"),
    ("/log", N_("Log"), "notebook-pen"),
    ("/history", N_("History"), "chart-line"),
    ("/plan", N_("Plan"), "clipboard-list"),
    ("/more", N_("More"), "menu"),
)
"""A person's menu: five destinations, the most a phone's bottom bar holds legibly.

Material Design's navigation bar guidance is three to five destinations; the
rest are listed on the More page (``more_links_for``).
"""

MORE_LINKS = (
    ("/questionnaires", N_("Questionnaires")),
    ("/learn", N_("Learn")),
    ("/help", N_("Help")),
    ("/export", N_("Export")),
    ("/account", N_("Account")),
)

MORE_PATHS = frozenset(
    {"/more", "/rewards", "/sharing", "/onboarding", *(href for href, _ in MORE_LINKS)}
)

CLINICIAN_NAVIGATION = (
    ("/patients", N_("Patients"), None),
    ("/redeem", N_("Redeem a code"), None),
    ("/account", N_("Account"), None),
)
"""A clinician's menu: the person's pages all answer "not allowed" to them."""


def navigation_for(request: Request, user: Any) -> tuple[tuple[str, str, str | None], ...]:
    """The menu of the signed-in account: a clinician's, or a person's five destinations."""
    if user is None:
        return ()
    if getattr(user, "role", None) == "clinician":
        return CLINICIAN_NAVIGATION
    return NAVIGATION


def more_links_for(request: Request, user: Any) -> tuple[tuple[str, str], ...]:
    """What the person's More page lists: every page that is not one of the five.

    A person sees Rewards only while a clinic runs them for her (a stored
    schedule from a clinician whose consent stands); without one the page
    would show a default schedule no clinic pays out.
    """
    rewards = (("/rewards", N_("Rewards")),) if _clinic_runs_rewards(request, user) else ()
    sharing = ("/sharing", N_("Sharing"))
    return (*MORE_LINKS, *rewards, sharing, ("/onboarding", N_("Getting started")))


def in_more(path: str) -> bool:
    """Whether the page at ``path`` is one the More page lists (so More is marked current)."""
    return any(path == listed or path.startswith(f"{listed}/") for listed in MORE_PATHS)


def _clinic_runs_rewards(request: Request, user: Any) -> bool:
    name = getattr(user, "person_name", None)
    db = getattr(request.app.state, "db", None)
    if not name or db is None:
        return False
    return clinic_schedule(db, name) is not None


def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language_choices"] = language_choices
    return env


@cache
def templates_for(language: str) -> Jinja2Templates:
    """The templates with ``language``'s catalog installed (one environment per language)."""
    return Jinja2Templates(env=_environment(language))


templates = templates_for(ENGLISH)
environment = templates.env


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """The template ``name`` rendered with ``context`` plus the base template's needs."""
    user = (context or {}).get("user") or getattr(request.state, "user", None)
    language = language_of(request)
    base: dict[str, Any] = {
        "language": language,
        "translation_reviewed": translation_status(language).reviewed,
        "user": user,
        "navigation": navigation_for(request, user),
        "current_path": request.url.path,
        "in_more": in_more(request.url.path),
        "htmx_file": HTMX_FILE,
        "icons_file": ICONS_FILE,
        "stylesheet": STYLESHEET,
    }
    return templates_for(language).TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
