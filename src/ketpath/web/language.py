"""The language a page is shown in, and the route that lets a person choose it.

Negotiation, first match wins: the language chosen on Account (a cookie on
this device, like the help-line place: accounts have no settings column to
hold it yet), then the browser's ``Accept-Language`` (RFC 9110, section
12.5.4: tags by quality, ``q=0`` meaning "not this"), then English.

Browsers send region tags (``zh-TW``, ``zh-HK``, ``zh-CN``) more often than
script tags (``zh-Hant``); ``knowledge.languages.shipped`` maps both.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ketpath.knowledge.languages import ENGLISH, LANGUAGES, shipped
from ketpath.present.i18n import use_language

LANGUAGE_COOKIE = "ketpath_lang"
LANGUAGE_NAMES = {
    "en": "English",
    "zh-Hant": "繁體中文",
    "zh-Hant-HK": "繁體中文（香港）",
    "zh-Hant-TW": "繁體中文（台灣）",
    "zh-Hans": "简体中文",
}
"""Each language named in itself, so a person finds their own in the list."""

router = APIRouter(include_in_schema=False)


def from_accept_language(header: str | None) -> str | None:
    """The shipped language the browser prefers most, or None when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        language = shipped(tag)
        if language is not None:
            return language
    return None


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The chosen language if shipped, else the browser's preference, else English."""
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(accept_language) or ENGLISH


def language_of(request: Request) -> str:
    """The language this request's page is shown in."""
    return negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


def language_choices(current: str) -> list[dict[str, object]]:
    return [
        {"value": language, "label": LANGUAGE_NAMES[language], "selected": language == current}
        for language in LANGUAGES
    ]


@router.post("/account/language", name="account_language")
async def choose_language(
    language: Annotated[str, Form()], back: Annotated[str, Form()] = "/account"
) -> RedirectResponse:
    """Keep the chosen language on this device (a year) and go back to the page it was chosen on.

    Anyone may choose, signed in or not (the language is not health data);
    ``back`` must be a path of this site, so the form cannot send a person away.
    """
    target = back if back.startswith("/") and not back.startswith("//") else "/account"
    response = RedirectResponse(target, status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=True, samesite="lax"
        )
    return response


class LanguageMiddleware:
    """Serves each request in its page's language (``present.i18n.use_language``).

    Python-built text (form errors, notices, cards' sentences) then comes out
    in the same language as the template around it. A pure ASGI middleware, so
    the language is set in the context the route runs in (and copied into the
    thread a sync route runs on).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with use_language(language_of(Request(scope))):
            await self.app(scope, receive, send)
