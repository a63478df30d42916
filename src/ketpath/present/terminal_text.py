"""Text from the database or the network, made inert for the operator's terminal.

Stored text (an email address, a person's name, a token's label, an audit
row's detail) may hold terminal control sequences (``ESC [ 2 J`` clears the
screen, ``ESC ] 0 ;`` retitles the window, U+009B is an 8-bit CSI) or Rich
markup (``[blink]``), which the CLI would otherwise pass to the terminal
(issue 11). :func:`inert` escapes Rich markup (``rich.markup.escape``) and
writes every control, format (bidi overrides, zero-width) and line-separator
character as a visible ``\\xNN`` / ``\\uNNNN`` escape, so the operator sees
that something odd was stored instead of having it acted on.
:func:`json_line` does the same for JSON output, where such characters
become JSON's own ``\\uNNNN`` escapes (still the same string once parsed).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from rich.markup import escape

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _unsafe(character: str) -> bool:
    return unicodedata.category(character) in UNSAFE_CATEGORIES


def _visible(character: str) -> str:
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(character: str) -> str:
    """JSON's escape: a surrogate pair for characters beyond the Basic Multilingual Plane."""
    encoded = character.encode("utf-16-be")
    units = [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]
    return "".join(f"\\u{unit:04x}" for unit in units)


def without_controls(text: str) -> str:
    """``text`` with control and format characters written as visible escapes."""
    return "".join(_visible(c) if _unsafe(c) else c for c in text)


def inert(text: str | None, *, empty: str = "—") -> str:
    """Untrusted text ready for a Rich console or table cell: no markup, no control characters."""
    if text is None or text == "":
        return empty
    return escape(without_controls(text))


def json_line(value: Any) -> str:
    """One JSON line in which every control or format character is a ``\\uNNNN`` escape."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "".join(_json_escape(c) if _unsafe(c) else c for c in text)
