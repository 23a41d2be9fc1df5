"""Schemathesis against real ``kiosk serve`` processes: whatever it sends to the operations
that ``/api/openapi.json`` publishes, a kiosk and central answer no server error, only
documented status codes, and bodies that match the documented schemas.

It logs in first (a staff token of the instance) so the staff-only operations are
fuzzed past their log-in check; a few hundred requests per instance, bounded in time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import serving

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
EXAMPLES_PER_OPERATION = 30


def staff_token(base: str, name: str, pin: str) -> str:
    request = urllib.request.Request(
        base + "/api/v1/login",
        data=json.dumps({"name": name, "pin": pin}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["token"]


def fuzz(base: str, token: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            base + "/api/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {token}",
            "--no-color",
            "--report-dir",
            str(tmp_path / "schemathesis"),
        ],
        cwd=tmp_path,  # schemathesis keeps its files in the working directory
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("instance", "name", "pin", "paths"),
    [
        ("kiosk_dir", "Omar", "135791", {"/api/v1/scans", "/api/v1/camera"}),
        (
            "central_dir",
            "Hanane",
            "24681357",
            {"/api/v1/sync/push", "/api/v1/sessions", "/api/v1/exhibitors"},
        ),
    ],
)
def test_the_published_document_is_true(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fair_clock: str,
    instance: str,
    name: str,
    pin: str,
    paths: set,
) -> None:
    folder = request.getfixturevalue(instance)
    with serving(folder, {"KIOSK_NOW": fair_clock}) as (base, _process):
        with urllib.request.urlopen(base + "/api/openapi.json", timeout=10) as answer:
            assert paths <= set(json.load(answer)["paths"])
        result = fuzz(base, staff_token(base, name, pin), tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
