"""One base for bad input (``ketpath.errors.BadInput``): every such error derives from it,
and the command line turns each into exit 2 with its message, through one ``except``.

The classes are found by reading the source (no import of the web stack or the
population model), so a new exception class fails here until it is either a
``BadInput`` or listed below with the reason it is not.
"""

from __future__ import annotations

import ast
import builtins
from functools import cache
from pathlib import Path

import pytest

import ketpath
from ketpath.cli import records, run
from ketpath.cli.common import InputError
from ketpath.cli.population import PopulationInputError
from ketpath.core.contingency import ContingencySettingsError
from ketpath.core.instruments import InstrumentError
from ketpath.core.records import RecordError
from ketpath.errors import BadInput, FieldProblem
from ketpath.interop.fhir import FhirError
from ketpath.knowledge.load import KnowledgeError
from ketpath.services.accounts import AccountError, EmailTaken
from ketpath.services.clinic_records import ClinicRecordReadOnly, ClinicRecordRefused
from ketpath.services.consent import ConsentError
from ketpath.services.idempotency import IdempotencyKeyError
from ketpath.services.people import PersonNotFound
from ketpath.services.plans import PlanError
from ketpath.services.quota import TooManyRecords
from ketpath.services.records import RecordNotFound
from ketpath.services.refusals import FutureRecordRefused, RecordRefused
from ketpath.services.reminders import ReminderError
from ketpath.services.reports import ReportError
from ketpath.store.database import PassphraseError
from ketpath.web.offline import EntryError
from ketpath.web.record_forms import UnansweredItemError

SOURCE = Path(ketpath.__file__).resolve().parent
HISTORY = Path(__file__).resolve().parents[2] / "examples" / "festival-user.jsonl"

NOT_BAD_INPUT = {
    "HashingBusy": "the server is short of hashing slots (503); the input was fine",
    "RateLimited": "too many attempts (429): wait, rather than change the input",
    "LoginRefused": "says no more than 'refused' on purpose (no field to name)",
    "RecoveryRefused": "says no more than 'refused' on purpose, as LoginRefused",
    "PinRefused": "a wrong PIN: counted towards ending the device session, not a field to fix",
    "SessionLocked": "the session is locked (423): the PIN screen, whatever the request was",
    "SessionEnded": "the fifth wrong PIN ended the device session: nothing left to fix",
    "CodeRefused": "a sharing code that is unknown, used or expired; says no more on purpose",
    "NoConsent": "a permission (the clinician has no consent), not a mistake in the input",
    "NotAllowed": "a permission (the account's role cannot do this)",
    "NotTheirEntry": "a permission (not a record this clinician entered), answered as not found",
    "ShareNotFound": "a share that does not exist (404)",
    "InterruptedWriteError": "the server's own failure while writing",
    "LoginRequired": "the web's redirect to the login page",
    "ImportRefused": "the upload page's own refusal, caught on that page to show the form again",
    "MissingFontError": "the machine lacks a CJK font (set-up, named fix: scripts/ensure-fonts.sh)",
    "ClosedCohortError": "a program built a population sim with deaths or births: a bug, no input",
}

