"""docs/deploy.md names only commands, options, settings and files that exist.

An operator copies these commands into a root shell, so a renamed option or
a variable nobody reads would fail at the worst moment, or silently do
nothing. These tests read the page as text: every ``ketpath …`` command in a
code block or an inline code span must name real subcommands and options
(checked against the Typer app itself), every ``KETPATH_…`` variable must be
read somewhere in the code or the scripts, and every file it points to must
be in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from ketpath.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy.md"
PRINTED_NOT_TYPED = ("ketpath on http",)
"""Inline spans that quote what ketpath prints rather than a command to type."""
SHELL_SEPARATORS = re.compile(r"\s*(?:'|;|&&|\|\||\||#|$)")


def _text() -> str:
    return DEPLOY.read_text(encoding="utf-8")


def command_lines() -> list[str]:
    """Every ``ketpath …`` command in the page, as typed: in code blocks (continuations
    joined) where ``ketpath`` starts the line or is a path's last part, and inline spans
    that start with it."""
    text = _text()
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.DOTALL)
    prose = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.DOTALL)
    candidates = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    candidates += [
        span for span in re.findall(r"`([^`\n]+)`", prose) if span.startswith("ketpath ")
    ]
    found = []
    for candidate in candidates:
        for match in re.finditer(r"(?:^\s*|(?<=/bin/))ketpath\s+(?=[a-z-])", candidate):
            rest = candidate[match.end() - len(match.group(0).lstrip()) :]
            if rest.startswith(PRINTED_NOT_TYPED):
                continue
            end = SHELL_SEPARATORS.search(rest, len("ketpath "))
            found.append(" ".join(rest[: end.start() if end else len(rest)].split()))
    return found


def _check(line: str, root: Any) -> list[str]:
    """Problems with one command line; ``root`` is the Typer app's command (Typer vendors Click)."""
    words = line.split()[1:]
    command, path = root, ["ketpath"]
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        sub = command.commands.get(words[0])
        if sub is None:
            return [f"{line}: `{' '.join(path)}` has no command {words[0]!r}"]
        command, path = sub, [*path, words.pop(0)]
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    options.add("--help")
    return [
        f"{line}: `{' '.join(path)}` has no option {word.split('=')[0]}"
        for word in words
        if word.startswith("--") and word.split("=")[0] not in options
    ]


def test_the_page_shows_the_commands_an_operator_needs() -> None:
    lines = command_lines()
    for needed in ("ketpath serve", "ketpath audit verify", "ketpath user create"):
        assert any(line.startswith(needed) for line in lines), needed


def test_every_ketpath_command_and_option_on_the_page_exists() -> None:
    root = typer.main.get_command(app)
    problems = [problem for line in command_lines() for problem in _check(line, root)]
    assert problems == []


def _source_text() -> str:
    paths = [*(ROOT / "src" / "ketpath").rglob("*.py"), *(ROOT / "scripts").glob("*")]
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in paths)


def test_every_ketpath_variable_on_the_page_is_read_by_the_code_or_the_scripts() -> None:
    named = set(re.findall(r"\bKETPATH_[A-Z_]+\b", _text()))
    assert {"KETPATH_DB", "KETPATH_TRUSTED_PROXY", "KETPATH_SMTP_HOST"} <= named
    source = _source_text()
    assert sorted(name for name in named if f'"{name}"' not in source and name not in source) == []


@pytest.mark.parametrize("folder", ["scripts", "docs", "benchmarks", "tests"])
def test_every_repository_file_the_page_names_exists(folder: str) -> None:
    named = set(re.findall(rf"\b{folder}/[\w./-]+\.(?:sh|py|md|toml)\b", _text()))
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert missing == []


def test_every_module_the_page_names_exists() -> None:
    named = set(re.findall(r"`((?:store|services|web|cli|core)/[\w/]+\.py)`", _text()))
    assert named
    missing = sorted(name for name in named if not (ROOT / "src" / "ketpath" / name).exists())
    assert missing == []
