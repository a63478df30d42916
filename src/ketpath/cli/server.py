"""The web commands: ``ketpath serve``, ``ketpath user create|reset``, ``ketpath token create|list|revoke``.

Functions with Typer annotations: ``ketpath.cli`` registers ``serve`` and the
``user`` and ``token`` groups. Bad input prints one line to stderr (``error:
…``) and exits with 2 here, in the command, so the functions behave the same
on any Typer app (the tests register them on their own).
Stored text is printed inertly (``terminal_text``): it may have come from anyone.

``serve`` trusts ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from the
addresses given with ``--trusted-proxy`` (or ``KETPATH_TRUSTED_PROXY``). It
used to trust them from 127.0.0.1 while listening there itself, so any local
program could claim any client address (and walk past the per-address login
limit) or claim https (issue 11).

``serve`` binds its socket before anything else, so a port in use is one
line and exit 2 rather than a printed URL followed by "address already in
use"; it prints "ketpath on http://… (database: …)" only once the server
accepts connections, naming the SQLite file or the URL without its password.
``--demo`` uses ``--db`` or ``KETPATH_DB`` when given (as the help says) and
otherwise a temporary folder, which is removed when the server stops (issue
12, point 9).

``--workers N`` runs N server processes on the one listening socket (issue 16,
point 2). That needs PostgreSQL: everything the processes share is kept in
the database under its locks (the audit chain head, one-time share codes,
rate-limit buckets, sessions, idempotency keys, record quotas; caches in each
process are keyed by a version stored there), whereas SQLite admits one writer
at a time, which more processes would only queue for, losing the shared
commit of ``store.group_commit``. So ``--workers`` above 1 on SQLite is
refused with the fix in the message. The schema is migrated, and the demo
account made, once in the parent before any worker starts; each worker then
builds its own app with :func:`worker_app` (uvicorn's workers are spawned
processes and import the app by name), from settings the parent hands down in
``KETPATH_SERVE_SETTINGS``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ketpath.cli.common import DbOption
from ketpath.present.i18n import _, ngettext

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import URL

    from ketpath.services import Database
    from ketpath.services.reminders import MailServer
    from ketpath.web.settings import Settings

# The web stack and the store are imported inside the commands, so that
# registering these commands does not slow down every other `ketpath` command.

LOOPBACK = "127.0.0.1"
BAD_INPUT = 2
TRUSTED_PROXY_VARIABLE = "KETPATH_TRUSTED_PROXY"
SMTP_HOST_VARIABLE = "KETPATH_SMTP_HOST"
SMTP_PORT_VARIABLE = "KETPATH_SMTP_PORT"
SMTP_FROM_VARIABLE = "KETPATH_SMTP_FROM"
BASE_URL_VARIABLE = "KETPATH_BASE_URL"
WORDING_VARIABLE = "KETPATH_WORDING"
DATABASE_VARIABLE = "KETPATH_DB"
WORKER_SETTINGS_VARIABLE = "KETPATH_SERVE_SETTINGS"
"""How ``serve --workers`` hands its settings to the worker processes (JSON)."""
WORKER_START_SECONDS = 300.0
MAX_WORKERS = 64
REMINDER_CHECK_SECONDS = 60.0
"""``--reminder-interval``'s default: ``services.reminders.CHECK_INTERVAL_SECONDS``, as a
literal so that ``--help`` does not import the services (a test checks they agree)."""
_POSTGRES_SCHEMES = ("postgresql", "postgres")

user_app = typer.Typer(help="Manage web accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Personal access tokens for the JSON API.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    from ketpath.present.terminal_text import without_controls  # noqa: PLC0415

    typer.echo(_("error: %(message)s", message=without_controls(message)), err=True)
    raise typer.Exit(code=BAD_INPUT)


def serve(
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; keep 127.0.0.1 unless behind a proxy."),
    ] = LOOPBACK,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    db: DbOption = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Also open a demo account with an example history ending yesterday "
            "(a temporary database, removed on exit, unless --db or KETPATH_DB is given; "
            "127.0.0.1 only).",
        ),
    ] = False,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxy",
            envvar=TRUSTED_PROXY_VARIABLE,
            help="Address(es) of a reverse proxy whose X-Forwarded-For/-Proto headers are "
            "believed, comma-separated. Default: none, the headers are ignored.",
        ),
    ] = None,
    smtp_host: Annotated[
        str | None,
        typer.Option(
            "--smtp-host",
            envvar=SMTP_HOST_VARIABLE,
            help="SMTP server for check-in reminder e-mails (plain SMTP, e.g. a local relay). "
            "Default: none, and e-mail reminders are shown as unavailable.",
        ),
    ] = None,
    smtp_port: Annotated[
        int,
        typer.Option(
            "--smtp-port", envvar=SMTP_PORT_VARIABLE, min=1, max=65535, help="Port of --smtp-host."
        ),
    ] = 25,
    smtp_from: Annotated[
        str | None,
        typer.Option(
            "--smtp-from",
            envvar=SMTP_FROM_VARIABLE,
            help="The From address of reminder e-mails (needed with --smtp-host).",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar=BASE_URL_VARIABLE,
            help="The app's public address, linked from reminder e-mails. "
            "Default: http://HOST:PORT/ as served.",
        ),
    ] = None,
    lock_after: Annotated[
        float,
        typer.Option(
            "--lock-after-minutes",
            min=0.05,
            max=1440,
            help="Idle minutes after which a device kept signed in asks for its PIN "
            "(when the person has set one).",
        ),
    ] = 5.0,
    reminder_check_seconds: Annotated[
        float,
        typer.Option(
            "--reminder-interval",
            min=1,
            max=60,
            help="Seconds between looks for due reminder e-mails (with --smtp-host). "
            "Default: once a minute, just after it starts.",
        ),
    ] = REMINDER_CHECK_SECONDS,
    wording: Annotated[
        Path | None,
        typer.Option(
            "--wording",
            envvar=WORDING_VARIABLE,
            help="A folder of the clinic's question wording files (one TOML per questionnaire "
            "and language, e.g. the publisher's Chinese PHQ-9; see `ketpath wording --help`). "
            "Default: none, and questions show ketpath's own short labels where the published "
            "wording is not shipped.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=MAX_WORKERS,
            help="Server processes to run (PostgreSQL only; SQLite takes one). "
            "Around one per CPU core.",
        ),
    ] = 1,
) -> None:
    """Start the web app (pages and the JSON API) on this machine.

    With --smtp-host and --smtp-from it also e-mails the check-in reminders
    people ask for, checking each minute (or every --reminder-interval);
    the e-mails say only that it is time for a check-in and link to --base-url.
    """
    from ketpath.services import open_database  # noqa: PLC0415
    from ketpath.web.app import create_app  # noqa: PLC0415

    if demo and host != LOOPBACK:
        _fail("--demo listens on 127.0.0.1 only")
    url = db or os.environ.get(DATABASE_VARIABLE) or None
    if workers > 1 and not _is_postgres(url):
        _fail(
            f"--workers {workers} needs PostgreSQL: SQLite takes one writer at a time, so more "
            "processes would only wait for each other. Give --db postgresql://USER@HOST/DATABASE "
            f"(or set {DATABASE_VARIABLE}), or serve with --workers 1"
        )
    proxies = ",".join(part.strip() for part in (trusted_proxy or "").split(",") if part.strip())
    _mail_server(smtp_host, smtp_port, smtp_from)  # exit 2 now when half of it is given
    _check_wording(wording)
    handed_down: dict[str, object] = {
        "database_url": url,
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "smtp_from": smtp_from,
        "base_url": base_url or f"http://{_url_host(host)}:{port}/",
        "lock_after_minutes": lock_after,
        "reminder_check_seconds": reminder_check_seconds,
        "wording_dir": str(wording) if wording is not None else None,
    }
    listener = _listen(host, port)
    # Until uvicorn installs its own handlers, a SIGTERM still runs the clean-up below.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    demo_folder = None
    if demo and url is None:
        demo_folder = Path(tempfile.mkdtemp(prefix="ketpath-demo-"))
        handed_down["database_url"] = url = str(demo_folder / "demo.db")
    try:
        if workers == 1:
            app = create_app(_settings(handed_down))
            if demo:
                _open_demo_account(app.state.db)
            opened = _database_words(app.state.db.url)
            ready = f"ketpath on http://{_url_host(host)}:{port}/ (database: {opened})"
            _run(app, listener, ready, proxies)
            return
        # Migrate (and make the demo account) once, before the workers open the database.
        with open_database(url) as database:
            if demo:
                _open_demo_account(database)
            opened = _database_words(database.url)
        os.environ[WORKER_SETTINGS_VARIABLE] = json.dumps(handed_down)
        ready = (
            f"ketpath on http://{_url_host(host)}:{port}/ (database: {opened}; "
            f"{workers} worker processes)"
        )
        _run_workers(workers, listener, ready, proxies)
    finally:
        listener.close()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)


def _is_postgres(url: str | None) -> bool:
    """Whether the database named (None: the default SQLite file) is a PostgreSQL server."""
    scheme = (url or "").strip().split("://", 1)[0] if "://" in (url or "") else ""
    return scheme.split("+", 1)[0].lower() in _POSTGRES_SCHEMES


def _settings(handed_down: Mapping[str, object]) -> Settings:
    """The web app's settings from what ``serve`` was given (also in each worker process)."""
    from ketpath.web.settings import Settings  # noqa: PLC0415

    def text(name: str) -> str | None:
        value = handed_down.get(name)
        return value if isinstance(value, str) else None

    wording = text("wording_dir")
    port = handed_down.get("smtp_port")
    minutes = handed_down.get("lock_after_minutes")
    check = handed_down.get("reminder_check_seconds")
    return Settings(
        database_url=text("database_url"),
        mail_server=_mail_server(
            text("smtp_host"), port if isinstance(port, int) else 25, text("smtp_from")
        ),
        base_url=text("base_url"),
        lock_after=timedelta(minutes=float(minutes) if isinstance(minutes, int | float) else 5.0),
        reminder_interval_seconds=(
            float(check) if isinstance(check, int | float) else REMINDER_CHECK_SECONDS
        ),
        wording_dir=Path(wording) if wording else None,
    )


