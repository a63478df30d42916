"""Bad input that no route caught answers 422 with its message, on pages and the API (issue 13).

``ketpath.errors.BadInput`` is the one base class for input a person can fix:
exit 2 on the command line, a 4xx on the web. Before, an uncaught one was a
500 "Something went wrong".
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.errors import FieldProblem


def _refuse() -> None:
    raise FieldProblem("label", "at most 100 characters")


def test_an_uncaught_bad_input_is_a_422_naming_the_field(app: FastAPI) -> None:
    app.add_api_route("/api/v1/refuse-for-test", _refuse, methods=["GET"])
    app.add_api_route("/refuse-for-test", _refuse, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/refuse-for-test")
        page = client.get("/refuse-for-test")
    assert (api.status_code, api.json()) == (422, {"detail": "label: at most 100 characters"})
    assert page.status_code == 422
    assert "Label: at most 100 characters." in page.text
    assert "Something went wrong" not in page.text
