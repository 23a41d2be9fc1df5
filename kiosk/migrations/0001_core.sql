-- Core schema: the event, its zones and gates, tickets, and the append-only logs
-- of what kiosks saw. Ids that travel between instances are text (slugs or UUIDs);
-- events carry the device id and the device's own sequence number.

-- This instance: one row. seq is the last device sequence number handed out.
CREATE TABLE device (
    id TEXT PRIMARY KEY,            -- UUID of this instance
    name TEXT NOT NULL,
    role TEXT NOT NULL,             -- 'central' or a comma list of entry,heritage,finder,workshop
    gate_id TEXT,                   -- the gate this kiosk stands at, if any
    seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE event (
    id TEXT PRIMARY KEY,
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    venue TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'Africa/Casablanca',
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);

-- Opening hours per fair day, local wall-clock HH:MM. early_opens is for ticket
-- types with early access (exhibitors, staff). closes may be past midnight ('01:00').
CREATE TABLE event_days (
    date TEXT PRIMARY KEY,
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    early_opens TEXT NOT NULL
);

CREATE TABLE zones (
    id TEXT PRIMARY KEY,
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'area'
);

CREATE TABLE gates (
    id TEXT PRIMARY KEY,
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    zone_id TEXT NOT NULL REFERENCES zones(id),
    directions TEXT NOT NULL DEFAULT 'in,out',
    occupancy_limit INTEGER          -- people inside the zone at most; NULL for no limit
);

-- code is the small number a QR payload carries for the type.
-- zones: comma list of zone ids the type may enter, or '*'.
CREATE TABLE ticket_types (
    id TEXT PRIMARY KEY,
    code INTEGER NOT NULL UNIQUE,
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    zones TEXT NOT NULL DEFAULT '*',
    early_access INTEGER NOT NULL DEFAULT 0,
    default_days INTEGER NOT NULL DEFAULT 1,
    is_visitor INTEGER NOT NULL DEFAULT 1
);

-- Public keys only: kiosks verify, only central's instance folder holds private keys.
CREATE TABLE signing_keys (
    kid INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL,        -- raw Ed25519 public key, hex
    created_at TEXT NOT NULL
);

CREATE TABLE tickets (
    uuid TEXT PRIMARY KEY,
    serial INTEGER NOT NULL UNIQUE,  -- random 40-bit number carried in the QR payload
    short_code TEXT NOT NULL UNIQUE, -- what a person types: serial in Crockford base32 + check
    type_id TEXT NOT NULL REFERENCES ticket_types(id),
    valid_from TEXT NOT NULL,        -- first fair day (YYYY-MM-DD)
    valid_days INTEGER NOT NULL,
    kid INTEGER NOT NULL,
    payload TEXT NOT NULL,           -- the signed QR text
    issued_at TEXT NOT NULL
);

CREATE TABLE revocations (
    serial INTEGER PRIMARY KEY,
    reason TEXT NOT NULL DEFAULT '',
    revoked_at TEXT NOT NULL
);

-- Append-only scan log. fair_date is the fair day of device_time; code_digest is a
-- SHA-256 of the raw scanned text (never the text itself: it may be huge or hostile).
CREATE TABLE scans (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    zone_id TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    code_digest TEXT NOT NULL,
    ticket_serial INTEGER,
    type_id TEXT,
    result TEXT NOT NULL CHECK (result IN ('accepted', 'refused')),
    reason TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX scans_by_ticket ON scans (ticket_serial, zone_id, fair_date);
CREATE INDEX scans_by_digest ON scans (device_id, code_digest);
CREATE INDEX scans_by_day ON scans (fair_date, zone_id, result);

-- A staff member's "that scan was a mistake": the scan stays, the figures skip it.
CREATE TABLE annulments (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    scan_uuid TEXT NOT NULL UNIQUE,
    staff_id TEXT,
    UNIQUE (device_id, device_seq)
);

-- Ticketless walk-ins counted by staff with a tally.
CREATE TABLE walk_ins (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('adult', 'child', 'group')),
    people INTEGER NOT NULL CHECK (people > 0),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    staff_id TEXT,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX walk_ins_by_day ON walk_ins (fair_date, zone_id);

-- Staff accounts. The PIN is stored as a slow hash (werkzeug scrypt).
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('gate', 'workshop', 'organizer')),
    pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
-- Local lock-out state: not reference data, never synced.
CREATE TABLE staff_attempts (
    staff_id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
