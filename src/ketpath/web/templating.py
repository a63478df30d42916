"""The one Jinja2 environment of the web app, and ``render``.

Autoescaping is on for every template, so text from a record can never become
markup. ``render`` adds what the base template needs: the signed-in user (when
a dependency looked them up), the navigation and the vendored htmx file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.responses import Response

from ketpath.services.contingency import clinic_schedule

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
STYLESHEET = "ketpath-2.0.css"
"""The design system, versioned in its name so a changed file is never served stale."""
ICONS_FILE = "icons/lucide-1.62.0.svg"
NAVIGATION = (
    ("/", "Today", "house"),
    ("/log", "Log", "notebook-pen"),
    ("/history", "History", "chart-line"),
    ("/plan", "Plan", "clipboard-list"),
    ("/more", "More", "menu"),
)
"""A person's menu: five destinations, the most a phone's bottom bar holds legibly.

Material Design's navigation bar guidance is three to five destinations; the
rest are listed on the More page (``more_links_for``).
"""

MORE_LINKS = (
    ("/questionnaires", "Questionnaires"),
    ("/learn", "Learn"),
    ("/help", "Help"),
    ("/export", "Export"),
    ("/account", "Account"),
)

MORE_PATHS = frozenset(
    {"/more", "/rewards", "/sharing", "/onboarding", *(href for href, _ in MORE_LINKS)}
)

CLINICIAN_NAVIGATION = (
    ("/patients", "Patients", None),
    ("/redeem", "Redeem a code", None),
    ("/account", "Account", None),
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
    rewards = (("/rewards", "Rewards"),) if _clinic_runs_rewards(request, user) else ()
    return (*MORE_LINKS, *rewards, ("/sharing", "Sharing"), ("/onboarding", "Getting started"))


def in_more(path: str) -> bool:
    """Whether the page at ``path`` is one the More page lists (so More is marked current)."""
    return any(path == listed or path.startswith(f"{listed}/") for listed in MORE_PATHS)


def _clinic_runs_rewards(request: Request, user: Any) -> bool:
    name = getattr(user, "person_name", None)
    db = getattr(request.app.state, "db", None)
    if not name or db is None:
        return False
    return clinic_schedule(db, name) is not None


environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True
)
templates = Jinja2Templates(env=environment)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """The template ``name`` rendered with ``context`` plus the base template's needs."""
    user = (context or {}).get("user") or getattr(request.state, "user", None)
    base: dict[str, Any] = {
        "user": user,
        "navigation": navigation_for(request, user),
        "current_path": request.url.path,
        "in_more": in_more(request.url.path),
        "htmx_file": HTMX_FILE,
        "icons_file": ICONS_FILE,
        "stylesheet": STYLESHEET,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
