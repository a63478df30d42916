"""Security headers, cross-site request refusal and a request size limit, as ASGI middleware.

Cross-site request forgery is refused without tokens, the way Go 1.25's
``http.CrossOriginProtection`` does it (Filippo Valsorda, "Cross-Site Request
Forgery", 2025; datasette's ``csrf.py`` takes the same line): a state-changing
request whose ``Sec-Fetch-Site`` header is present and not ``same-origin`` or
``none`` is refused; without that header (older browsers), one whose
``Origin`` names another host is refused; with neither header the request did
not come from a browser page, and cookies cannot have been forged into it.
Session cookies are also ``SameSite=Lax``.

Every response gets a Content-Security-Policy that allows no inline script
and no framing; inline ``style`` attributes are allowed (``style-src-attr``)
because the charts are inline SVG written by matplotlib, but ``<style>``
elements are not. Pages are ``Cache-Control: no-store``: they hold health data.

Over https every cookie a response sets is marked ``Secure`` here, whichever
route set it (the locale cookie lacked it, issue 11), so no cookie of ours is
ever sent back over plain http.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
COMMON_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
STATIC_PREFIX = "/static/"
STATIC_CACHE = "public, max-age=3600"
NO_STORE = "no-store"
HSTS = "max-age=31536000"


def is_cross_site(method: str, headers: Headers) -> bool:
    """True for a state-changing request that a browser sent from another site."""
    if method.upper() in SAFE_METHODS:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in {"same-origin", "none"}
    origin = headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _plain(status: int, text: str) -> list[Message]:
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


def _secure_cookies(headers: MutableHeaders) -> None:
    """Add ``Secure`` to every ``Set-Cookie`` that lacks it."""
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        headers.append("set-cookie", cookie if "secure" in attributes else f"{cookie}; Secure")


class SecurityMiddleware:
    """Adds the headers, refuses cross-site writes and oversized bodies.

    It also answers an unexpected exception itself (``on_error``), so that the
    generic 500 page carries the same headers; Starlette's own handler sits
    outside every middleware. The exception is raised on afterwards, for the
    server's log.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        on_error: Callable[[Scope], Response],
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        send_with_headers = self._with_headers(scope, send)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            for message in refusal:
                await send_with_headers(message)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, self._limited(receive), send_tracked)
        except Exception:
            if not started:
                await self.on_error(scope)(scope, receive, send_with_headers)
            raise

    def _refusal(self, scope: Scope, headers: Headers) -> Iterable[Message] | None:
        if is_cross_site(scope["method"], headers):
            return _plain(403, "Cross-site request refused.")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return _plain(413, "Request too large.")
        return None

    def _limited(self, receive: Receive) -> Receive:
        """A body sent without a length (chunked) is cut off at the same limit."""
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(status_code=413, detail="Request too large.")
            return message

        return limited

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers[name] = value
                cache = STATIC_CACHE if path.startswith(STATIC_PREFIX) else NO_STORE
                headers["cache-control"] = cache
                if https:
                    headers["strict-transport-security"] = HSTS
                    _secure_cookies(headers)
            await send(message)

        return send_with_headers
