"""``ketpath audit list`` and ``ketpath audit verify``: read and check the audit log.

The functions are Typer-annotated and make the ``audit`` group, which
``ketpath.cli`` registers. ``verify`` exits 0 when the hash chain is intact and 1, naming the
first broken row, when it is not, so a cron job or a monitor can run it.
Everything a row holds came from someone else (an email typed at
registration, a person's name), so it is printed inertly (``terminal_text``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from ketpath.cli.common import DbOption, console, errors
from ketpath.present.i18n import _, ngettext
from ketpath.present.terminal_text import inert, json_line

BROKEN = 1

audit_app = typer.Typer(
    help="The hash-chained audit log of clinician reads and consent.", no_args_is_help=True
)


@audit_app.command("list")
def audit_list(
    person: Annotated[
        str | None, typer.Option("--person", "-p", help="Only rows about this person (by name).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines instead of a table.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Show the audit log: who read or shared whose data, and sign-ins, oldest first."""
    from ketpath.services import open_database  # noqa: PLC0415 (keeps --help quick)
    from ketpath.services.audit import list_entries  # noqa: PLC0415

    with open_database(db) as database:
        entries = list_entries(database, person_name=person)
    if as_json:
        for entry in entries:
            print(json_line(entry.to_dict()))
        return
    table = Table("#", _("when (UTC)"), _("who"), _("role"), _("action"), _("person"), _("detail"))
    for column in table.columns[:5]:
        column.no_wrap = True
    for entry in entries:
        table.add_row(
            str(entry.seq),
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            inert(entry.actor_email),
            inert(entry.actor_role),
            inert(entry.action),
            inert(entry.person_name or (str(entry.person_id) if entry.person_id else None)),
            inert(json.dumps(entry.detail, sort_keys=True, ensure_ascii=False), empty="")
            if entry.detail
            else "",
        )
    console.print(table)


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Check the audit log's hash chain; exit 1 naming the first broken row."""
    from ketpath.services import open_database  # noqa: PLC0415
    from ketpath.services.audit import verify_chain  # noqa: PLC0415

    with open_database(db) as database:
        result = verify_chain(database)
    if result.ok:
        console.print(
            ngettext("audit log intact: %(num)s row", "audit log intact: %(num)s rows", result.rows)
        )
        return
    errors.print(
        ngettext(
            "audit log broken at row %(row)s: %(problem)s (%(num)s row before it checks out)",
            "audit log broken at row %(row)s: %(problem)s (%(num)s rows before it check out)",
            result.rows,
            row=result.broken_seq,
            problem=inert(result.problem),
        ),
        highlight=False,
    )
    raise typer.Exit(code=BROKEN)
