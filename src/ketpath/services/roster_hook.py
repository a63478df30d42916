"""Where a write tells the roster's background refresher whom to recompute (issue 16.1).

Kept apart from ``services.roster`` so that ``services.writes`` can call it
without importing the roster (which imports the consent services, which
import the record services, which import ``writes``). The running
:class:`~ketpath.services.roster_refresh.RosterRefresher` registers itself
for its database; with none registered, nothing is queued (the trigger of
migration 0003 has deleted the summaries, so the next roster assesses those
people itself).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from ketpath.store import Database

#: How long background work waits for roster readers before going on anyway, so
#: that a stream of roster views cannot stop the summaries being refreshed.
LONGEST_PAUSE_SECONDS = 2.0

Background = Callable[[Iterable[int]], None]
"""Marks people for the background refresher (returns at once)."""

_background_refreshers: WeakKeyDictionary[Engine, Background] = WeakKeyDictionary()
_background_guard = threading.Lock()


def set_background_refresh(db: Database, mark: Background | None) -> None:
    """Register (or, with None, remove) the running refresher for this database."""
    with _background_guard:
        if mark is None:
            _background_refreshers.pop(db.engine, None)
        else:
            _background_refreshers[db.engine] = mark


def background_refresh(db: Database) -> Background | None:
    """The running refresher's ``mark`` for this database, if one runs."""
    with _background_guard:
        return _background_refreshers.get(db.engine)


def records_changed(db: Database, person_ids: Iterable[int]) -> None:
    """After a commit that changed these people's records: have their summaries recomputed.

    Returns at once; does nothing when no refresher runs (the trigger has
    deleted the summaries, so the next roster assesses them itself).
    """
    mark = background_refresh(db)
    if mark is not None:
        mark(person_ids)


class _Readers:
    """How many rosters this process is reading now, and a condition to wait on."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()


_readers = _Readers()


@contextmanager
def reading_roster() -> Iterator[None]:
    """While a roster is being read, the background work here pauses between people.

    Python runs one thread at a time: a refresher thread assessing people
    takes the interpreter back each time the request's thread waits on the
    database (SQLite hands it over on every row), so the first roster of the
    day, read while the rollover sweep recomputes everyone, took over a
    second. The sweep waits instead (:func:`pause_for_roster_readers`, at
    most :data:`LONGEST_PAUSE_SECONDS` at a time); what it shows meanwhile is
    yesterday's summaries, as before.
    """
    with _readers.changed:
        _readers.count += 1
    try:
        yield
    finally:
        with _readers.changed:
            _readers.count -= 1
            _readers.changed.notify_all()


def pause_for_roster_readers(timeout: float = LONGEST_PAUSE_SECONDS) -> bool:
    """Wait until no roster is being read in this process; False if it gave up waiting."""
    with _readers.changed:
        return _readers.changed.wait_for(lambda: _readers.count == 0, timeout=timeout)
