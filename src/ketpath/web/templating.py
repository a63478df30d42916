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
NAVIGATION = (
    ("/", "Today"),
    ("/log", "Log"),
    ("/history", "History"),
    ("/questionnaires", "Questionnaires"),
    ("/plan", "Plan"),
    ("/learn", "Learn"),
    ("/help", "Help"),
    ("/export", "Export"),
    ("/account", "Account"),
)

CLINICIAN_NAVIGATION = (
    ("/patients", "Patients"),
    ("/redeem", "Redeem a code"),
    ("/account", "Account"),
)
"""A clinician's menu: the person's pages all answer "not allowed" to them."""


def navigation_for(request: Request, user: Any) -> tuple[tuple[str, str], ...]:
    """The menu of the signed-in account: a clinician's, or a person's.

    A person sees Rewards only while a clinic runs them for her (a stored
    schedule from a clinician whose consent stands); without one the page
    would show a default schedule no clinic pays out.
    """
    if user is None:
        return ()
    if getattr(user, "role", None) == "clinician":
        return CLINICIAN_NAVIGATION
    rewards = (("/rewards", "Rewards"),) if _clinic_runs_rewards(request, user) else ()
    return (*NAVIGATION, *rewards, ("/sharing", "Sharing"))


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
        "htmx_file": HTMX_FILE,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
