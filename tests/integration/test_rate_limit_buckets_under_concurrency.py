"""A new rate-limit bucket cannot be overspent by requests that arrive together (issue 11, point 9).

On PostgreSQL, ``SELECT ... FOR UPDATE`` locks nothing when the row does not
exist yet, so 30 threads on a fresh key with a capacity of 5 each saw a full
bucket and 25, 11 or 23 of them were let through. The bucket is now created
first (insert-or-ignore) and then locked, on both databases.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ketpath.services import accounts
from ketpath.services.accounts import RateLimited
from ketpath.store import Database

THREADS = 30
CAPACITY = 5


def _try(db: Database, key: str, start: threading.Barrier) -> bool:
    start.wait()
    try:
        accounts.take_token(db, key=key, capacity=CAPACITY, refill_seconds=3600)
    except RateLimited:
        return False
    return True


def test_thirty_threads_on_a_fresh_bucket_get_exactly_its_capacity(db: Database) -> None:
    key = accounts.rate_limit_key("login", "fresh@example.org")
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        granted = list(pool.map(lambda _i: _try(db, key, start), range(THREADS)))
    assert sum(granted) == CAPACITY


def test_a_bucket_that_exists_is_not_overspent_either(db: Database) -> None:
    key = accounts.rate_limit_key("login", "known@example.org")
    accounts.take_token(db, key=key, capacity=CAPACITY, refill_seconds=3600)
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        granted = list(pool.map(lambda _i: _try(db, key, start), range(THREADS)))
    assert sum(granted) == CAPACITY - 1