EXAMPLES: dict[str, BadInput] = {
    error.__class__.__name__: error
    for error in (
        BadInput("something to change"),
        FieldProblem("field", "what is wrong with it"),
        InputError("--as-of: not an ISO 8601 time: 'soon'"),
        PopulationInputError("--agents must be at least 1 (got 0)"),
        ContingencySettingsError("max_value", "must be at least the start value"),
        InstrumentError("phq9 expects 9 answers, got 3", item="q4"),
        RecordError("must be between 0 and 10", field="intensity", line=3),
        FhirError("item 'q3': no answer", where="entry[3] QuestionnaireResponse/abc"),
        KnowledgeError("knowledge/body.toml: routes.smoked: not in the route vocabulary"),
        AccountError("email", "not an email address"),
        EmailTaken(),
        ClinicRecordReadOnly(7, "drug-screen"),
        ClinicRecordRefused("a drug screen is entered by the clinic", field="type", index=2),
        ConsentError("label", "at most 100 characters"),
        ReminderError("time", "a time of day such as 20:30"),
        EntryError("kind is one of: use, craving"),
        IdempotencyKeyError("an idempotency key is 1 to 255 visible ASCII characters"),
        PersonNotFound("sam"),
        PlanError("triggers", "at most 20 items"),
        TooManyRecords("20,001 records is more than one import may hold (20,000)", limit=20_000),
        RecordNotFound("sam", 12),
        FutureRecordRefused("is in the future", field="time", index=0),
        RecordRefused("already stored with other content", field="id", index=4),
        ReportError("to", "the period ends before it starts"),
        PassphraseError("cannot open k.db: wrong passphrase"),
        UnansweredItemError(position=4, instrument_id="phq9", item_id="q4", label="Tired"),
    )
}
# UnknownScenarioError needs the population model (Starsim) imported: it is run through
# `ketpath simulate` in test_population_commands.py.
NEEDS_THE_POPULATION_MODEL = {"UnknownScenarioError"}


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


@cache
def _classes_in_source() -> dict[str, list[tuple[str, list[str]]]]:
    """Every class defined under src/ketpath: name -> [(file, base names)]."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                where = str(path.relative_to(SOURCE))
                found.setdefault(node.name, []).append((where, _base_names(node)))
    return found


def _derives(name: str, classes: dict[str, list[tuple[str, list[str]]]], root: str) -> bool:
    if name == root:
        return True
    builtin, root_builtin = getattr(builtins, name, None), getattr(builtins, root, None)
    if isinstance(builtin, type):
        return isinstance(root_builtin, type) and issubclass(builtin, root_builtin)
    return any(
        _derives(base, classes, root) for _, bases in classes.get(name, []) for base in bases
    )


def _exception_classes() -> dict[str, list[tuple[str, list[str]]]]:
    classes = _classes_in_source()
    return {
        name: defined
        for name, defined in classes.items()
        if _derives(name, classes, "BaseException")
    }


def _bad_input_classes() -> set[str]:
    classes = _classes_in_source()
    return {name for name in _exception_classes() if _derives(name, classes, "BadInput")}


def test_each_exception_class_has_one_name_in_the_package() -> None:
    repeated = {name: defined for name, defined in _exception_classes().items() if len(defined) > 1}
    assert repeated == {}


def test_every_error_a_person_can_fix_derives_from_bad_input() -> None:
    exceptions = set(_exception_classes())
    assert exceptions - _bad_input_classes() == set(NOT_BAD_INPUT)


def test_the_errors_that_were_copies_or_listed_by_name_are_bad_input() -> None:
    field_problems = {
        "AccountError",
        "PlanError",
        "ReportError",
        "ConsentError",
        "ContingencySettingsError",
    }
    classes = _classes_in_source()
    assert all(_derives(name, classes, "FieldProblem") for name in field_problems)
    once_listed = {
        "InputError",
        "RecordError",
        "KnowledgeError",
        "InstrumentError",
        "PersonNotFound",
        "RecordNotFound",
        "TooManyRecords",
        "ClinicRecordReadOnly",
        "FhirError",
        "PopulationInputError",
        "PassphraseError",
        "IdempotencyKeyError",
    }
    assert once_listed <= _bad_input_classes()


def test_a_field_problem_reads_field_then_problem() -> None:
    error = ReportError("from", "the period starts in the future")
    assert (error.field, error.problem) == ("from", "the period starts in the future")
    assert str(error) == "from: the period starts in the future"
    assert isinstance(error, ValueError)


def test_there_is_an_example_of_every_bad_input_class() -> None:
    assert set(EXAMPLES) == _bad_input_classes() - NEEDS_THE_POPULATION_MODEL
    assert all(isinstance(error, BadInput) for error in EXAMPLES.values())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_it_exits_2_through_run_with_its_message_and_no_traceback(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = EXAMPLES[name]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(records, "assess", refuse)
    assert run(["assess", str(HISTORY)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"ketpath: {error}\n"
    assert captured.out == ""
