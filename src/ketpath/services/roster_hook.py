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
from collections.abc import Callable, Iterable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from ketpath.store import Database

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
