"""Staff accounts: personal PINs (hashed), log-in with lock-out, and staff sessions.

Plain functions on a connection, used by the log-in views, the API, ``kiosk staff``
and the demo; the request guards are in ``kiosk.auth``.
"""

from __future__ import annotations

import functools
import secrets
import sqlite3
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from werkzeug.security import check_password_hash, generate_password_hash

from kiosk import clock, events, reference
from kiosk import db as dbmod
from kiosk.db import Database

MAX_FAILURES = 5
LOCK_MINUTES = 5
ROLES = ("gate", "workshop", "kids", "kids_lead", "organizer")
# A kiosk holds its staff's PIN hashes (a stolen one can be attacked offline): 6 digits
# at least. Organizers log in on central only and can do everything; the kids' space
# supervisor (kids_lead, on kids' kiosks only: kiosk.reference.STAFF_ROLE_KIOSKS) hands a
# child over without the receipt: both 8 digits, or a passphrase. Log-in reads at most
# MAX_SECRET characters.
STRONG_PIN_ROLES = ("kids_lead", "organizer")
PIN_DIGITS = (6, 12)
ORGANIZER_DIGITS = 8
PASSPHRASE_CHARACTERS = 12
MAX_SECRET = 64
STAFF_PIN_RULE = "a PIN is 6 to 12 digits"
STRONG_PIN_RULE = (
    "an organizer's or kids' space supervisor's PIN is 8 to 64 digits, or a passphrase of 12 to 64 characters"
)


def pin_problem(role: str, pin: str) -> str | None:
    """Why ``pin`` cannot be the secret of an account with ``role`` (None: it can)."""
    if role in STRONG_PIN_ROLES:
        if len(pin) > MAX_SECRET or pin != pin.strip():
            return STRONG_PIN_RULE
        digits = pin.isdecimal() and pin.isascii()
        if (digits and len(pin) >= ORGANIZER_DIGITS) or (not digits and len(pin) >= PASSPHRASE_CHARACTERS):
            return None
        return STRONG_PIN_RULE
    low, high = PIN_DIGITS
    if pin.isdecimal() and pin.isascii() and low <= len(pin) <= high:
        return None
    return STAFF_PIN_RULE


def add_staff(conn: sqlite3.Connection, name: str, role: str, pin: str) -> str:
    """Create a staff account; returns its id. The PIN follows ``pin_problem``; two
    active accounts never share a name (staff log in by name)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    problem = pin_problem(role, pin)
    if problem:
        raise ValueError(problem)
    if find_by_name(conn, name) is not None:
        raise ValueError(f"an active staff account is already named {name!r}")
    staff_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO staff (id, name, role, pin_hash) VALUES (?, ?, ?, ?)",
        (staff_id, name, role, generate_password_hash(pin)),
    )
    return staff_id


def find_by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The active account of ``name``, whatever its case ("rachid" is Rachid): people
    type their name on a phone or a kiosk keyboard that capitalises as it likes.
    Compared with ``str.casefold`` (SQLite's NOCASE knows ASCII only: "élodie" is Élodie)."""
    wanted = name.strip().casefold()
    for row in conn.execute("SELECT id, name, role FROM staff WHERE active = 1"):
        if row["name"].strip().casefold() == wanted:
            return row
    return None


@functools.cache
def dummy_hash() -> str:
    """A hash of no PIN, checked when the name is unknown: a log-in costs one scrypt
    whether the name exists or not, so the time of the answer does not tell which names
    exist. Made at the first log-in, not at import (one scrypt on every start)."""
    return generate_password_hash(secrets.token_hex(16))


# One PIN check at a time: scrypt takes a core for ~100 ms, and two at once on a 2-core
# kiosk leave the scans none (a log-in flood held scan p99 at 2.3x). Log-ins queue instead.
_HASHING = threading.BoundedSemaphore(1)


# Failed tries an account takes from unknown clients, all kiosks together, before it
# locks: more than one client's allowance, so one client alone never locks it.
ACCOUNT_FAILURES = 2 * MAX_FAILURES


@dataclass(frozen=True)
class Client:
    """Who tries a log-in: its ``address``; ``local``: the instance's own screen
    (loopback); ``browser``: the id of its known-client cookie, and ``known``: the staff
    ids that cookie says this browser logged in as before (an account lock-out does not
    stop them; the browser has its own throttle)."""

    address: str
    local: bool = False
    browser: str | None = None
    known: frozenset[str] = frozenset()


