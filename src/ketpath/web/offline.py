"""Installable and offline (issue 14, point 4): the manifest, the service worker, the offline queue.

``/manifest.webmanifest`` and ``/sw.js`` make ketpath installable: a browser
offers "Install" for a page that links a manifest (name, icons of 192 and
512 px, ``start_url``, ``display: standalone``) and is controlled by a service
worker with a fetch handler. The worker is served from the site's root so that
its scope is ``/`` without a ``Service-Worker-Allowed`` header; its script is
``static/sw.js`` with one line put in front: the list of app-shell files to
precache and a version made from their contents, so that any change to the
CSS or scripts installs a new worker that fetches them afresh and drops the
old cache. What the worker keeps, and why only that, is in its header.

``POST /offline/entries`` is where ``static/offline-queue.js`` sends the
entries a person logged while offline. The JSON API (``/api/v1/records``)
takes a bearer token only, and the pages have a session cookie, not a token;
so this route is signed in by the session cookie like the Log page's forms,
and is protected against cross-site requests the same way, by
``web.security`` (``Sec-Fetch-Site`` / ``Origin``; a JSON ``fetch`` from
another site is also preflighted and refused by the browser). The body is the
Log form's own fields (``kind``, the fields in the order sent, and the moment
the entry was made), read by the same ``record_forms.record_from_form`` as the
form, so an entry made offline is the record the form would have stored had
the connection been there, at the time it was made. The write is the API's:
``services.writes.write_records`` under an ``Idempotency-Key`` (required
here), with the record id made from the key (``services.idempotency``), so a
sync that is cut off and sent again, or sent by two tabs at once, stores the
entry once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ketpath.core.records import Record, RecordError
from ketpath.errors import BadInput
from ketpath.present.i18n import _
from ketpath.present.record_problems import problem_words
from ketpath.services import (
    Author,
    PersonNotFound,
    TooManyRecords,
    log_record,
    own_entries,
)
from ketpath.services.idempotency import (
    IdempotencyKeyError,
    checked_key,
    keyed,
    remember,
    replay,
    request_hash,
)
from ketpath.services.writes import write_records
from ketpath.web.api import replayed_response
from ketpath.web.deps import User, database, optional_user
from ketpath.web.record_forms import LOGGABLE, SimpleForm, form_zone, record_from_form
from ketpath.web.templating import STATIC_DIR, render

router = APIRouter(include_in_schema=False)

MANIFEST_TYPE = "application/manifest+json"
SCRIPT_TYPE = "text/javascript; charset=utf-8"
SERVICE_WORKER = STATIC_DIR / "sw.js"
OFFLINE_PAGE = "/offline"
#: What the worker precaches from ``static/``: the app shell, never data.
SHELL_SUFFIXES = frozenset({".css", ".js", ".svg", ".png", ".woff2"})
THEME_COLOUR = "#0b5f66"
BACKGROUND_COLOUR = "#ffffff"

MANIFEST: dict[str, Any] = {
    "id": "/",
    "name": "ketpath",
    "short_name": "ketpath",
    "description": "Your own record of ketamine use, cravings and how you are, kept private.",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "orientation": "any",
    "theme_color": THEME_COLOUR,
    "background_color": BACKGROUND_COLOUR,
    "icons": [
        {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


@router.get("/manifest.webmanifest", name="manifest")
def manifest() -> Response:
    return Response(json.dumps(MANIFEST, indent=2), media_type=MANIFEST_TYPE)


@cache
def shell_files(static_dir: Path = STATIC_DIR) -> tuple[list[str], str]:
    """The app shell's URLs and a version from their contents (the files do not change while served)."""
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    urls = []
    for path in sorted(static_dir.rglob("*")):
        if not path.is_file() or path.suffix not in SHELL_SUFFIXES or path == SERVICE_WORKER:
            continue
        relative = path.relative_to(static_dir).as_posix()
        digest.update(relative.encode())
        digest.update(path.read_bytes())
        urls.append(f"/static/{relative}")
    return [*urls, "/manifest.webmanifest", OFFLINE_PAGE], digest.hexdigest()[:16]


