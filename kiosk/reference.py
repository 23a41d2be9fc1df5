"""Reference data: the tables central owns and every kiosk holds a copy of.

A kiosk never writes these; it receives them from a bundle file (offline
provisioning) or by sync. The order is the order of loading (parents before
children); revocations come first so a kiosk never holds a ticket without knowing
it is revoked. Features add their tables to ``REFERENCE_TABLES`` here.
"""

from __future__ import annotations

REFERENCE_TABLES: list[str] = [
    "revocations",
    "event",
    "event_days",
    "zones",
    "gates",
    "ticket_types",
    "signing_keys",
    "tickets",
    "staff",
]
REFERENCE_TABLES += ["sessions", "session_registrations"]
REFERENCE_TABLES += ["provinces", "categories", "organisations", "stands", "exhibitors",
                     "exhibitor_categories", "exhibitor_stands"]
