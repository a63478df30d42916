"""FastAPI's built-in OpenTelemetry stays off in ketpath, whatever the process sets up.

FastAPI (0.143 and later, the versions ketpath allows) records a span, metrics
and error logs with exception messages for every request as soon as any
OpenTelemetry provider is configured in the process, and can export them to a
collector named in ``OTEL_*`` variables. ketpath sends nothing off the machine
that the person did not export or share, so ``web/app.py`` turns every signal
off. Each test runs in a fresh interpreter, because OpenTelemetry's providers
are process-wide and can be set once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from webtest import settings_for

#: Providers that note every tracer, meter and logger asked of them, set as the process's
#: global providers; what they hand out records nothing (no SDK is installed).
RECORDING_PROVIDERS = """
import json, sys
from opentelemetry import _logs, metrics, trace

asked = []

class Tracers(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        asked.append("tracer")
        return trace.NoOpTracer()

class Meters(metrics.MeterProvider):
    def get_meter(self, name, *args, **kwargs):
        asked.append("meter")
        return metrics.NoOpMeter(name)

class Loggers(_logs.LoggerProvider):
    def get_logger(self, name, *args, **kwargs):
        asked.append("logger")
        return _logs.NoOpLogger(name)

trace.set_tracer_provider(Tracers())
metrics.set_meter_provider(Meters())
_logs.set_logger_provider(Loggers())

from fastapi.testclient import TestClient
"""

KETPATH_APP = """
from ketpath.web.app import create_app
from ketpath.web.settings import Settings

app = create_app(Settings(**json.loads(sys.argv[1])))
with TestClient(app) as client:
    statuses = [
        client.get("/healthz").status_code,
        client.get("/login").status_code,
        client.post(
            "/api/v1/records", json={"type": "craving"}, headers={"Authorization": "Bearer nope"}
        ).status_code,
        client.post("/api/v1/records", content=b"not json").status_code,
    ]
print(json.dumps({"asked": asked, "statuses": statuses}))
"""

PLAIN_FASTAPI = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}

with TestClient(app) as client:
    statuses = [client.get("/healthz").status_code]
print(json.dumps({"asked": asked, "statuses": statuses}))
"""


def _run(program: str, *arguments: str) -> dict[str, list[object]]:
    finished = subprocess.run(
        [sys.executable, "-c", RECORDING_PROVIDERS + program, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    found: dict[str, list[object]] = json.loads(finished.stdout.strip().splitlines()[-1])
    return found


def test_a_plain_fastapi_app_records_requests_once_a_provider_is_set() -> None:
    """The control: these recording providers do see FastAPI's telemetry when it is on."""
    found = _run(PLAIN_FASTAPI)
    assert found["statuses"] == [200]
    assert "tracer" in found["asked"]
    assert "meter" in found["asked"]


def test_ketpath_asks_no_provider_for_anything_on_pages_api_calls_or_errors(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    arguments = {"database_url": settings.database_url, "password_profile": "CHEAPEST"}
    found = _run(KETPATH_APP, json.dumps(arguments))
    assert found["statuses"] == [200, 200, 401, 401]
    assert found["asked"] == []
