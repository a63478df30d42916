"""Proxy headers count only when a proxy is configured (issue 11, point 5).

The server used to trust ``X-Forwarded-For`` and ``X-Forwarded-Proto`` from
127.0.0.1 while listening on 127.0.0.1 itself, so any local client could name
its own address (and walk past the per-address limit) or claim https (and
flip the cookie names and HSTS). Now ``serve`` trusts them only from the
addresses given with ``--trusted-proxy`` (or ``KETPATH_TRUSTED_PROXY``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webtest import LiveServer, free_port


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(
        database=tmp_path / "live.db", port=free_port(), arguments=("--trusted-proxy", "127.0.0.1")
    )
    live.start()
    yield live
    live.stop()


def test_without_a_proxy_x_forwarded_proto_does_not_turn_on_https(live_server: str) -> None:
    response = httpx.get(f"{live_server}/login", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


def test_without_a_proxy_x_forwarded_for_does_not_dodge_the_address_limit(
    live_server: str,
) -> None:
    # A too-short password is refused without hashing, after the address's token is spent.
    with httpx.Client(base_url=live_server) as client:
        statuses = [
            client.post(
                "/register",
                data={"email": f"n{number}@example.org", "password": "short"},
                headers={"X-Forwarded-For": f"203.0.113.{number + 1}"},
            ).status_code
            for number in range(40)
        ]
    assert 429 in statuses


def test_behind_a_configured_proxy_its_headers_are_used(proxied: LiveServer) -> None:
    response = httpx.get(f"{proxied.url}/login", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]
