"""FHIR R4 interchange: a person's questionnaires, use and follow-ups as a Bundle, and back in.

Clinics keep scores in record systems that speak FHIR, so ketpath writes a
``collection`` Bundle (:func:`bundle_for`) and reads QuestionnaireResponses
and red-flag follow-ups (:func:`records_from_fhir`). Structure is validated with ``fhir.resources``
(the R4B models, whose R4 subset is what we write); what that library does
not check -- that coded values belong to their value sets and that a response
fits its questionnaire -- :func:`check_bundle` does, using the same scoring
engine as the rest of ketpath, so FHIR cannot bring in an answer vector that
the JSONL import would refuse.

Coding choices (all ``urn:ketpath:`` systems are ours, and their value sets
are derived from ``knowledge/`` at run time):

- Record identity: every resource made from one record (the Patient from the
  profile, a QuestionnaireResponse, a follow-up Observation) carries the
  record's ``id`` as an ``identifier`` in ``urn:ketpath:record``, and import
  gives the record that id back, so re-importing one's own bundle stores
  nothing twice (issue 12). A resource without one gets the record's content
  id on import, as a JSONL line without an id does.
- Patient: only ``identifier`` (system ``urn:ketpath:pseudonym``, and the
  profile's record id), the birth year as ``birthDate`` when the profile has
  one, and ``gender`` when the profile states a sex (``unstated`` is left
  out). No name, no notes, no free text: ``Use.note`` and craving triggers
  never leave the database this way. Import restores a profile of the sex and
  birth year (weight and time zone are not in the bundle).
  :func:`pseudonym_for` is an unkeyed hash of the name: it keeps the name out
  of the file and makes repeated exports linkable, but anyone who guesses the
  name can confirm the guess. It is a pseudonym, not anonymisation.
- Questionnaire per instrument used: ``url`` the RESTful form
  ``https://ketpath.example/fhir/Questionnaire/<id>`` (``[base]/Questionnaire/[id]``,
  the form FHIR calls resolvable; ``ketpath.example`` is a reserved example
  domain standing for wherever a clinic hosts them),
  ``version`` the instrument's version, ``copyright`` its licence text, LOINC
  panel and item codes where the instrument file has them. Item ``text`` is
  always our own short label, never the published wording (for most
  instruments the licence forbids reproducing it). Answer options are
  ``valueCoding`` in ``urn:ketpath:instrument:<id>:options`` with the option
  code (``"0"``, ``"1"``, ...) and label, and the option's score in the R4
  ``ordinalValue`` extension. A skip rule becomes ``enableWhen`` (``!=``).
  No instrument file has LOINC answer (LA) codes, so none are used.
- QuestionnaireResponse per administration: ``questionnaire`` is the bare
  canonical url (instrument versions contain spaces, which a canonical may
  not), ``authored`` the record time with its UTC offset; skipped items are
  left out, as FHIR leaves out disabled items.
- Observation per total score (category ``survey``): LOINC where the
  instrument has a total code (PHQ-9 44261-6, GAD-7 70274-6), otherwise
  ``urn:ketpath:score#<id>-total``; ``valueInteger`` (``valueQuantity`` if a
  total is ever fractional); the band as ``interpretation`` in
  ``urn:ketpath:instrument:<id>:bands``; subscales as components
  (``urn:ketpath:score#<id>-<subscale>``); ``derivedFrom`` the response.
- Observation per calendar month with ketamine use (category
  ``social-history``), in the profile's time zone (UTC when none), as the
  assessment counts use-days: ``urn:ketpath:use#use-days`` with the number of
  use-days as ``valueInteger`` and components ``uses`` (sessions),
  ``dose-known-mg`` (sum of the doses that were logged, UCUM ``mg``),
  ``uses-dose-unknown`` and ``uses-route-<route>``. We know no LOINC code
  that means "use-days of ketamine in a month", so none is claimed. Uses of
  other substances are left out: ``substance`` is free text.
- Observation per red-flag follow-up record: code
  ``urn:ketpath:follow-up#red-flag-follow-up``, ``effectiveDateTime`` the
  record time, the outcome as ``valueCodeableConcept`` in
  ``urn:ketpath:follow-up-outcome`` (``knowledge/vocabulary.toml``
  ``follow_up_outcomes``), and the flag as the one component
  ``urn:ketpath:follow-up#red-flag`` whose ``valueCodeableConcept`` is in
  ``urn:ketpath:red-flag`` (every id of ``rules().flag_ids()``). No category:
  none of the HL7 observation categories means "a warning was seen to". The
  follow-up's free-text ``note`` is left out, like every other free text, so
  a follow-up with a note comes back without it.

Determinism: every ``fullUrl`` is ``urn:uuid:`` + a UUID 5 of a fixed
namespace and the content (pseudonym, record), entries are in a fixed order,
and nothing from storage (ids, insertion times) is used, so the same records
give byte-identical JSON.

Import accepts a Bundle of any type, or a bare QuestionnaireResponse. A
response is ours when its ``questionnaire`` is a RESTful url ending
``/Questionnaire/<id>`` for one of our instrument ids (ours, or a clinic that
hosts copies of our questionnaires) or, as bundles made before issue 12 had
it, ``urn:ketpath:questionnaire:<id>`` (optionally ``|version``). A canonical
with whitespace in it is refused, as the R4 schema refuses it. A bundle of
ours (its Patient has our pseudonym) always imports, even when it holds no
records (a person with no questionnaires); any other document must hold at
least one resource we read.
An Observation is a follow-up of ours when its ``code`` has the follow-up
coding above; its status must be final, amended or corrected. Other resources
and other questionnaires' responses are not read, but nothing passes unseen:
every entry must be an object holding a resource with a FHIR R4
``resourceType``, every resource must pass fhir.resources validation, and
those we do not read are counted by type for the caller to report
(:class:`FhirRead`); every one of ours must be valid. One problem anywhere
and nothing is returned. Nesting deeper than :data:`MAX_NESTING` is refused
before the JSON is parsed (the parser and the validators recurse).

The package: :mod:`.codes` (our systems, value sets and :class:`FhirError`),
:mod:`.export` (:func:`bundle_for`), :mod:`.checks` (:func:`check_bundle`,
the structure checks and the nesting limit, which export and import share)
and :mod:`.imports` (:func:`read_fhir`). Everything public is re-exported here.
"""

