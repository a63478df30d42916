"""``ketpath token revoke --all`` says how many tokens it ended in words, not "token(s)"."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketpath.cli import app as cli

runner = CliRunner()


@pytest.mark.parametrize(
    ("made", "said"), [(0, "revoked 0 tokens"), (1, "revoked 1 token"), (2, "revoked 2 tokens")]
)
def test_it_says_token_or_tokens_by_the_count(tmp_path: Path, made: int, said: str) -> None:
    database = str(tmp_path / "k.db")
    runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    for _ in range(made):
        runner.invoke(cli, ["token", "create", "d@example.org", "--db", database])
    result = runner.invoke(cli, ["token", "revoke", "d@example.org", "--all", "--db", database])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == said