@router.get("/sw.js", name="service_worker")
def service_worker() -> Response:
    urls, version = shell_files()
    shell = json.dumps({"version": version, "urls": urls})
    script = f"self.KETPATH_SHELL = {shell};\n" + SERVICE_WORKER.read_text(encoding="utf-8")
    return Response(script, media_type=SCRIPT_TYPE)


@router.get(OFFLINE_PAGE, name="offline")
def offline_page(request: Request) -> Response:
    """What the worker shows for a page it cannot fetch: no one's data, so it may be kept."""
    return render(request, "offline.html", {"user": None})


# ---------------------------------------------------------------- entries made offline


def _refused(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


class EntryError(BadInput):
    """A queued entry that can never be stored as sent (a 422 naming why)."""


def _entry_form(body: Any) -> tuple[str, SimpleForm, datetime]:
    """The kind, the form fields and the moment made, from a queued entry's JSON body."""
    if not isinstance(body, dict):
        raise EntryError("the body is an object with kind, fields and made_at")
    kind = body.get("kind")
    if kind not in LOGGABLE:
        raise EntryError(f"kind is one of: {', '.join(LOGGABLE)}")
    fields = body.get("fields")
    if not isinstance(fields, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)
        for pair in fields
    ):
        raise EntryError("fields is a list of [name, value] pairs of text")
    return kind, SimpleForm.from_items((name, value) for name, value in fields), _made_at(body)


def _made_at(body: dict[str, Any]) -> datetime:
    """When the entry was made on the device; a clock running ahead is held to now."""
    text = body.get("made_at")
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise EntryError("made_at is a date and time with a UTC offset")
    return min(moment.astimezone(UTC), datetime.now(UTC))


def _problem(error: RecordError) -> str:
    """What was wrong, as the Log page says it: no "line 1", the time named in words.

    The queue shows it beside the entry, so it is in the person's language
    (``present.record_problems``); the field's name stays as it is.
    """
    words = problem_words(error.problem)
    if error.field in (None, "time"):
        return words
    return f"{error.field}: {words}"


def _records(request: Request, user: User) -> list[Record]:
    assert user.person_name is not None
    return [entry.record for entry in own_entries(database(request), user.person_name)]


def _store(request: Request, user: User, record: Record) -> dict[str, Any]:
    """Store the keyed record the way the API does; a person with no history yet gets one."""
    assert user.person_name is not None
    author = Author(user_id=user.id, role="person")
    try:
        added = write_records(database(request), user.person_name, [record], author=author)
    except PersonNotFound:  # as the Log form does (log_record(create=True))
        record_id = log_record(
            database(request), user.person_name, record, create=True, author=author
        )
        return {"ids": [record_id], "count": 1, "already_present": 0}
    return {"ids": added.ids, "count": added.stored, "already_present": added.already_present}


@router.post("/offline/entries", name="offline_entries")
async def offline_entries(request: Request) -> Response:
    """Store one entry that waited on the device: answers in JSON, never a page or redirect."""
    user = optional_user(request)
    if user is None:
        return _refused(401, _("Sign in to send the entries waiting on this device."))
    if user.person_name is None:
        return _refused(403, _("Only a person's own entries are sent from this device."))
    try:
        key = checked_key(request.headers.get("idempotency-key", ""))
        body = await request.json()
    except IdempotencyKeyError as error:
        return _refused(422, f"Idempotency-Key: {error}")
    except ValueError:
        return _refused(422, "the body is not JSON")
    db = database(request)
    body_hash = request_hash(body)
    try:
        replayed = replay(db, user_id=user.id, key=key, body_hash=body_hash)
    except IdempotencyKeyError as error:
        return _refused(422, f"Idempotency-Key: {error}")
    if replayed is not None:
        return replayed_response(replayed)
    try:
        kind, form, made_at = _entry_form(body)
        zone = form_zone(_records(request, user), form)
        record = record_from_form(kind, form, zone=zone, now=made_at)
        [record] = keyed([record], user_id=user.id, key=key)
        created = _store(request, user, record)
    except RecordError as error:  # also RecordRefused (a future time, a clinic record)
        return _refused(422, _problem(error))
    except (EntryError, TooManyRecords) as error:
        return _refused(422, str(error))
    status = 201 if created["count"] else 200
    remember(
        db, user_id=user.id, key=key, body_hash=body_hash, status_code=status, response=created
    )
    return JSONResponse(created, status_code=status)
