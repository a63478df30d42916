"""``python -m ketpath.web``: the ``serve`` command on its own (used by the tests' live server)."""

from __future__ import annotations

import typer

from ketpath.cli.server import serve

if __name__ == "__main__":
    typer.run(serve)
