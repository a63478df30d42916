"""Who is asking: the session cookie for pages, a bearer token for the API.

The session cookie is named ``__Host-ketpath-session`` over https: the
``__Host-`` prefix makes the browser refuse it unless it is ``Secure``, has
``Path=/`` and no ``Domain``, so no other host or path can plant or read it.
Browsers also refuse ``Secure`` cookies from plain http, so the embedded
server on ``http://127.0.0.1`` uses the documented fallback name
``ketpath-session`` (still HttpOnly and SameSite=Lax). Which one applies
follows the request's scheme; behind a reverse proxy uvicorn takes the scheme
from ``X-Forwarded-Proto`` only when ``ketpath serve --trusted-proxy`` names
the proxy (by default no proxy is trusted: see ``cli.server.serve``).

A successful login also leaves a device cookie (``__Host-ketpath-device`` /
``ketpath-device``): a random token, kept by the server only as a hash, that
lets this browser's later logins spend a rate-limit bucket of their own. It
says nothing about who logged in; it lasts ``DEVICE_LIFETIME`` and is cleared
when the account is deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ketpath.services.accounts import DEVICE_LIFETIME, User, session_user, token_user
from ketpath.store import Database
from ketpath.web.settings import Settings

__all__ = [
    "PLAIN_COOKIE",
    "SECURE_COOKIE",
    "LoginRequired",
    "User",
    "api_person",
    "api_user",
    "clear_device_cookie",
    "clear_session_cookie",
    "current_user",
    "device_token",
    "optional_user",
    "session_token",
    "set_device_cookie",
    "set_session_cookie",
]

SECURE_COOKIE = "__Host-ketpath-session"
PLAIN_COOKIE = "ketpath-session"
SECURE_DEVICE_COOKIE = "__Host-ketpath-device"
PLAIN_DEVICE_COOKIE = "ketpath-device"

bearer = HTTPBearer(auto_error=False, description="A personal access token (ketpath token create)")


class LoginRequired(Exception):  # noqa: N818
    """Raised by :func:`current_user`; the error handlers answer with a redirect to /login."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if _https(request) else PLAIN_COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request)) or None


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """A browser-session cookie; the server ends the session when idle (see Settings)."""
    response.set_cookie(
        cookie_name(request),
        token,
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        cookie_name(request), path="/", secure=_https(request), httponly=True, samesite="lax"
    )


def _device_cookie_name(request: Request) -> str:
    return SECURE_DEVICE_COOKIE if _https(request) else PLAIN_DEVICE_COOKIE


def device_token(request: Request) -> str | None:
    return request.cookies.get(_device_cookie_name(request)) or None


def set_device_cookie(response: Response, request: Request, token: str) -> None:
    """A long-lived cookie naming this browser as one that has logged in before."""
    response.set_cookie(
        _device_cookie_name(request),
        token,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="lax",
    )


def clear_device_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        _device_cookie_name(request),
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="lax",
    )


def optional_user(request: Request) -> User | None:
    """The signed-in user, or None; also left on ``request.state.user`` for templates."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    token = session_token(request)
    user = None
    if token is not None:
        user = session_user(database(request), token=token, policy=settings(request).session_policy)
    request.state.user = user
    return user


def current_user(request: Request) -> User:
    """The signed-in user of a page; anonymous visitors are redirected to /login."""
    user = optional_user(request)
    if user is None:
        raise LoginRequired
    return user


def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The owner of the bearer token; 401 without a valid one."""
    user = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        user = token_user(database(request), token=credentials.credentials)
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="A valid bearer token is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def api_person(user: Annotated[User, Depends(api_user)]) -> User:
    """A token holder with a history of their own (a person, not a clinician)."""
    if user.person_name is None:
        raise HTTPException(status_code=403, detail="This API serves a person's own records.")
    return user
