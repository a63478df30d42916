"""The Today cards of the dashboard, worked out once per stored history and day.

The cards (days since the last use, this week against last, the next
questionnaire) read the whole history: over five years that is about 5 ms of
every dashboard view, which took the dashboard from about twice the bare read
of the same rows to over three times (issue 16, point 3). What they show only
changes when the person's records do, when the local day turns (the counter,
the weeks and the due dates are in days), or with the language they are shown
in. So they are kept in a bounded least-recently-used cache keyed by the
view's :attr:`~ketpath.services.read.PersonView.version` (person, their
``records_version``, and the count and newest id of the records read), the
zone, the local day of ``now`` and the language, as ``services.chart_cache``
keeps the History charts.

A view without a version (records not read from the store), of a period, or
holding a record timed after ``now`` (a few minutes ahead is allowed; it
counts once its time has come, within the same day) is worked out every time.
Several worker processes each keep their own cache; the version comes from
the database, so none serves another's stale cards.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from ketpath.core.records import record_time
from ketpath.present.i18n import current_language
from ketpath.present.today import today_view
from ketpath.services.read import PersonView

__all__ = ["TODAY", "TodayCache", "today_cards"]

#: How many people's cards are kept (one entry per person, day and language).
MAX_ENTRIES = 512


class TodayCache:
    """A bounded, thread-safe LRU of Today card views (shared: read them, never change them)."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> dict[str, Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, cards: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = cards
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process's cache (module level: it outlives requests, as the history cache does).
TODAY = TodayCache()


def today_cards(view: PersonView, *, cache: TodayCache = TODAY) -> dict[str, Any]:
    """``present.today.today_view`` of the view's records at ``view.now``, worked out once a day.

    The same dictionary is handed to every request with the same key: templates
    read it, nothing may change it.
    """
    if view.version is None or view.period is not None or _ahead_of(view):
        return today_view(view.records, zone=view.zone, now=view.now)
    local_day = view.now.astimezone(view.zone).date()
    key = (view.version, str(view.zone), local_day, current_language())
    found = cache.get(key)
    if found is None:
        found = today_view(view.records, zone=view.zone, now=view.now)
        cache.put(key, found)
    return found


def _ahead_of(view: PersonView) -> bool:
    """Whether a record is timed after ``now``.

    A view with a version was read from the store, which hands a history
    over oldest first (untimed profiles first): the last record is the newest.
    """
    if not view.records:
        return False
    newest = record_time(view.records[-1])
    return newest is not None and newest > view.now
