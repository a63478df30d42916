"""``ketpath serve`` takes the SMTP server for reminder e-mails from options or the environment.

``--help`` documents each option with its variable; half a configuration (a
host with no From address, or the reverse) is one line and exit 2 before
anything starts, rather than a server that fails to send later.
"""

from __future__ import annotations

from typer.testing import CliRunner

from ketpath.cli import app

runner = CliRunner()


def test_help_documents_the_smtp_and_base_url_options_and_their_variables() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for option, variable in (
        ("--smtp-host", "KETPATH_SMTP_HOST"),
        ("--smtp-port", "KETPATH_SMTP_PORT"),
        ("--smtp-from", "KETPATH_SMTP_FROM"),
        ("--base-url", "KETPATH_BASE_URL"),
    ):
        assert option in result.output
        assert variable in result.output
    assert "e-mail reminders are shown as unavailable" in result.output


def test_an_smtp_host_without_a_from_address_is_refused_in_one_line() -> None:
    result = runner.invoke(app, ["serve", "--port", "1", "--smtp-host", "127.0.0.1"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --smtp-host needs --smtp-from, the address reminder e-mails come from"
    )


def test_a_from_address_from_the_environment_without_a_host_is_refused() -> None:
    result = runner.invoke(
        app, ["serve", "--port", "1"], env={"KETPATH_SMTP_FROM": "reminders@example.org"}
    )
    assert result.exit_code == 2
    assert (
        result.output.strip() == "error: --smtp-from needs --smtp-host (the server to send through)"
    )