def worker_app() -> FastAPI:
    """The app of one ``serve --workers`` process, built from the parent's settings.

    uvicorn calls this in each spawned worker (``factory=True``); the parent has
    already migrated the database, so opening it here only connects.
    """
    from ketpath.web.app import create_app  # noqa: PLC0415

    handed_down = os.environ.get(WORKER_SETTINGS_VARIABLE)
    if handed_down is None:
        raise RuntimeError(
            f"worker_app is started by `ketpath serve --workers N` (no {WORKER_SETTINGS_VARIABLE})"
        )
    return create_app(_settings(json.loads(handed_down)))


def _open_demo_account(database: Database) -> None:
    """Make the demo account (or give a kept one a fresh password) and print how to log in."""
    from ketpath.services import accounts  # noqa: PLC0415
    from ketpath.web.demo import DEMO_EMAIL, create_demo_account  # noqa: PLC0415

    try:
        email, password = create_demo_account(database, today=date.today())
    except accounts.EmailTaken:  # a kept demo database: a fresh password, same history
        email = DEMO_EMAIL
        password = accounts.reset_password(database, email=DEMO_EMAIL)
    except accounts.AccountError as error:
        _fail(f"demo account: {error.problem}")
    typer.echo(f"Demo login: {email}  password: {password}")


