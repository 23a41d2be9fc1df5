"""Schemathesis against a served kids' kiosk: whatever it sends to /api/v1/kids, the
answers are documented statuses with documented bodies, never a server error."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from conftest import serving
from kids_helpers import KIDS_STAFF, make_kids_kiosk, token
from test_api_fuzz import fuzz


def test_the_kids_document_is_true(central_dir: Path, tmp_path: Path, fair_clock: str) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk, {"KIOSK_NOW": fair_clock}) as (base, _process):
        with urllib.request.urlopen(base + "/api/openapi.json", timeout=10) as answer:
            paths = set(json.load(answer)["paths"])
        assert {"/api/v1/kids/drop-offs", "/api/v1/kids/pick-ups", "/api/v1/kids/inside"} <= paths
        result = fuzz(base, token(base, KIDS_STAFF), tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
