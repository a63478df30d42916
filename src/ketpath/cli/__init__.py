"""The ``ketpath`` command line: thin wrappers over the services.

Exit codes: 0 ok, 2 bad input (a one-line message naming what is wrong, never
a traceback), 1 anything unexpected (set ``KETPATH_DEBUG=1`` to see the
traceback). Bad input is any :class:`ketpath.errors.BadInput`, raised by a
command or by the services and the core beneath it.

This module is the table of contents: each group of commands lives in its own
module (``records``, ``body``, ``instruments``, ``report``, ``server``,
``audit``, ``population``) and is registered here, in the order ``--help``
lists them.
"""

from __future__ import annotations

import os
import sys

import typer

from ketpath.cli import audit, body, instruments, population, records, report, server
from ketpath.cli.common import (
    BAD_INPUT,
    UNEXPECTED,
    LangOption,
    choose_language,
    error_words,
    errors,
    language,
)
from ketpath.errors import BadInput
from ketpath.present.i18n import _, reset_language, use_language
from ketpath.present.terminal_text import inert

# The store, the web stack, FHIR, plotting and the population model are
# imported inside the commands that use them, so `ketpath --help` stays quick.

app = typer.Typer(
    help="ketpath: how ketamine use develops over time, and what to do about it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def global_options(ctx: typer.Context, lang: LangOption = None) -> None:
    """ketpath: how ketamine use develops over time, and what to do about it."""
    token = choose_language(lang)
    # The language lasts for this command's run, not for the process that ran it.
    ctx.call_on_close(lambda: reset_language(token))


app.command("assess")(records.assess_file)
app.command("import")(records.import_file)
app.command("export")(records.export_person)
app.command("status")(records.status)
app.command("people")(records.people)
app.add_typer(records.log_app, name="log")
app.command("pk")(body.pk)
app.command("body")(body.body_history)
app.command("instruments")(instruments.list_instruments)
app.command("score")(instruments.score_answers)
app.command("wording")(instruments.check_wording)
app.command("report")(report.report)
app.add_typer(server.user_app, name="user")
app.add_typer(server.token_app, name="token")
app.add_typer(audit.audit_app, name="audit")
app.command("serve")(server.serve)
app.command("simulate")(population.simulate)
app.command("calibrate")(population.calibrate)
app.command("sweep")(population.sweep)
app.command("uncertainty")(population.uncertainty)
app.command("synth")(population.synth)
app.command("validate-person-model")(population.validate_person_model)


def run(args: list[str] | None = None) -> int:
    """Run the CLI on ``args`` (default: the process arguments) and return the exit code."""
    try:
        app(args=args, prog_name="ketpath")
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else BAD_INPUT)
    except BadInput as error:
        # The run's language was put back when its context closed; the error is said in it.
        with use_language(language()):
            words = error_words(error)
        errors.print(f"[red]ketpath:[/red] {inert(words)}", highlight=False)
        return BAD_INPUT
    except Exception as error:
        if os.environ.get("KETPATH_DEBUG"):
            raise
        with use_language(language()):
            label = _("unexpected error:")
        errors.print(
            "[red]ketpath: " + inert(label) + f"[/red] {type(error).__name__}: {inert(str(error))}",
            highlight=False,
        )
        return UNEXPECTED
    return 0


def main() -> None:
    sys.exit(run())
