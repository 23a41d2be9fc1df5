"""Figures only this process knows, for ``/metrics`` (``kiosk.views.metrics`` adds those
read from the database at each scrape). A leaf module: the verdict path records into it."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

REGISTRY = CollectorRegistry()
VERDICT_SECONDS = Histogram(
    "kiosk_verdict_seconds",
    "Time to decide and durably record one scan.",
    ["gate"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
