-- Staff sessions kept by the server (issue 11): a browser cookie or an API token names
-- one row; log-out deletes it, so a copied cookie or token stops working. Local to each
-- instance, never synced.
CREATE TABLE staff_sessions (
    id TEXT PRIMARY KEY,            -- random; carried signed in the cookie or token
    staff_id TEXT NOT NULL,
    generation INTEGER NOT NULL,    -- staff_state.generation when it started
    started_at TEXT NOT NULL        -- the session ends STAFF_SESSION_HOURS later, used or not
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

-- Central's word on each account, copied to kiosks like the staff table (reference data):
-- - generation: raised to end every session of the account everywhere (deactivated,
--   held by a stolen kiosk);
-- - locked_until: a lock-out any instance reported, shared with every kiosk;
-- - pin_exposed_at/_by: a revoked kiosk held this PIN hash: the PIN must be changed.
CREATE TABLE staff_state (
    staff_id TEXT PRIMARY KEY,
    generation INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    pin_exposed_at TEXT,
    pin_exposed_by TEXT
);

-- A kiosk's "this account is locked out" (events): central takes it into staff_state.
CREATE TABLE staff_lockouts (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    locked_until TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
);
