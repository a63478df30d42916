"""Why a record was refused, in the reader's language (issue 15): the import page's sentences.

``core.records`` says what is wrong with a record in English words built
around the values the person wrote (``must be at least 0 (it was -2)``); the
core is pure and below the catalogs, so it cannot translate them itself. This
module knows the shapes of those sentences and says them again through the
catalog, keeping every value exactly as written: a line number, a field name,
a time or a number stays as it was; only the words around them change. A
sentence of a shape not listed here is shown as the core wrote it, so nothing
is ever hidden; in English every sentence comes back unchanged (each msgid is
the core's own wording with its values as placeholders, which a test checks).
"""

from __future__ import annotations

import re

from ketpath.present.i18n import N_, _

__all__ = ["import_refusal", "problem_words"]

# Each shape: the core's sentence as a pattern (values as named groups) and the same
# sentence as a msgid (values as %(name)s). Ordered from the most to the least specific.
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), msgid)
    for pattern, msgid in (
        (r"missing \(required\)", N_("missing (required)")),
        (r"must not be empty", N_("must not be empty")),
        (r"each line must be a JSON object", N_("each line must be a JSON object")),
        (r"not valid JSON \((?P<detail>.*)\)", N_("not valid JSON (%(detail)s)")),
        (
            r"missing \(one of: (?P<allowed>.*)\)",
            N_("missing (one of: %(allowed)s)"),
        ),
        (
            r"unknown record type (?P<tag>.*); allowed: (?P<allowed>.*)",
            N_("unknown record type %(tag)s; allowed: %(allowed)s"),
        ),
        (
            r"unknown field for a (?P<kind>[\w-]+) record",
            N_("unknown field for a %(kind)s record"),
        ),
        (
            r"(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d) is in the future; ketpath keeps what has happened",
            N_("%(time)s is in the future; ketpath keeps what has happened"),
        ),
        (
            r"the time (?P<value>.*) has no UTC offset; write it with one, like (?P<example>\S+)",
            N_("the time %(value)s has no UTC offset; write it with one, like %(example)s"),
        ),
        (
            r"the time (?P<value>.*) is not a date and time ketpath reads; write (?P<example>\S+)",
            N_("the time %(value)s is not a date and time ketpath reads; write %(example)s"),
        ),
        (
            r"the date (?P<value>.*) is not a date ketpath reads; write (?P<example>\S+)",
            N_("the date %(value)s is not a date ketpath reads; write %(example)s"),
        ),
        (
            r"must be more than (?P<bound>\S+) \(it was (?P<value>.*)\)",
            N_("must be more than %(bound)s (it was %(value)s)"),
        ),
        (
            r"must be at least (?P<bound>\S+) \(it was (?P<value>.*)\)",
            N_("must be at least %(bound)s (it was %(value)s)"),
        ),
        (
            r"must be less than (?P<bound>\S+) \(it was (?P<value>.*)\)",
            N_("must be less than %(bound)s (it was %(value)s)"),
        ),
        (
            r"must be at most (?P<bound>\S+) \(it was (?P<value>.*)\)",
            N_("must be at most %(bound)s (it was %(value)s)"),
        ),
        (
            r"must be a finite number \(it was (?P<value>.*)\)",
            N_("must be a finite number (it was %(value)s)"),
        ),
        (
            r"must be a whole number \(it was (?P<value>.*)\)",
            N_("must be a whole number (it was %(value)s)"),
        ),
        (r"must be a number \(it was (?P<value>.*)\)", N_("must be a number (it was %(value)s)")),
        (
            r"must be text in quotes \(it was (?P<value>.*)\)",
            N_("must be text in quotes (it was %(value)s)"),
        ),
        (
            r"must be true or false \(it was (?P<value>.*)\)",
            N_("must be true or false (it was %(value)s)"),
        ),
        (
            r"(?P<value>.*) is not one of: (?P<allowed>.*)",
            N_("%(value)s is not one of: %(allowed)s"),
        ),
        (
            r"is longer than (?P<limit>\d+) characters",
            N_("is longer than %(limit)s characters"),
        ),
    )
)


def problem_words(problem: str) -> str:
    """The core's description of a problem in the current language (unchanged if unknown)."""
    for pattern, msgid in _SHAPES:
        match = pattern.fullmatch(problem)
        if match:
            return _(msgid, **match.groupdict()) if match.groupdict() else _(msgid)
    return problem


def import_refusal(problem: str, *, line: int | None = None, field: str | None = None) -> str:
    """``Nothing was imported.`` and where and what: ``Line 2: time: <problem>``, translated.

    The line number and the field's name stay as they are in any language; the
    problem is said by :func:`problem_words`. In English this is the sentence
    the import page has always shown (the first letter after the full stop is
    a capital).
    """
    words = problem_words(problem)
    if line is not None and field:
        return _(
            "Nothing was imported. Line %(line)s: %(field)s: %(problem)s",
            line=line,
            field=field,
            problem=words,
        )
    if line is not None:
        return _("Nothing was imported. Line %(line)s: %(problem)s", line=line, problem=words)
    where = f"{field}: {words}" if field else words
    return _("Nothing was imported. %(problem)s", problem=where[:1].upper() + where[1:])