from __future__ import annotations

from ketpath.interop.fhir.checks import MAX_NESTING, check_bundle, instrument_for
from ketpath.interop.fhir.codes import (
    FOLLOW_UP_OUTCOME_SYSTEM,
    FOLLOW_UP_SYSTEM,
    LOINC,
    PSEUDONYM_SYSTEM,
    QUESTIONNAIRE_BASE,
    RECORD_SYSTEM,
    RED_FLAG_SYSTEM,
    SCORE_SYSTEM,
    USE_SYSTEM,
    FhirError,
    bands_system,
    options_system,
    pseudonym_for,
    questionnaire_url,
    value_sets,
)
from ketpath.interop.fhir.export import bundle_for
from ketpath.interop.fhir.imports import FhirRead, is_fhir_document, read_fhir, records_from_fhir

__all__ = [
    "FOLLOW_UP_OUTCOME_SYSTEM",
    "FOLLOW_UP_SYSTEM",
    "LOINC",
    "MAX_NESTING",
    "PSEUDONYM_SYSTEM",
    "QUESTIONNAIRE_BASE",
    "RECORD_SYSTEM",
    "RED_FLAG_SYSTEM",
    "SCORE_SYSTEM",
    "USE_SYSTEM",
    "FhirError",
    "FhirRead",
    "bands_system",
    "bundle_for",
    "check_bundle",
    "instrument_for",
    "is_fhir_document",
    "options_system",
    "pseudonym_for",
    "questionnaire_url",
    "read_fhir",
    "records_from_fhir",
    "value_sets",
]
