-- Sync between kiosks and central (issue 6). Tables on both sides; each side uses its own.

-- Kiosk side: one row. pushed_seq = highest own device_seq central confirmed holding;
-- cursor = central change cursor up to which reference data is applied; snapshot =
-- JSON progress of a snapshot being fetched (NULL when none).
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    central_url TEXT,
    token TEXT,
    pushed_seq INTEGER NOT NULL DEFAULT 0,
    cursor INTEGER NOT NULL DEFAULT 0,
    snapshot TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    clock_offset REAL,
    last_push_at TEXT,
    last_pull_at TEXT,
    last_error TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Central side: enrolled (or imported) devices. Tokens and enrollment codes hashed.
CREATE TABLE sync_devices (
    name TEXT PRIMARY KEY,
    device_id TEXT UNIQUE,
    role TEXT NOT NULL,
    gate_id TEXT,
    code_hash TEXT UNIQUE,
    code_expires_at TEXT,
    token_hash TEXT UNIQUE,
    created_at TEXT NOT NULL,
    enrolled_at TEXT,
    revoked_at TEXT,
    high_seq INTEGER NOT NULL DEFAULT 0,
    last_seen_at TEXT,
    clock_offset REAL,
    app_version TEXT,
    protocol INTEGER,
    status TEXT,                 -- JSON the kiosk reports: events waiting, camera...
    cursor INTEGER
);

-- Central change log of reference tables, written by triggers (sync/changes.py).
-- seq is assigned inside the writing transaction; SQLite serialises writers, so a
-- change committed later always has a larger seq than every change visible before.
-- One row per (tbl, pk): a newer change of the same row replaces the older one.
CREATE TABLE sync_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    pk TEXT NOT NULL             -- JSON array of the primary key values
);
CREATE UNIQUE INDEX sync_changes_by_row ON sync_changes (tbl, pk);

CREATE TABLE sync_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Conflicts found at central: double entries, clock offsets, late uploads.
CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    device_id TEXT,
    detail TEXT NOT NULL,        -- JSON
    detected_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sync_conflicts_by_kind ON sync_conflicts (kind, updated_at);
