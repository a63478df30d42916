"""HTML of lines that come back unchanged from view to view, rendered once per line and language.

A warm roster of 1,000 patients lists a row for each and, on the benchmark's
data, about 1,600 "Needs attention" lines. Rendered in the page's loop, each
line's ``{% trans %}`` was a gettext call through Jinja's context (which
copies the context) and markupsafe's escaping formatter: about three fifths
of the view's CPU, the largest part of the warm roster's p95 (issue 16.1).
Yet a line's HTML depends only on what it shows and on the language it is
shown in, and from one view to the next almost every line shows the same.

So each line is a tuple of exactly the values it shows (a ``NamedTuple``:
``web.clinician.RosterLine``, ``present.clinician.AttentionLine``) and its
HTML is kept under that tuple and the language. A line whose data changed (a
summary recomputed after a write in any process, a day more of silence, a new
label) is a different key and is rendered afresh, and so is every line in
another language: nothing kept can be stale. The lines not kept are rendered
together, by a template that loops over them as the page did (a macro call
per line took twice as long as the page's loop, which would have slowed the
cold roster), in the language's own environment, each followed by a marker
that no escaped value can contain (``<`` is escaped), and split there; the
page's HTML is the same as before, byte for byte.

What is inexact: lines no longer shown stay until the cache is full, and then
everything is forgotten at once (the next view renders its lines again, as
the first view after a restart does); several worker processes each keep
their own.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from typing import cast

from markupsafe import Markup

from ketpath.web.templating import templates_for

__all__ = ["ATTENTION_LINES", "LINE_END", "PATIENT_ROWS", "LineFragments"]

#: Lines kept per kind: a 1,000-patient roster with its attention lines in every shipped language.
MAX_LINES = 20_000


#: What follows each line in a batch; markup, so no escaped value can contain it.
LINE_END = Markup("<!--end of line-->")


class LineFragments:
    """The HTML of one template's lines, by line and language (thread-safe; bounded).

    ``template`` renders ``lines``, each followed by ``end``.
    """

    def __init__(self, template: str, *, max_lines: int = MAX_LINES) -> None:
        self._template = template
        self._max_lines = max_lines
        self._html: dict[tuple[str, Hashable], str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._html)

    def joined(self, language: str, lines: Sequence[Hashable]) -> Markup:
        """The HTML of ``lines`` in ``language``, one after another."""
        known = self._html
        found = [known.get((language, line)) for line in lines]
        if None not in found:
            return Markup("".join(cast(list[str], found)))  # each, an autoescaped template's output
        missing = [line for line, html in zip(lines, found, strict=True) if html is None]
        rendered = self._rendered(language, missing)
        parts = [
            html if html is not None else rendered[line]
            for line, html in zip(lines, found, strict=True)
        ]
        return Markup("".join(parts))

    def _rendered(self, language: str, lines: list[Hashable]) -> dict[Hashable, str]:
        """The lines' HTML, rendered in one go, and kept."""
        template = templates_for(language).env.get_template(self._template)
        parts = template.render(lines=lines, end=LINE_END).split(LINE_END)
        if len(parts) != len(lines) + 1:
            raise RuntimeError(f"{self._template} rendered {len(parts) - 1} of {len(lines)} lines")
        rendered = dict(zip(lines, parts, strict=False))
        with self._lock:
            if len(self._html) + len(rendered) > self._max_lines:
                self._html.clear()
            self._html.update(((language, line), html) for line, html in rendered.items())
        return rendered

    def clear(self) -> None:
        with self._lock:
            self._html.clear()


#: The roster's rows (``web.clinician.RosterLine``).
PATIENT_ROWS = LineFragments("clinician/_roster_rows.html")
#: The roster's "Needs attention" lines (``present.clinician.AttentionLine``).
ATTENTION_LINES = LineFragments("clinician/_attention_lines.html")
