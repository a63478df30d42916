"""The web commands: ``ketpath serve``, ``ketpath user create``, ``ketpath token create|list|revoke``.

Plain functions with Typer annotations; ``ketpath.cli`` registers them. Bad
input prints one line to stderr and exits with 2, as the rest of the CLI does.
Stored text is printed inertly (``terminal_text``): it may have come from anyone.

``serve`` trusts ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from the
addresses given with ``--trusted-proxy`` (or ``KETPATH_TRUSTED_PROXY``). It
used to trust them from 127.0.0.1 while listening there itself, so any local
program could claim any client address (and walk past the per-address login
limit) or claim https (issue 11).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer

# The web stack and the store are imported inside the commands, so that
# registering these commands does not slow down every other `ketpath` command.

LOOPBACK = "127.0.0.1"
BAD_INPUT = 2
TRUSTED_PROXY_VARIABLE = "KETPATH_TRUSTED_PROXY"

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite path (default: KETPATH_DB, else SQLite in your data folder).",
    ),
]


def _fail(message: str) -> NoReturn:
    from ketpath.terminal_text import without_controls  # noqa: PLC0415

    typer.echo(f"error: {without_controls(message)}", err=True)
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
            "(a temporary database unless --db is given; 127.0.0.1 only).",
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
) -> None:
    """Start the web app (pages and the JSON API) on this machine."""
    import uvicorn  # noqa: PLC0415

    from ketpath.services import accounts  # noqa: PLC0415
    from ketpath.web.app import create_app  # noqa: PLC0415
    from ketpath.web.demo import create_demo_account  # noqa: PLC0415
    from ketpath.web.settings import Settings  # noqa: PLC0415

    if demo and host != LOOPBACK:
        _fail("--demo listens on 127.0.0.1 only")
    proxies = ",".join(part.strip() for part in (trusted_proxy or "").split(",") if part.strip())
    url = db
    if demo and url is None:
        url = str(Path(tempfile.mkdtemp(prefix="ketpath-demo-")) / "demo.db")
    app = create_app(Settings(database_url=url))
    if demo:
        try:
            email, password = create_demo_account(app.state.db, today=date.today())
        except accounts.AccountError as error:
            _fail(f"demo account: {error.problem}")
        typer.echo(f"Demo login: {email}  password: {password}")
    typer.echo(f"ketpath on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        log_level="warning",
    )


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
        _fail("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            user = accounts.register(database, email=email, password=password, role=role)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(f"created {user.role} account {user.id}")


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


def token_list(
    email: Annotated[str, typer.Argument(help="Whose tokens.")],
    db: DbOption = None,
) -> None:
    """List an account's API tokens (never the tokens themselves): id, label, created, expires."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from ketpath.services import accounts, open_database  # noqa: PLC0415
    from ketpath.terminal_text import inert  # noqa: PLC0415

    with open_database(db) as database:
        try:
            tokens = accounts.list_api_tokens(database, email=email)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    table = Table("id", "label", "created (UTC)", "expires (UTC)", title=inert(email.strip()))
    for token in tokens:
        expires = token.expires_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(token.id),
            inert(token.label),
            token.created_at.strftime("%Y-%m-%d %H:%M"),
            f"{expires} (expired)" if token.expired() else expires,
        )
    Console().print(table)


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
        _fail("give a token id or --all (not both)")
    with open_database(db) as database:
        try:
            if revoke_all:
                count = accounts.revoke_all_api_tokens(database, email=email)
                typer.echo(f"revoked {count} token(s)")
                return
            user = accounts.find_user(database, email=email)
            if user is None:
                _fail("email: no account with this email")
            assert token_id is not None
            accounts.revoke_api_token(database, user_id=user.id, token_id=token_id)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(f"revoked token {token_id}")
