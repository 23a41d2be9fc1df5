-- The kids' space (kids role). Names and phone numbers of children and adults live in
-- kids_drop_offs and kids_children on the kids' kiosk only: they are no event and no
-- reference table, so neither sync nor bundles ever carry them, and they are wiped at the
-- end of each fair day (kiosk.kids.space.wipe). Central gets kids_counts only (figures).

-- Staff may now have the kids role (SQLite changes a CHECK by rebuilding the table).
CREATE TABLE staff_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('gate', 'workshop', 'kids', 'organizer')),
    pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO staff_new (id, name, role, pin_hash, active) SELECT id, name, role, pin_hash, active FROM staff;
DROP TABLE staff;
ALTER TABLE staff_new RENAME TO staff;

-- One adult leaving children, and the security code on their receipt (unique that day).
CREATE TABLE kids_drop_offs (
    id TEXT PRIMARY KEY,               -- UUID; never leaves this kiosk
    fair_date TEXT NOT NULL,
    code TEXT NOT NULL,                -- random, kiosk.kids.receipt.new_code
    adult_first_name TEXT NOT NULL,
    adult_phone TEXT NOT NULL,
    ticket_serial INTEGER,             -- the adult's ticket, when scanned
    dropped_at TEXT NOT NULL,
    staff_id TEXT,
    UNIQUE (fair_date, code)
);

CREATE TABLE kids_children (
    id TEXT PRIMARY KEY,               -- UUID; never leaves this kiosk
    drop_off_id TEXT NOT NULL REFERENCES kids_drop_offs(id) ON DELETE CASCADE,
    first_name TEXT NOT NULL,
    age_band TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    picked_up_at TEXT,
    picked_up_by TEXT                  -- staff id
);
CREATE INDEX kids_children_by_drop_off ON kids_children (drop_off_id);

-- Releases without a receipt: who (an organizer) and when; no visitor's data, so the
-- log outlives the wipe.
CREATE TABLE kids_overrides (
    id INTEGER PRIMARY KEY,
    fair_date TEXT NOT NULL,
    released_at TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    staff_name TEXT NOT NULL,
    children INTEGER NOT NULL
);

-- Each wipe of the day's names and phones: what went, when.
CREATE TABLE kids_wipes (
    id INTEGER PRIMARY KEY,
    fair_date TEXT NOT NULL,
    wiped_at TEXT NOT NULL,
    drop_offs INTEGER NOT NULL,
    children INTEGER NOT NULL,
    still_inside INTEGER NOT NULL
);

-- Event (pushed to central): the day's figures after each change, no personal data.
CREATE TABLE kids_counts (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    drop_offs INTEGER NOT NULL CHECK (drop_offs >= 0),
    pick_ups INTEGER NOT NULL CHECK (pick_ups >= 0),
    inside INTEGER NOT NULL CHECK (inside >= 0),
    longest_stay_minutes INTEGER NOT NULL CHECK (longest_stay_minutes >= 0),
    UNIQUE (device_id, device_seq)
);
CREATE INDEX kids_counts_by_day ON kids_counts (fair_date, device_id, device_seq);
