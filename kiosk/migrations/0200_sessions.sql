-- Conference hall and workshops: the programme, registrations (reference data that
-- central owns and kiosks copy) and what the door staff saw (append-only events).

-- One session of the programme. starts_at/ends_at are aware ISO times (Africa/Casablanca).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,                 -- UUID
    title_fr TEXT NOT NULL,
    title_ar TEXT NOT NULL,
    title_en TEXT NOT NULL,
    speaker TEXT NOT NULL DEFAULT '',    -- speaker or trainer: staff and organizer screens only
    zone_id TEXT NOT NULL REFERENCES zones(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('conference', 'workshop', 'kids', 'show')),
    registration_required INTEGER NOT NULL DEFAULT 0 CHECK (registration_required IN (0, 1))
);
CREATE INDEX sessions_by_start ON sessions (starts_at);

-- A seat asked for in a session. Holds personal data (name, phone). Seat or waitlist
-- follows from the order of created_at (see kiosk.sessions.rules.allocate), so a
-- cancellation moves the waitlist up with nothing to update. token: the unguessable
-- text of the registration's own QR code; short_code: what staff type.
CREATE TABLE session_registrations (
    id TEXT PRIMARY KEY,                 -- UUID
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    ticket_serial INTEGER,               -- the visitor's ticket holds the seat, if given
    token TEXT NOT NULL UNIQUE,
    short_code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX session_registrations_by_session ON session_registrations (session_id, created_at);
-- One live seat per ticket and session (a cancelled one may be asked for again).
CREATE UNIQUE INDEX session_registrations_one_per_ticket ON session_registrations (session_id, ticket_serial)
    WHERE ticket_serial IS NOT NULL AND cancelled_at IS NULL;

-- Walk-in registrations taken at the door by staff (events: a kiosk never writes
-- reference data; sync carries them to central).
CREATE TABLE session_walk_ins (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    session_id TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    ticket_serial INTEGER,
    staff_id TEXT,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX session_walk_ins_by_session ON session_walk_ins (session_id);

-- Every check-in attempt at a session door, accepted or refused. person_id is a
-- registration id or a walk-in uuid; ticket_serial is set when a ticket was shown.
CREATE TABLE session_checkins (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    session_id TEXT NOT NULL,
    person_id TEXT,
    ticket_serial INTEGER,
    code_digest TEXT,
    result TEXT NOT NULL CHECK (result IN ('accepted', 'refused')),
    reason TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    staff_id TEXT,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX session_checkins_by_session ON session_checkins (session_id, result);

-- A staff member's "that check-in was a mistake": the check-in stays, the counts skip it.
CREATE TABLE session_checkin_undos (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    checkin_uuid TEXT NOT NULL UNIQUE,
    staff_id TEXT,
    UNIQUE (device_id, device_seq)
);
