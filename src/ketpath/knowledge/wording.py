"""Filling the text templates of the knowledge base.

Templates are ``str.format`` strings. A whole number may also choose a word by
its value: ``{count:use|uses}`` gives ``use`` for 1 and ``uses`` otherwise, so
a template reads "{count} {count:use|uses}" rather than "{count} use(s)".
(English has two forms; the catalogs of other languages bring their own rules
when the texts are translated.) Any other format spec is passed to ``int``.
"""

from __future__ import annotations

from collections.abc import Mapping


class Count(int):
    """An int that can also pick the singular or plural word of a template."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, _bar, other = spec.partition("|")
            return one if self == 1 else other
        return int.__format__(int(self), spec)


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with ``values``; whole numbers may choose singular or plural words."""
    counted = {
        key: Count(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in values.items()
    }
    return template.format(**counted)