def _mail_server(host: str | None, port: int, sender: str | None) -> MailServer | None:
    """The SMTP server to send reminders through, or None; exit 2 when half of it is given."""
    from ketpath.services.reminders import MailServer  # noqa: PLC0415

    host = (host or "").strip()
    sender = (sender or "").strip()
    if not host:
        if sender:
            _fail("--smtp-from needs --smtp-host (the server to send through)")
        return None
    if "@" not in sender:
        _fail("--smtp-host needs --smtp-from, the address reminder e-mails come from")
    return MailServer(host=host, port=port, sender=sender)


def _check_wording(folder: Path | None) -> None:
    """Exit 2 naming the file and field when the clinic's wording folder has a bad file."""
    if folder is None:
        return
    from ketpath.knowledge.clinic_wording import load_wordings  # noqa: PLC0415
    from ketpath.knowledge.load import KnowledgeError  # noqa: PLC0415

    try:
        load_wordings(folder)
    except KnowledgeError as error:
        _fail(f"--wording: {error}")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, or exit 2 saying why (before anything else)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as error:
        listener.close()
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    return listener


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _database_words(url: URL) -> str:
    """The file an SQLite database lives in, or the URL of another without its password."""
    from sqlalchemy.engine import URL  # noqa: PLC0415

    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).resolve())
    without_password = URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return without_password.render_as_string(hide_password=False)


def serving_options(proxies: str) -> dict[str, Any]:
    """uvicorn's options for ketpath, in one process or several (and in tests that serve it).

    No access log (a request line can carry a calendar feed's secret), no
    ``Server`` header, and forwarded headers believed only from ``proxies``
    (a comma-separated list of addresses; empty: from nobody).
    """
    return {
        "access_log": False,
        "server_header": False,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        "log_level": "warning",
    }


