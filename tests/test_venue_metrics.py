"""/metrics in the Prometheus text format: scans by gate and reason, verdict latency,
people inside, disk; loopback only unless a token is configured."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from kiosk import create_app
from tests.helpers import ticket


def samples(client, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_count_scans_latency_and_people_inside(client, kiosk_dir: Path) -> None:
    codes = [ticket(kiosk_dir, "day", offset)["payload"] for offset in range(3)]
    for code in [*codes, "not a ticket"]:
        assert client.post("/api/v1/scans", json={"code": code}).status_code == 200
    found = samples(client)
    assert found[("kiosk_scans_total", (("gate", "main"), ("reason", "ok"), ("result", "accepted")))] == 3
    assert (
        found[("kiosk_scans_total", (("gate", "main"), ("reason", "unknown_format"), ("result", "refused")))]
        == 1
    )
    assert found[("kiosk_verdict_seconds_count", (("gate", "main"),))] >= 4
    inside = {labels: value for (name, labels), value in found.items() if name == "kiosk_inside_now"}
    assert sum(inside.values()) == 3
    assert found[("kiosk_disk_free_bytes", ())] > 0
    assert 0 < found[("kiosk_disk_free_ratio", ())] <= 1
    assert any(name == "kiosk_info" and dict(labels)["role"] == "entry" for name, labels in found)


def test_metrics_refuse_other_hosts_without_the_token(kiosk_dir: Path) -> None:
    away = {"environ_base": {"REMOTE_ADDR": "192.168.1.50"}}
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    assert client.get("/metrics", **away).status_code == 403
    client = create_app(kiosk_dir, {"TESTING": True, "METRICS_TOKEN": "s3cret-scrape"}).test_client()
    assert client.get("/metrics", **away).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong, **away).status_code == 403
    assert samples(client, headers={"Authorization": "Bearer s3cret-scrape"}, **away)
