"""The README's layout and command reference are checked against the live tree and CLI.

The layout block (section "Layout") must name every top-level package under
``src/ketpath`` and every ring under ``tests/``, and nothing that is not
there. The command block (section "The command line") must name every command
and every group's subcommand that ``ketpath --help`` offers, and nothing
else. Both are read live: the tree from the file system, the commands from
the Typer app behind the ``ketpath`` console script (``typer.main.get_command``),
so the test follows packages and commands as they move. A failure prints what
is missing on each side. (datasette checks its documentation the same way.)
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PACKAGE = ROOT / "src" / "ketpath"
TESTS = ROOT / "tests"


def _section_block(title: str) -> list[str]:
    """The lines of the first fenced block under the README heading ``title``."""
    text = README.read_text(encoding="utf-8")
    heading = re.search(rf"^#+ {re.escape(title)}\s*$", text, re.M)
    assert heading is not None, f"README has no section {title!r}"
    block = re.search(r"^```[^\n]*\n(.*?)^```", text[heading.end() :], re.M | re.S)
    assert block is not None, f"README's section {title!r} has no fenced block"
    return block.group(1).splitlines()


def _diff(what: str, readme: set[str], real: set[str]) -> str:
    return (
        f"README's {what} has drifted.\n"
        f"  missing from the README: {sorted(real - readme)}\n"
        f"  in the README but not real: {sorted(readme - real)}"
    )


# ---------------------------------------------------------------- layout


def _layout() -> tuple[set[str], set[str], set[str]]:
    """From the layout block: src/ketpath's entries, the tests/ rings, other top-level folders."""
    entries: set[str] = set()
    rings: set[str] = set()
    folders: set[str] = set()
    current = ""
    for line in _layout_lines():
        top = re.match(r"(\S+)", line)
        if top:
            current = top.group(1)
            if current not in {"src/ketpath/", "tests/"} and current.endswith("/"):
                folders.add(current.rstrip("/"))
        elif current == "src/ketpath/":
            entry = re.match(r"  (\S+)", line)
            if entry:
                entries.add(entry.group(1).rstrip("/"))
        if current == "tests/":
            rings |= set(re.findall(r"(?:^|\s)([a-z0-9_]+)/ \(", line.removeprefix("tests/")))
    return entries, rings, folders


def _layout_lines() -> list[str]:
    return _section_block("Layout")


def test_the_layout_names_every_top_level_package_and_no_other() -> None:
    entries, _, _ = _layout()
    packages = {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()
    }
    named_packages = {entry for entry in entries if not entry.endswith(".py")}
    assert named_packages == packages, _diff("package list (Layout)", named_packages, packages)


def test_the_modules_the_layout_names_exist() -> None:
    entries, _, _ = _layout()
    modules = {entry for entry in entries if entry.endswith(".py")}
    real = {path.name for path in PACKAGE.glob("*.py")}
    assert modules <= real, f"README's Layout names modules that do not exist: {modules - real}"


def test_the_layout_names_every_test_ring_and_no_other() -> None:
    _, rings, _ = _layout()
    real = {path.name for path in TESTS.iterdir() if path.is_dir() and any(path.glob("test_*.py"))}
    assert rings == real, _diff("test rings (Layout)", rings, real)


def test_the_other_folders_the_layout_names_exist() -> None:
    _, _, folders = _layout()
    missing = {folder for folder in folders if not (ROOT / folder).is_dir()}
    assert not missing, f"README's Layout names folders that do not exist: {sorted(missing)}"


# ---------------------------------------------------------------- commands


def _app() -> typer.Typer:
    """The Typer app behind the ``ketpath`` console script (whatever module holds it)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    module = importlib.import_module(scripts["ketpath"].split(":")[0])
    app: typer.Typer = module.app
    return app


def _real_commands() -> tuple[set[str], set[str]]:
    """Every command as the user types it (``assess``, ``log use``) and the group names."""
    commands: set[str] = set()
    groups: set[str] = set()
    top: Any = typer.main.get_command(_app())
    for name, command in top.commands.items():
        if command.hidden:
            continue
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            commands.add(name)
            continue
        groups.add(name)
        commands |= {f"{name} {sub}" for sub, inner in subcommands.items() if not inner.hidden}
    return commands, groups


def _readme_commands(groups: set[str]) -> set[str]:
    """The commands the README's command block shows; ``log use|craving`` names two."""
    found: set[str] = set()
    for line in _section_block("The command line"):
        code = line.split("#", 1)[0]
        for segment in re.split(r"\|\s*(?=ketpath\b)", code):
            parts = segment.split()
            if len(parts) < 2 or parts[0] != "ketpath":
                continue
            if parts[1] in groups and len(parts) > 2:
                found |= {f"{parts[1]} {sub}" for sub in parts[2].split("|")}
            else:
                found.add(parts[1])
    return found


def test_the_command_reference_names_every_command_and_no_other() -> None:
    real, groups = _real_commands()
    readme = _readme_commands(groups)
    assert readme == real, _diff("command reference (The command line)", readme, real)
