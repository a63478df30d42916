"""The web commands: ``ketpath serve``, ``ketpath user create``, ``ketpath token create``.

Plain functions with Typer annotations; ``ketpath.cli`` registers them. Bad
input prints one line to stderr and exits with 2, as the rest of the CLI does.
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

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite path (default: KETPATH_DB, else SQLite in your data folder).",
    ),
]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
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
) -> None:
    """Start the web app (pages and the JSON API) on this machine."""
    import uvicorn  # noqa: PLC0415

    from ketpath.services import accounts  # noqa: PLC0415
    from ketpath.web.app import create_app  # noqa: PLC0415
    from ketpath.web.demo import create_demo_account  # noqa: PLC0415
    from ketpath.web.settings import Settings  # noqa: PLC0415

    if demo and host != LOOPBACK:
        _fail("--demo listens on 127.0.0.1 only")
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
        proxy_headers=True,
        forwarded_allow_ips=LOOPBACK,
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
    db: DbOption = None,
) -> None:
    """Print a new personal access token for the JSON API (shown once; keep it secret)."""
    from ketpath.services import accounts, open_database  # noqa: PLC0415

    with open_database(db) as database:
        try:
            token = accounts.create_api_token(database, email=email)
        except accounts.AccountError as error:
            _fail(f"{error.field}: {error.problem}")
    typer.echo(token)
