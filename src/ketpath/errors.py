"""One base class for input a person can fix: the command line exits 2, the web answers 4xx.

Every error that means "what you gave me is wrong, and here is what to change"
derives from :class:`BadInput`, so an entry point maps all of them with one
``except`` instead of a list of classes to keep in step (``cli.py`` used to
keep a registry of them by module and name, and a new error was an exit 1
until someone added it). ``str(error)`` is the one line shown to the person.

A leaf module: it imports nothing of ketpath's, so every layer, ``core``
included, may derive from it.
"""

from __future__ import annotations


class BadInput(ValueError):  # noqa: N818 (reads as what the input is)
    """Input the user can fix; ``str(error)`` says what is wrong in one line."""


class FieldProblem(BadInput):
    """Bad input about one named field (a form field, an option, a setting).

    ``str(error)`` reads ``<field>: <problem>``; entry points that name the
    field their own way (``--from`` on the command line, a form's label on a
    page) use ``field`` and ``problem`` separately.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
