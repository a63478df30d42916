"""The background refresher gives way to a roster being read (issue 16.1, the cold roster).

``services.roster_hook.reading_roster`` marks a roster read in progress; the
refresher calls ``pause_for_roster_readers`` before each person it assesses.
"""

from __future__ import annotations

import threading
import time

from ketpath.services.roster_hook import pause_for_roster_readers, reading_roster


def test_the_refresher_waits_until_the_roster_has_been_read() -> None:
    finished: list[float] = []

    def refresher() -> None:
        assert pause_for_roster_readers(timeout=10)
        finished.append(time.monotonic())

    with reading_roster():
        waiting = threading.Thread(target=refresher)
        waiting.start()
        time.sleep(0.2)
        assert finished == []
        read_done = time.monotonic()
    waiting.join(timeout=10)
    assert len(finished) == 1
    assert finished[0] >= read_done


def test_it_goes_on_after_the_longest_pause_so_views_cannot_starve_it() -> None:
    with reading_roster():
        started = time.monotonic()
        assert pause_for_roster_readers(timeout=0.1) is False
        assert time.monotonic() - started >= 0.1


def test_with_no_roster_being_read_it_does_not_wait() -> None:
    started = time.monotonic()
    assert pause_for_roster_readers(timeout=5)
    assert time.monotonic() - started < 1