class ClientThrottle:
    """Failed log-ins per client, in memory: ``limit`` (``MAX_FAILURES``) then
    ``LOCK_MINUTES`` of refusals, whatever the name tried. At most ``size`` clients are
    remembered (the oldest forgotten first), so a flood of addresses cannot fill the
    memory. ``unknown_names`` counts the same way, per name, the tries of names no
    account has: such a name "locks" like an account would, so a lock-out does not tell
    which names exist."""

    def __init__(self, size: int = 10_000, limit: int = MAX_FAILURES, names: bool = True) -> None:
        self._clients: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()
        self._guard = threading.Lock()
        self._size = size
        self._limit = limit
        self.unknown_names = ClientThrottle(size, ACCOUNT_FAILURES, names=False) if names else None

    def locked(self, key: str, moment: datetime) -> bool:
        with self._guard:
            _failures, until = self._clients.get(key, (0, None))
            return until is not None and moment < until

    def failed(self, key: str, moment: datetime) -> bool:
        """Count a failure; True when it locks the client now."""
        with self._guard:
            failures, until = self._clients.pop(key, (0, None))
            if until is not None and moment >= until:
                failures = 0
            failures += 1
            until = moment + timedelta(minutes=LOCK_MINUTES) if failures >= self._limit else None
            self._clients[key] = (0 if until else failures, until)
            while len(self._clients) > self._size:
                self._clients.popitem(last=False)
            return until is not None

    def succeeded(self, key: str) -> None:
        with self._guard:
            self._clients.pop(key, None)


# The outcomes that mean "wait a few minutes" (the rest: "wrong name or PIN", or
# PIN_MUST_CHANGE: the right PIN of an account whose hash a revoked kiosk held).
LOCKED = frozenset({"locked", "client_locked"})
PIN_MUST_CHANGE = "pin_must_change"


class LogIn(NamedTuple):
    """What a log-in attempt gave: ``outcome`` (``ok``, ``wrong_pin``, ``unknown_staff``,
    ``locked``: the account, ``client_locked``: this client, ``pin_must_change``: the
    right PIN, refused until an organizer sets a new one) and, when ok, the staff row and
    the new session's id."""

    outcome: str
    staff: sqlite3.Row | None = None
    session_id: str | None = None


