"""The session and device cookies: how a browser says who is asking.

The request dependencies that read them (``current_user``, ``optional_user``,
the bearer token's ``api_user``) are in :mod:`ketpath.web.deps`.

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

from fastapi import Request, Response

from ketpath.services.accounts import DEVICE_LIFETIME

__all__ = [
    "PLAIN_COOKIE",
    "SECURE_COOKIE",
    "clear_device_cookie",
    "clear_session_cookie",
    "device_token",
    "session_token",
    "set_device_cookie",
    "set_session_cookie",
]

SECURE_COOKIE = "__Host-ketpath-session"
PLAIN_COOKIE = "ketpath-session"
SECURE_DEVICE_COOKIE = "__Host-ketpath-device"
PLAIN_DEVICE_COOKIE = "ketpath-device"


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if _https(request) else PLAIN_COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request)) or None


def set_session_cookie(
    response: Response, request: Request, token: str, *, max_age: int | None = None
) -> None:
    """A browser-session cookie; the server ends the session when idle (see Settings).

    A kept session's cookie is given its lifetime (``max_age``), so the browser
    keeps it when it is closed and opened again.
    """
    response.set_cookie(
        cookie_name(request),
        token,
        max_age=max_age,
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
