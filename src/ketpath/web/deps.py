"""The request dependencies every router shares: the database, the settings, who is asking.

Routes declare what they need with the names at the bottom (``SignedIn``,
``MaybeSignedIn``, ``TokenHolder``, ``TokenPerson``) instead of
repeating ``Annotated[User, Depends(current_user)]`` in each module. A page's
user comes from the session cookie (:mod:`ketpath.web.auth`), an API
caller's from a bearer token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ketpath.services import Database, User
from ketpath.services.accounts import CurrentSession, current_session, token_user
from ketpath.web.auth import session_token
from ketpath.web.settings import Settings

__all__ = [
    "LOCK_OPEN_PATHS",
    "BearerToken",
    "LoginRequired",
    "MaybeSignedIn",
    "SessionLocked",
    "SignedIn",
    "TokenHolder",
    "TokenPerson",
    "User",
    "api_person",
    "api_user",
    "bearer_token",
    "current_user",
    "database",
    "optional_user",
    "person_only",
    "session_of",
    "settings",
    "token_person",
    "unlocked",
]

bearer = HTTPBearer(auto_error=False, description="A personal access token (ketpath token create)")


class LoginRequired(Exception):  # noqa: N818
    """Raised by :func:`current_user`; the error handlers answer with a redirect to /login."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


LOCK_OPEN_PATHS = frozenset({"/lock", "/logout", "/healthz", "/manifest.webmanifest", "/sw.js"})
"""What a locked session may still reach (with ``/static``, which is mounted, not routed)."""


class SessionLocked(Exception):  # noqa: N818
    """Raised by :func:`unlocked`; the error handlers answer with the PIN screen only."""


def session_of(request: Request) -> CurrentSession | None:
    """The session of the request's cookie (locked or not), or None; read once per request."""
    if hasattr(request.state, "session"):
        cached: CurrentSession | None = request.state.session
        return cached
    token = session_token(request)
    found = None
    if token is not None:
        config = settings(request)
        found = current_session(
            database(request), token=token, policy=config.session_policy, now=config.now()
        )
    request.state.session = found
    return found


def optional_user(request: Request) -> User | None:
    """The signed-in user, or None; also left on ``request.state.user`` for templates.

    A locked session signs no one in: its user is None here as well as stopped
    by :func:`unlocked`.
    """
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    found = session_of(request)
    user = found.user if found is not None and not found.locked else None
    request.state.user = user
    return user


async def unlocked(request: Request) -> None:
    """Every route's first dependency: a locked session reaches nothing but the PIN form.

    The app lock (issue 14, point 5) must hide everything behind it, so this
    runs for every route of the app (``create_app`` gives it to all), not only
    those that ask who is signed in; only :data:`LOCK_OPEN_PATHS` and the
    static files are let through. A request without a session cookie, or with
    a bearer token only, is not affected.

    Asynchronous so that a request without a session cookie (every API call)
    decides here without a hop to the thread pool (issue 16.3: each hop is a
    thread hand-over on every request); reading the session is database work,
    so that part still runs in the pool.
    """
    if request.url.path in LOCK_OPEN_PATHS or session_token(request) is None:
        return
    found = await run_in_threadpool(session_of, request)
    if found is not None and found.locked:
        raise SessionLocked


def current_user(request: Request) -> User:
    """The signed-in user of a page; anonymous visitors are redirected to /login."""
    user = optional_user(request)
    if user is None:
        raise LoginRequired
    return user


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The token an API caller presents; 401 at once when none is (no database work)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized()
    return credentials.credentials


BearerToken = Annotated[str, Depends(bearer_token)]
"""The bearer token presented, not yet checked: for a route that checks it in its own hop."""


def api_user(request: Request, token: BearerToken) -> User:
    """The owner of the bearer token; 401 without a valid one."""
    user = token_user(database(request), token=token)
    if user is None:
        raise _unauthorized()
    return user


async def api_person(user: Annotated[User, Depends(api_user)]) -> User:
    """A token holder with a history of their own (a person, not a clinician).

    Asynchronous because it does no I/O: a plain ``def`` would cost every API
    request that takes it a hop to the thread pool and back (the API write
    checks its token in its own hop instead: :func:`token_person`).
    """
    return person_only(user)


def token_person(request: Request, token: str) -> User:
    """:func:`api_person` for a route that does all its work in one hop to the thread pool.

    Such a route takes :data:`BearerToken` (checked for presence on the event
    loop) and calls this first thing in its worker thread, instead of
    :data:`TokenPerson`, whose token lookup FastAPI runs in a hop of its own
    before the route's. The busiest route, ``POST /api/v1/records``, does so:
    each hop is a thread hand-over and back (issue 16.3). A caller with an
    invalid token and a body that is not even a record or a list of them gets
    the 422 for the body first; it says nothing about any account.
    """
    return person_only(api_user(request, token))


def person_only(user: User) -> User:
    """The user, if they have records of their own; 403 for a clinician's token."""
    if user.person_name is None:
        raise HTTPException(status_code=403, detail="This API serves a person's own records.")
    return user


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="A valid bearer token is required.",
        headers={"WWW-Authenticate": "Bearer"},
    )


SignedIn = Annotated[User, Depends(current_user)]
"""A page's signed-in user (anonymous visitors are redirected to /login)."""
MaybeSignedIn = Annotated[User | None, Depends(optional_user)]
"""A page's user when signed in (login, registration and recovery pages)."""
TokenHolder = Annotated[User, Depends(api_user)]
"""The API caller, by bearer token (401 without one)."""
TokenPerson = Annotated[User, Depends(api_person)]
"""An API caller with records of their own (403 for a clinician)."""