def _run(app: object, listener: socket.socket, ready: str, proxies: str) -> None:
    """Serve on ``listener``; ``ready`` is printed once the server accepts connections."""
    import uvicorn  # noqa: PLC0415

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                typer.echo(f"{ready}  (Ctrl+C to stop)")

    config = uvicorn.Config(app, **serving_options(proxies))  # type: ignore[arg-type]
    AnnouncingServer(config).run(sockets=[listener])


def _run_workers(workers: int, listener: socket.socket, ready: str, proxies: str) -> None:
    """Serve on ``listener`` from ``workers`` processes; ``ready`` once every one has started.

    uvicorn's supervisor spawns the workers, hands each the socket, restarts
    one that dies, and stops them all on SIGINT or SIGTERM.
    """
    import uvicorn  # noqa: PLC0415
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    class AnnouncingSupervisor(Multiprocess):
        def init_processes(self) -> None:
            super().init_processes()
            started = all(
                process.wait_until_ready(WORKER_START_SECONDS, self.should_exit)
                for process in self.processes
            )
            if started and not self.should_exit.is_set():
                typer.echo(f"{ready}  (Ctrl+C to stop)")

    config = uvicorn.Config(
        f"{__name__}:worker_app", factory=True, workers=workers, **serving_options(proxies)
    )
    AnnouncingSupervisor(config, sockets=[listener]).run()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (required)."),
    ] = False,
    role: Annotated[
        str, typer.Option("--role", help="person (their own records) or clinician.")
    ] = "person",
    db: DbOption = None,
) -> None:
    """Create an account; the password is read from standard input, never from the command line."""
    if not password_stdin:
        _fail(_("give the password on standard input with --password-stdin"))
    password = sys.stdin.readline().rstrip("\r\n")
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            user = accounts.register(database, email=email, password=password, role=role)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(_("created %(role)s account %(id)s", role=user.role, id=user.id))


@user_app.command("reset")
def user_reset(
    email: Annotated[str, typer.Argument(help="The account whose password was forgotten.")],
    db: DbOption = None,
) -> None:
    """Give an account a new random password, printed once; its sessions and API tokens end.

    For a person who has lost both the password and the recovery codes. Nothing
    of the account's records is read or printed. Hand the password over in
    person or by a channel you trust, and ask them to change it at once.
    """
    from ketpath.services import accounts, audit, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            password = accounts.reset_password(database, email=email)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
        user = accounts.find_user(database, email=email)
        assert user is not None
        audit.record_event(
            database, action="password-reset", actor=None, detail={"account": user.id}
        )
    typer.echo(_("new password: %(password)s", password=password))
    typer.echo(_("Shown once. Every session and API token of the account has ended."), err=True)


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    days: Annotated[
        int, typer.Option("--days", min=1, max=366, help="How many days the token works.")
    ] = 90,
    label: Annotated[
        str | None, typer.Option("--label", help="A name for the token in lists (e.g. laptop).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print a new personal access token for the JSON API (shown once; keep it secret)."""
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            token = accounts.create_api_token(database, email=email, days=days, label=label)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(token)


@token_app.command("list")
def token_list(
    email: Annotated[str, typer.Argument(help="Whose tokens.")],
    db: DbOption = None,
) -> None:
    """List an account's API tokens (never the tokens themselves): id, label, created, expires."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from ketpath.present.terminal_text import inert  # noqa: PLC0415
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            tokens = accounts.list_api_tokens(database, email=email)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    table = Table(
        _("id"), _("label"), _("created (UTC)"), _("expires (UTC)"), title=inert(email.strip())
    )
    for token in tokens:
        expires = token.expires_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(token.id),
            inert(token.label),
            token.created_at.strftime("%Y-%m-%d %H:%M"),
            _("%(time)s (expired)", time=expires) if token.expired() else expires,
        )
    Console().print(table)


@token_app.command("revoke")
def token_revoke(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    token_id: Annotated[
        int | None, typer.Argument(help="The token's id (from `ketpath token list`).")
    ] = None,
    revoke_all: Annotated[
        bool, typer.Option("--all", help="Revoke every token of the account.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Revoke one of an account's API tokens, or all of them with --all."""
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    if (token_id is None) == (not revoke_all):
        _fail(_("give a token id or --all (not both)"))
    with open_database(db) as database:
        try:
            if revoke_all:
                count = accounts.revoke_all_api_tokens(database, email=email)
                typer.echo(ngettext("revoked %(num)s token", "revoked %(num)s tokens", count))
                return
            user = accounts.find_user(database, email=email)
            if user is None:
                _fail(_("email: no account with this email"))
            assert token_id is not None
            accounts.revoke_api_token(database, user_id=user.id, token_id=token_id)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(_("revoked token %(id)s", id=token_id))
