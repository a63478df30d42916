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

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True
)
templates = Jinja2Templates(env=environment)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """The template ``name`` rendered with ``context`` plus the base template's needs."""
    base: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "navigation": NAVIGATION,
        "current_path": request.url.path,
        "htmx_file": HTMX_FILE,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
