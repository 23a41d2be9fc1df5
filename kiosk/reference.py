"""Reference data: the tables central owns and every kiosk holds a copy of.

A kiosk never writes these; it receives them from a bundle file (offline
provisioning) or by sync. The order is the order of loading (parents before
children); revocations come first so a kiosk never holds a ticket without knowing
it is revoked. Features add their tables to ``REFERENCE_TABLES`` here.

Personal data is declared once, in ``PERSONAL_TABLES``: each personal table with the
kiosk roles that need it. Two distinct rules follow from it:

- where it goes: a table bound to roles (``session_registrations`` -> ``workshop``)
  reaches only kiosks holding one of those roles, by bundle (``kiosk bundle --role``)
  and by sync pull (central reads the device's registered role);
- revocation: a revoked kiosk wipes every personal table, including those sent to
  every role (``staff``: names and PIN hashes, needed at every kiosk for staff log-in).
"""

from __future__ import annotations

from collections.abc import Iterable

REFERENCE_TABLES: list[str] = [
    "revocations",
    "event",
    "event_days",
    "zones",
    "gates",
    "ticket_types",
    "site_plan",
    "signing_keys",
    "tickets",
    "staff",
    "staff_state",
    "sessions",
    "session_registrations",
    "provinces",
    "categories",
    "organisations",
    "stands",
    "exhibitors",
    "exhibitor_categories",
    "exhibitor_stands",
]

# Personal data (names, phone numbers, PIN hashes, registration QR tokens), one entry
# per table: the kiosk roles that need it, or None for "every kiosk".
# - Central sends a reference table listed with roles (bundle and sync pull) only to a
#   kiosk holding one of those roles: personal data goes only where it is needed.
# - A revoked kiosk wipes every table listed here, whatever its roles (sync.client).
# Staff (names, PIN hashes) is personal but needed everywhere: staff log in at any
# kiosk. staff_attempts and staff_sessions are local to each kiosk (failed PIN tries,
# who is logged in), never sent, yet wiped on revocation.
# A stolen kiosk must not give away more than its role needs: a public stand finder
# holds no tickets and no staff. Tickets are not personal, yet bound to the roles that
# admit them the same way (and wiped on revocation).
DECIDING_ROLES = frozenset({"entry", "heritage", "workshop", "kids"})
PERSONAL_TABLES: dict[str, frozenset[str] | None] = {
    "staff": DECIDING_ROLES,
    "staff_state": DECIDING_ROLES,
    "staff_attempts": None,
    "staff_sessions": None,
    "session_registrations": frozenset({"workshop"}),
    "tickets": DECIDING_ROLES,
    # The kids' space: written on the kids' kiosk, never a reference table (sync and
    # bundles never carry them); listed so that a revoked kiosk wipes them too.
    "kids_drop_offs": frozenset({"kids"}),
    "kids_children": frozenset({"kids"}),
}

# Staff accounts of these staff roles reach only kiosks holding one of the kiosk roles
# given (bundle, sync pull, and what revoking a kiosk rotates); every other account
# reaches every kiosk that gets ``staff``. Organizer accounts log in on central only: no
# kiosk holds an organizer's PIN hash to crack (the database of a stolen kiosk lets
# nobody log in as an organizer). The kids' space supervisor releases a child whose adult
# lost the receipt, at the kids' kiosk and offline: only kids' kiosks hold that account.
STAFF_ROLE_KIOSKS: dict[str, frozenset[str]] = {
    "organizer": frozenset(),
    "kids_lead": frozenset({"kids"}),
}
# What never leaves central, whatever the kiosk's role (bundle and sync pull alike):
# columns sent blank. A ticket's signed QR payload would let whoever holds the file
# print working copies; a kiosk decides a typed code from serial, type and validity.
CENTRAL_ONLY_COLUMNS: dict[str, dict[str, str]] = {"tickets": {"payload": ""}}


def staff_rows(roles: str | Iterable[str] | None) -> str:
    """The condition on ``staff`` rows a kiosk with ``roles`` gets (``STAFF_ROLE_KIOSKS``)."""
    held = parse_roles(roles)
    if "central" in held:
        return "1"
    withheld = sorted(role for role, kiosks in STAFF_ROLE_KIOSKS.items() if not kiosks & held)
    return "role NOT IN ({})".format(", ".join(f"'{role}'" for role in withheld)) if withheld else "1"


def kiosk_rows(table: str, roles: str | Iterable[str] | None) -> str:
    """The condition on the rows of ``table`` a kiosk with ``roles`` gets."""
    if table == "staff":
        return staff_rows(roles)
    if table == "staff_state":
        return f"staff_id IN (SELECT id FROM staff WHERE {staff_rows(roles)})"
    return "1"


def kiosk_view(table: str, columns: list[str], roles: str | Iterable[str] | None) -> tuple[str, str]:
    """(select list, row condition) of what a device with ``roles`` gets of ``table``
    (``columns``: the table's columns): everything for central."""
    held = parse_roles(roles)
    if "central" in held:
        return ", ".join(f"[{c}]" for c in columns), "1"
    blank = CENTRAL_ONLY_COLUMNS.get(table, {})
    select = ", ".join(f"'{blank[c]}' AS [{c}]" if c in blank else f"[{c}]" for c in columns)
    return select, kiosk_rows(table, held)


def parse_roles(roles: str | Iterable[str] | None) -> set[str]:
    """A set of roles from a comma list (``entry,workshop``) or an iterable of names."""
    if roles is None:
        return set()
    parts = roles.split(",") if isinstance(roles, str) else roles
    return {part.strip() for part in parts if part.strip()}


def withheld_tables(roles: str | Iterable[str] | None) -> list[str]:
    """The reference tables a kiosk with these roles must not receive (personal data
    none of its roles needs). Central (role ``central``) is never withheld anything;
    no role at all (``None``, a bundle for nobody in particular) gets no role-bound table."""
    held = parse_roles(roles)
    if "central" in held:
        return []
    return [
        table
        for table in REFERENCE_TABLES
        if (needed := PERSONAL_TABLES.get(table)) is not None and not needed & held
    ]
