"""The entry list of History and of the clinician's patient page: filtered, then paged.

Five years of near-daily logging is thousands of entries; a phone shows 25 at
a time, newest first, with "Newer" and "Older" links. The list can be narrowed
to one record type and one local month (the person's zone). The filter lives in
the query string (``?type=mood&month=2026-03&page=2``): a type and a month are
filter state, never health data in words, and nothing free-text is ever put
there. A value that is not one of the choices is said in words and the whole
list is shown; the page is never an error. Labels, months and the words are in
the current language (``present.i18n``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from ketpath.core.records import Note, record_time
from ketpath.present import views
from ketpath.present.format import month_and_year
from ketpath.present.i18n import N_, _
from ketpath.present.views import TYPE_LABELS, StoredEntry, type_label

#: Entries listed per page (a phone screen's worth of cards, a few screens long).
ENTRIES_PER_PAGE = 25

_MONTH = re.compile(r"\d{4}-\d{2}")

BAD_FILTER = N_("That filter was not understood, so all entries are shown.")


def _month(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return month_and_year(date(int(year), int(number), 1))


def _valid_month(value: str) -> bool:
    if not _MONTH.fullmatch(value):
        return False
    return 1 <= int(value[5:]) <= 12


def _page_number(value: str | None) -> int | None:
    if value is None or value == "":
        return 1
    if not value.isdigit() or len(value) > 6:
        return None
    return int(value)


def _page_rows(
    chosen: Sequence[StoredEntry], entries: Sequence[StoredEntry], zone: tzinfo, viewer: str
) -> list[dict[str, Any]]:
    """``views.history_rows`` of the page's entries only (newest first).

    A row needs, beyond its own entry, the notes that dispute it and, for a
    note, the entry it disputes: those (few) are handed over too, and their
    rows dropped. Summarising only a page is what keeps five years quick.
    """
    if not chosen:
        return []
    wanted = {entry.id for entry in chosen}
    notes = [e for e in entries if isinstance(e.record, Note) and e.record.about is not None]
    about = {note.record.about for note in notes if isinstance(note.record, Note)}
    context = [e for e in entries if e.record.id is not None and e.record.id in about]
    given = {entry.id: entry for entry in [*chosen, *notes, *context]}
    in_order = [entry for entry in entries if entry.id in given]  # history_rows reverses
    rows = views.history_rows(in_order, zone, viewer=viewer)
    return [row for row in rows if row["id"] in wanted]


def entry_listing(
    entries: Sequence[StoredEntry],
    *,
    zone: tzinfo,
    viewer: str = "person",
    entry_type: str | None = None,
    month: str | None = None,
    page: str | None = None,
    per_page: int = ENTRIES_PER_PAGE,
) -> dict[str, Any]:
    """One page of the timed ``entries`` (stored order), newest first, with its filter and links.

    ``entry_type``, ``month`` (``YYYY-MM``, the person's local month) and ``page``
    are the raw query values. An unknown type, a malformed month or a page
    that is not a number gives ``filter_error`` and the unfiltered first page;
    a page past the end is the last page. The rows are ``views.history_rows``
    (``viewer`` is whose words).
    """
    entry_type = entry_type or None
    month = month or None
    bad = False
    if entry_type is not None and entry_type not in TYPE_LABELS:
        bad = True
    if month is not None and not _valid_month(month):
        bad = True
    number = _page_number(page)
    if number is None:
        bad = True
    if bad:
        entry_type, month, number = None, None, 1
    assert number is not None

    timed = [
        (entry, _month(moment, zone))
        for entry in reversed(entries)
        if (moment := record_time(entry.record)) is not None
    ]
    months = sorted({m for _entry, m in timed} | ({month} if month else set()), reverse=True)
    present = {entry.record.type for entry, _m in timed} | ({entry_type} if entry_type else set())
    types = sorted(present, key=type_label)
    chosen = [
        entry
        for entry, entry_month in timed
        if (entry_type is None or entry.record.type == entry_type)
        and (month is None or entry_month == month)
    ]
    pages = max(1, -(-len(chosen) // per_page))
    current = min(max(1, number), pages)
    start = (current - 1) * per_page

    def query(page_number: int) -> str:
        params = {"type": entry_type or "", "month": month or ""}
        kept = {key: value for key, value in params.items() if value}
        if page_number > 1:
            kept["page"] = str(page_number)
        return "?" + urlencode(kept) if kept else ""

    return {
        "rows": _page_rows(chosen[start : start + per_page], entries, zone, viewer),
        "total": len(chosen),
        "page": current,
        "pages": pages,
        "newer_query": query(current - 1) if current > 1 else None,
        "older_query": query(current + 1) if current < pages else None,
        "filtered": entry_type is not None or month is not None,
        "filter_type": entry_type or "",
        "filter_month": month or "",
        "filter_error": _(BAD_FILTER) if bad else None,
        "type_choices": [{"value": t, "label": type_label(t)} for t in types],
        "month_choices": [{"value": m, "label": _month_label(m)} for m in months],
    }
