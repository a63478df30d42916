"""The web application factory: ``create_app(Settings(...))``.

One app serves the person's pages (``pages``), the account pages
(``accounts``) and the JSON API (``api``). The database is opened (and
migrated) when the app is built and closed when it shuts down; routes reach it
as ``request.app.state.db``. Only the API is described in ``/openapi.json``;
there is no interactive docs page, because FastAPI's loads its script from a CDN.

FastAPI's own OpenTelemetry (spans, metrics, and error logs with exception
messages) is switched off: it would start recording as soon as anything in
the process set up an OpenTelemetry provider, or export to a collector named
in ``OTEL_*`` variables, and ketpath sends nothing off the machine that the
person did not export or share.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

import ketpath
from ketpath.knowledge.clinic_wording import load_wordings
from ketpath.services import open_database
from ketpath.services.accounts import BoundedPasswordHasher
from ketpath.services.roster_refresh import RosterRefresher
from ketpath.web import (
    accounts,
    api,
    clinician,
    contingency,
    contingency_settings,
    craving,
    deps,
    disputes,
    language,
    offline,
    onboarding,
    pages,
    reminders,
    reports,
    sharing,
)
from ketpath.web.errors import install_error_handlers, unexpected_error_response
from ketpath.web.security import SecurityMiddleware
from ketpath.web.settings import Settings
from ketpath.web.templating import STATIC_DIR

#: Every signal of FastAPI's built-in OpenTelemetry off, and no exporters from the environment.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    config = settings or Settings()
    # Read before the database opens: a bad file stops the start with its name and field.
    wordings = load_wordings(config.wording_dir) if config.wording_dir is not None else {}
    db = open_database(config.database_url, limits=config.record_limits)

    sender = reminders.reminder_sender(db, config)
    refresher = RosterRefresher(db)  # roster summaries kept fresh off the requests (issue 16.1)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if sender is not None:
            sender.start()
        refresher.start()
        # What is loaded by now (modules, routes, the app) lives as long as the app:
        # kept out of the collector's sight, a full collection walks only what came
        # after. On a 1,000-patient roster one fell every few views and cost more
        # than the rest of the page (the warm roster's p95, issue 16.1). Given back
        # at shutdown, so an app built and stopped many times (tests) leaks nothing.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            refresher.stop()
            if sender is not None:
                sender.stop()
            db.close()

    app = FastAPI(
        title="ketpath",
        version=getattr(ketpath, "__version__", "0"),
        description="A person's own ketamine-use records and assessment.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
        dependencies=[Depends(deps.unlocked)],  # the app lock: a locked session reaches no route
    )
    app.state.settings = config
    app.state.db = db
    app.state.roster_refresher = refresher
    app.state.wordings = wordings
    app.state.hasher = BoundedPasswordHasher.bounded(
        config.password_profile,
        slots=config.hashing_slots,
        wait_seconds=config.hashing_wait_seconds,
    )
    app.add_middleware(
        SecurityMiddleware,
        max_body_bytes=config.max_body_bytes,
        on_error=unexpected_error_response,
    )
    app.add_middleware(language.LanguageMiddleware)
    install_error_handlers(app)

    # The liveness probe is the first route: a request is matched against the
    # routes in order, and matching /healthz after every router's routes was a
    # quarter of what the probe cost (py-spy, issue 16.3).
    @app.get("/healthz", tags=["health"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        # Asynchronous: it waits on nothing, and a plain ``def`` took a hop to the
        # thread pool and back on every probe, half of what the request cost.
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(sharing.api_router)
    app.include_router(clinician.api_router)
    app.include_router(accounts.router)
    app.include_router(language.router)
    app.include_router(sharing.pages_router)
    app.include_router(clinician.pages_router)
    app.include_router(contingency.router)
    app.include_router(contingency_settings.router)
    app.include_router(reports.router)
    app.include_router(disputes.router)
    app.include_router(reminders.router)
    app.include_router(onboarding.router)
    reminders.redact_feed_addresses()
    app.include_router(offline.router)
    app.include_router(craving.router)
    app.include_router(pages.router, include_in_schema=False)

    return app
