"""New passwords are checked the way NIST SP 800-63B §5.1.1.2 asks (issue 11, point 10).

The policy cited the guideline but accepted ``aaaaaaaa``, eight spaces, eight
NULs and ``ketpathketpath``. It now also refuses repetitive or sequential
characters, passwords of only white space or with control characters, and
"context-specific words": the service's name and the email address.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ketpath.services.accounts import password_problem
from webtest import Account

EMAIL = "dora.smith@example.org"


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("aaaaaaaa", "repeat"),
        ("abababab", "repeat"),
        ("abcabcabcabc", "repeat"),
        ("11111111111111111111", "repeat"),
        ("23456789", "sequence"),
        ("abcdefghij", "sequence"),
        ("87654321", "sequence"),
        ("3456defg", "sequence"),
        (" " * 8, "only spaces"),
        ("\t \t \t \t ", "only spaces"),
        ("\x00" * 8, "control characters"),
        ("good passphrase\x00", "control characters"),
        ("line one\nline two", "control characters"),
        ("ketpathketpath", "ketpath"),
        ("KetPath2026!", "ketpath"),
        ("dora.smith", "email"),
        ("dora.smith1999", "email"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_reason(password: str, words: str) -> None:
    problem = password_problem(password, email=EMAIL)
    assert problem is not None
    assert words in problem


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "my ketpath diary is private to me",
        "dora's own long passphrase",
        "Zx81-spectrum!lives",
        "über grüne Bäume 2026",
    ],
)
def test_reasonable_passwords_are_still_accepted(password: str) -> None:
    assert password_problem(password, email=EMAIL) is None


def test_the_registration_form_shows_the_reason(client: TestClient) -> None:
    response = client.post("/register", data={"email": EMAIL, "password": "ketpathketpath"})
    assert response.status_code == 400
    assert "ketpath" in response.text


def test_a_new_password_on_the_account_page_is_checked_too(
    client: TestClient, alice: Account
) -> None:
    response = alice.client.post(
        "/account/password",
        data={"current_password": alice.password, "new_password": "aaaaaaaaaaaa"},
    )
    assert response.status_code == 400
    assert "repeat" in response.text
