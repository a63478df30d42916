"""Keeping roster summaries fresh in the background, so no request pays for them (issue 16.1).

The first roster of the day used to assess every patient whose summary went
stale, overnight or since their last write: 17–19 s for 1,000 patients. Here
one worker thread does that work instead:

- after a write commits, ``services.writes`` calls
  :func:`~ketpath.services.roster.records_changed`, which marks the person
  dirty here; the worker recomputes them shortly after (the request that
  wrote has already answered);
- each minute (and once at start, which also covers summaries of an older
  format after an upgrade) a sweep recomputes everyone whose local date, in
  their own zone, is no longer the one their summary was computed for, and
  anyone on a roster left with no summary at all.

With several server processes (``serve --workers``), each runs a refresher:
a write marks its person in the refresher of the process that took it, and
the sweep is done by one process at a time (a PostgreSQL advisory lock).
Only those people are recomputed (incremental). Storing is idempotent and
keyed on person, records version and local date
(:func:`~ketpath.services.roster.refresh_summaries`), so a second refresher on
the same database, in another process, stores the same single row. A
failure is logged and the next round tries again. ``start`` and ``stop`` are
called by the web app's lifespan, as the reminder sender's are.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from ketpath.services.roster import refresh_summaries, stale_people
from ketpath.services.roster_hook import set_background_refresh
from ketpath.store import Database
from ketpath.store.process_locks import one_process_at_a_time

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 60.0
#: Once a write marks someone, the worker waits this long before recomputing, so a burst
#: of writes (many clients, or a phone's queue syncing) is one round and not one per
#: write: at ~200 API writes a second, a round per write (each at least a query of who
#: is on a roster) took 0.5-0.7 ms of the server's CPU per write (issue 16.3).
SETTLE_SECONDS = 0.1
#: People recomputed per transaction: a sweep of a thousand holds no lock for long,
#: and people marked by writes meanwhile go first.
BATCH = 50


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RosterRefresher:
    """A queue of people whose summaries need recomputing, drained by one thread of its own."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sweep_interval: float = SWEEP_INTERVAL_SECONDS,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._sweep_interval = sweep_interval
        self._settle = settle
        self._dirty: set[int] = set()
        self._busy = 0
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def mark(self, person_ids: Iterable[int]) -> None:
        """Queue these people for recomputation; returns at once."""
        with self._changed:
            self._dirty.update(person_ids)
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        set_background_refresh(self._db, self.mark)
        self._thread = threading.Thread(target=self._run, name="ketpath-roster", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop taking work and wait for the batch in hand (one batch, a second or so)."""
        set_background_refresh(self._db, None)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is queued or being recomputed (for tests and benchmarks)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._dirty and not self._busy, timeout=timeout
            )

    def drain(self) -> int:
        """Recompute everyone queued now, a batch at a time; how many stored rows changed.

        Only those queued when it starts: someone written again meanwhile waits
        for the next round, after its settle. Draining until nothing was left
        kept a person written without pause in one round after another, each
        starting as the last ended (about 27 rounds a second under 32 writing
        clients, where the settle meant at most 10).
        """
        changed = 0
        with self._changed:
            queued = sorted(self._dirty)
        for start in range(0, len(queued), BATCH):
            if self._stopping.is_set():
                break
            with self._changed:
                batch = queued[start : start + BATCH]
                self._dirty.difference_update(batch)
                self._busy += 1
            try:
                changed += refresh_summaries(self._db, batch, now=self._clock())
            except Exception:
                with self._changed:  # tried again next round
                    self._dirty.update(batch)
                raise
            finally:
                self._done()
        return changed

    def sweep(self) -> int:
        """Recompute everyone whose summary is not of their local today; how many rows changed.

        With several server processes on one database, one of them sweeps at
        a time (``store.process_locks``); the others skip the round, since
        the sweep reads who is stale from the database and covers everyone.
        """
        with self._changed:
            self._busy += 1
        try:
            with one_process_at_a_time(self._db, "roster-sweep") as mine:
                return self._sweep() if mine else 0
        finally:
            self._done()

    def _sweep(self) -> int:
        stale = stale_people(self._db, now=self._clock())
        changed = 0
        for start in range(0, len(stale), BATCH):
            if self._stopping.is_set():
                break
            batch = stale[start : start + BATCH]
            changed += refresh_summaries(self._db, batch, now=self._clock())
            changed += self.drain()  # a write's person does not wait for the whole sweep
        return changed

    def _marked(self) -> bool:
        with self._changed:
            return bool(self._dirty)

    def _done(self) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def _run(self) -> None:
        next_sweep = time.monotonic()
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if self._settle > 0 and self._marked():
                    self._stopping.wait(self._settle)  # let the rest of a burst be marked
                self.drain()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self._sweep_interval
                    self.sweep()
            except Exception as error:  # keep refreshing next round whatever went wrong now
                log.error("refreshing roster summaries failed (%s)", type(error).__name__)
            self._wake.wait(max(0.0, next_sweep - time.monotonic()))
