"""``ketpath serve --reminder-interval``: how often the reminder sender looks for due e-mails.

The default stays once a minute (just after each minute starts); a shorter
interval lets a test's server send a reminder within a second of its minute
instead of up to a minute later.
"""

from __future__ import annotations

from typer.testing import CliRunner

from ketpath.cli import app
from ketpath.cli.server import REMINDER_CHECK_SECONDS, _settings
from ketpath.services.reminders import CHECK_INTERVAL_SECONDS

runner = CliRunner()


def test_help_documents_the_interval_and_its_default() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "--reminder-interval" in result.output
    assert "Default: once a minute" in result.output


def test_the_default_is_the_sender_s_own_once_a_minute() -> None:
    assert REMINDER_CHECK_SECONDS == CHECK_INTERVAL_SECONDS
    assert _settings({}).reminder_interval_seconds == CHECK_INTERVAL_SECONDS


def test_the_interval_given_reaches_the_app_s_settings() -> None:
    assert _settings({"reminder_check_seconds": 1.0}).reminder_interval_seconds == 1.0


def test_an_interval_under_a_second_is_refused() -> None:
    result = runner.invoke(
        app, ["serve", "--port", "1", "--reminder-interval", "0.1"], env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 2
    assert "--reminder-interval" in result.output
