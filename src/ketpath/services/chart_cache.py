"""The History charts, drawn once per stored history and kept in this process.

Drawing the five weekly charts and the questionnaire charts with matplotlib
is most of the time History and the clinician's patient page take, and the
drawing only changes when the person's records do, or when the day (the
weeks shown end today) or the zone changes. So the drawn charts are kept in
a bounded least-recently-used cache keyed by the view's
:attr:`~ketpath.services.read.PersonView.version` (person, their
``records_version``, and the count and newest id of the records read), the
zone, the language the charts are worded in, the kind of chart and the local
day of ``as_of``; a second load of History draws nothing, and a new record
makes a new key.

A view without a version (records not read from the store) or of a period is
drawn every time. Several worker processes each keep their own cache; the
version comes from the database, so none serves another's stale charts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ketpath.present.history_charts import ChartView, questionnaire_charts, weekly_charts
from ketpath.present.i18n import current_language
from ketpath.services.read import PersonView

__all__ = ["ChartCache", "history_charts"]

#: How many drawn chart sets are kept (two per person: the weekly and the scores).
MAX_ENTRIES = 256


class ChartCache:
    """A bounded, thread-safe LRU of drawn chart lists."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[ChartView, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_draw(
        self, key: Hashable, draw: Callable[[], list[ChartView]]
    ) -> tuple[ChartView, ...]:
        """The charts kept under ``key``, else ``draw()`` kept (outside the lock: it is slow)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        drawn = tuple(draw())
        with self._lock:
            self._entries[key] = drawn
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return drawn

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process's cache (module level: it outlives requests, as the history cache does).
CHARTS = ChartCache()


def history_charts(view: PersonView, *, cache: ChartCache = CHARTS) -> list[ChartView]:
    """The weekly charts and the questionnaire charts of ``view``, drawn at most once each."""

    def weekly() -> list[ChartView]:
        return weekly_charts(view.weekly)

    def scores() -> list[ChartView]:
        return questionnaire_charts(view.records, zone=view.zone)

    if view.version is None or view.period is not None:
        return weekly() + scores()
    day = view.as_of.astimezone(view.zone).date()
    base = (view.version, str(view.zone), current_language(), day)
    return [
        *cache.get_or_draw((*base, "weekly"), weekly),
        *cache.get_or_draw((*base, "scores"), scores),
    ]
