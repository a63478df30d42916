"""The language a page is shown in, and the route that lets a person choose it.

Negotiation, first match wins: the language chosen on Account or at
onboarding (the ``ketpath_lang`` cookie on this device), then the browser's
``Accept-Language`` (RFC 9110, section 12.5.4: tags by quality, ``q=0``
meaning "not this"), then English.

A choice made while signed in is also kept on the account (``users.language``,
migration 0013), and signing in on another device turns it into that device's
cookie (``remember_language``), so the person sees their language everywhere
without choosing again. Signed out, only the cookie and the browser count.

Browsers send region tags (``zh-TW``, ``zh-HK``, ``zh-CN``) more often than
script tags (``zh-Hant``); ``knowledge.languages.shipped`` maps both.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ketpath.knowledge.languages import ENGLISH, LANGUAGES, shipped
from ketpath.present.i18n import use_language
from ketpath.services import accounts
from ketpath.services.accounts import User
from ketpath.web.deps import MaybeSignedIn, database

LANGUAGE_COOKIE = "ketpath_lang"
LANGUAGE_NAMES = {
    "en": "English",
    "zh-Hant": "繁體中文",
    "zh-Hant-HK": "繁體中文（香港）",
    "zh-Hant-TW": "繁體中文（台灣）",
    "zh-Hans": "简体中文",
}
"""Each language named in itself, so a person finds their own in the list."""

LANGUAGE_COOKIE_SECONDS = 365 * 86400
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


def _set_cookie(response: Response, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
    )


def remember_language(response: Response, user: User) -> None:
    """At sign-in, the language kept on the account becomes this device's (when one was chosen)."""
    if user.language in LANGUAGES:
        _set_cookie(response, user.language)


@router.post("/account/language", name="account_language")
def choose_language(
    request: Request,
    user: MaybeSignedIn,
    language: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/account",
) -> RedirectResponse:
    """Keep the chosen language on this device (a year), and on the account when signed in.

    Anyone may choose, signed in or not (the language is not health data);
    ``back`` must be a path of this site, so the form cannot send a person away.
    Account and onboarding both post here, so a choice made at either follows
    the person to their other devices at their next sign-in.
    """
    target = back if back.startswith("/") and not back.startswith("//") else "/account"
    response = RedirectResponse(target, status_code=303)
    if language in LANGUAGES:
        _set_cookie(response, language)
        if user is not None and user.language != language:
            accounts.set_language(database(request), user_id=user.id, language=language)
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