def _state(conn: sqlite3.Connection, staff_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM staff_state WHERE staff_id = ?", (staff_id,)).fetchone()


def account_locked(conn: sqlite3.Connection, staff_id: str, moment: datetime) -> bool:
    """Locked here (too many wrong PINs at this instance) or anywhere central heard of."""
    until = [
        row[0]
        for row in (
            conn.execute(
                "SELECT locked_until FROM staff_attempts WHERE staff_id = ?", (staff_id,)
            ).fetchone(),
            conn.execute("SELECT locked_until FROM staff_state WHERE staff_id = ?", (staff_id,)).fetchone(),
        )
        if row is not None and row[0]
    ]
    return any(moment < clock.parse_time(text) for text in until)


def pin_must_change(conn: sqlite3.Connection, staff_id: str) -> bool:
    """A revoked kiosk held the account's PIN hash (``expose``): the PIN may have been
    cracked offline, so it logs in nowhere until ``set_pin`` gives a new one (central's
    word, copied to kiosks with ``staff_state``)."""
    state = _state(conn, staff_id)
    return state is not None and state["pin_exposed_at"] is not None


def log_in(
    db: Database,
    name: str,
    pin: str,
    moment: datetime,
    client: Client,
    throttle: ClientThrottle,
    central: bool,
    lifetime: timedelta,
) -> LogIn:
    """Check a staff member's name and PIN and, when right, start a session.

    The slow hash runs outside the write lock (scans go on meanwhile) and runs for an
    unknown name too. A client that failed ``MAX_FAILURES`` times is refused for a while
    (at the instance's own screen: that name only).
    An account that failed ``ACCOUNT_FAILURES`` times from unknown remote clients is
    locked for unknown remote clients only: the instance's own screen and a browser
    that logged in as that account before still log in (their own throttle holds), so
    nobody on the network can lock the organizer out. A kiosk reports the lock to
    central (a ``staff_lockouts`` event), which shares it with every kiosk (``central``:
    this instance is central and records it at once). The right PIN of an account marked
    by a revoked kiosk (``pin_must_change``) starts no session, on the instance's own
    screen too; a wrong one counts as any wrong PIN."""
    row = find_by_name(db.conn, name[:100])
    known = row is not None and row["id"] in client.known
    wanted = name[:100].strip().casefold()
    # The own screen is shared by the staff of a door or a desk: one person's wrong PINs
    # hold back that name there, not every colleague at the same screen.
    if known:
        key = f"browser:{client.browser}"
    elif client.local:
        key = f"screen:{wanted}"
    else:
        key = f"address:{client.address}"
    if throttle.locked(key, moment):
        return LogIn("client_locked")
    stopped_by_account = not (client.local or known)
    names = throttle.unknown_names
    if row is not None:
        locked = stopped_by_account and account_locked(db.conn, row["id"], moment)
    else:
        locked = stopped_by_account and names is not None and names.locked(wanted, moment)
    stored = (
        db.conn.execute("SELECT pin_hash FROM staff WHERE id = ?", (row["id"],)).fetchone()
        if row is not None and not locked
        else None
    )
    # One scrypt in every case (a locked or unknown name checks a hash of no PIN): the
    # time of the answer does not tell which names exist.
    with _HASHING:
        right = (
            check_password_hash(stored[0] if stored else dummy_hash(), pin[:MAX_SECRET])
            and stored is not None
        )
    if locked:
        return LogIn("locked")
    if row is None:
        client_locked = throttle.failed(key, moment)
        if stopped_by_account and names is not None and names.failed(wanted, moment):
            return LogIn("locked")
        return LogIn("client_locked" if client_locked else "unknown_staff")
    staff_id = row["id"]
    if right and pin_must_change(db.conn, staff_id):
        return LogIn(PIN_MUST_CHANGE)
    with dbmod.write(db) as conn:
        if not right:
            client_locked = throttle.failed(key, moment)
            if stopped_by_account and _count_failure(conn, staff_id, moment, central):
                return LogIn("locked")
            return LogIn("client_locked" if client_locked else "wrong_pin")
        throttle.succeeded(key)
        if stopped_by_account:
            conn.execute("DELETE FROM staff_attempts WHERE staff_id = ?", (staff_id,))
        forget_old_sessions(conn, moment, lifetime)
        return LogIn("ok", row, start_session(conn, staff_id, moment))


def _count_failure(conn: sqlite3.Connection, staff_id: str, moment: datetime, central: bool) -> bool:
    """One more wrong PIN for the account; True when it locks it now."""
    attempts = conn.execute("SELECT failures FROM staff_attempts WHERE staff_id = ?", (staff_id,)).fetchone()
    failures = (attempts["failures"] if attempts else 0) + 1
    locked_until = None
    if failures >= ACCOUNT_FAILURES:
        locked_until = clock.iso(moment + timedelta(minutes=LOCK_MINUTES))
        failures = 0
    conn.execute(
        "INSERT INTO staff_attempts (staff_id, failures, locked_until) VALUES (?, ?, ?)"
        " ON CONFLICT (staff_id) DO UPDATE SET failures = excluded.failures,"
        " locked_until = excluded.locked_until",
        (staff_id, failures, locked_until),
    )
    if locked_until is None:
        return False
    if central:
        share_lockout(conn, staff_id, locked_until)
    else:
        conn.execute(
            "INSERT INTO staff_lockouts (uuid, device_id, device_seq, device_time, staff_id, locked_until)"
            " VALUES (:uuid, :device_id, :device_seq, :device_time, :staff_id, :locked_until)",
            {**events.stamp(conn, moment), "staff_id": staff_id, "locked_until": locked_until},
        )
    return True


def share_lockout(conn: sqlite3.Connection, staff_id: str, locked_until: str) -> None:
    """Central: the account is locked until then at every kiosk (kept if later already)."""
    state = _state(conn, staff_id)
    if (
        state
        and state["locked_until"]
        and clock.parse_time(state["locked_until"]) >= clock.parse_time(locked_until)
    ):
        return
    conn.execute(
        "INSERT INTO staff_state (staff_id, locked_until) VALUES (?, ?)"
        " ON CONFLICT (staff_id) DO UPDATE SET locked_until = excluded.locked_until",
        (staff_id, locked_until),
    )


# ---------------------------------------------------------------- sessions


def start_session(conn: sqlite3.Connection, staff_id: str, moment: datetime) -> str:
    """A new session of ``staff_id`` (call in a write); returns its id. Sessions are never
    extended: they end at log-out, when the account's generation moves, or after
    ``STAFF_SESSION_HOURS``."""
    state = _state(conn, staff_id)
    session_id = secrets.token_urlsafe(24)
    conn.execute(
        "INSERT INTO staff_sessions (id, staff_id, generation, started_at) VALUES (?, ?, ?, ?)",
        (session_id, staff_id, state["generation"] if state else 0, clock.iso(moment)),
    )
    return session_id


def session_staff(
    conn: sqlite3.Connection, session_id: str, moment: datetime, lifetime: timedelta
) -> sqlite3.Row | None:
    """The active staff member of a live session (id, name, role), else None."""
    row = conn.execute(
        "SELECT s.id, s.name, s.role, x.started_at FROM staff_sessions x"
        " JOIN staff s ON s.id = x.staff_id AND s.active = 1"
        " LEFT JOIN staff_state st ON st.staff_id = s.id"
        " WHERE x.id = ? AND x.generation = coalesce(st.generation, 0)",
        (session_id,),
    ).fetchone()
    if row is None or moment - clock.parse_time(row["started_at"]) > lifetime:
        return None
    return row


def end_session(conn: sqlite3.Connection, session_id: str) -> None:
    """Log-out (call in a write): the cookie or token of this session stops working."""
    conn.execute("DELETE FROM staff_sessions WHERE id = ?", (session_id,))


def end_sessions(conn: sqlite3.Connection, staff_id: str) -> None:
    """End every session of the account (call in a write): here at once, and at every
    kiosk once it has central's reference data (on central: the generation moves)."""
    conn.execute("DELETE FROM staff_sessions WHERE staff_id = ?", (staff_id,))
    conn.execute(
        "INSERT INTO staff_state (staff_id, generation) VALUES (?, 1)"
        " ON CONFLICT (staff_id) DO UPDATE SET generation = generation + 1",
        (staff_id,),
    )


def held_by_kiosks(conn: sqlite3.Connection, kiosk_roles: str | Iterable[str]) -> list[sqlite3.Row]:
    """The active accounts (id, name) whose PIN hash a kiosk of ``kiosk_roles`` holds
    (the rows ``kiosk.reference.kiosk_view`` sends it: never an organizer)."""
    return conn.execute(
        f"SELECT id, name FROM staff WHERE active = 1 AND {reference.staff_rows(kiosk_roles)} ORDER BY name"
    ).fetchall()


def expose(conn: sqlite3.Connection, staff_ids: list[str], device: str, moment: datetime) -> None:
    """A kiosk holding these accounts' PIN hashes is gone (call in a write, on central):
    their sessions end at every kiosk, and each PIN is marked: since the hash can be
    attacked offline, it logs in nowhere until ``set_pin`` clears the mark."""
    for staff_id in staff_ids:
        end_sessions(conn, staff_id)
        conn.execute(
            "UPDATE staff_state SET pin_exposed_at = ?, pin_exposed_by = ? WHERE staff_id = ?",
            (clock.iso(moment), device, staff_id),
        )


def set_pin(conn: sqlite3.Connection, staff_id: str, role: str, pin: str) -> None:
    """A new PIN for an account (call in a write): its sessions end, the exposure mark
    goes (on central: kiosks get both the new hash and the cleared mark by sync)."""
    problem = pin_problem(role, pin)
    if problem:
        raise ValueError(problem)
    conn.execute("UPDATE staff SET pin_hash = ? WHERE id = ?", (generate_password_hash(pin), staff_id))
    end_sessions(conn, staff_id)
    conn.execute(
        "UPDATE staff_state SET pin_exposed_at = NULL, pin_exposed_by = NULL WHERE staff_id = ?", (staff_id,)
    )


def deactivate(conn: sqlite3.Connection, staff_id: str) -> None:
    """The account can no longer log in and its sessions end everywhere (call in a write;
    on central, kiosks follow with the reference data)."""
    conn.execute("UPDATE staff SET active = 0 WHERE id = ?", (staff_id,))
    end_sessions(conn, staff_id)


def forget_old_sessions(conn: sqlite3.Connection, moment: datetime, lifetime: timedelta) -> None:
    """Delete sessions past their lifetime (call in a write). julianday() reads the UTC
    offset of the stored times, so the comparison holds across a change of offset."""
    conn.execute(
        "DELETE FROM staff_sessions WHERE julianday(started_at) < julianday(?)",
        (clock.iso(moment - lifetime),),
    )


def list_staff(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every staff account (never the PIN hash), by role then name, with the kiosk that
    exposed its PIN hash if any (``pin_exposed_by``)."""
    return conn.execute(
        "SELECT s.id, s.name, s.role, s.active, st.pin_exposed_by FROM staff s"
        " LEFT JOIN staff_state st ON st.staff_id = s.id ORDER BY s.role, s.name"
    ).fetchall()
