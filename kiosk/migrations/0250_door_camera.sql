-- The session the camera of this workshop door checks people into (picked on the door
-- screen). Local to the kiosk: neither an event nor reference data, so never synced or
-- bundled; a table rather than memory so that the choice survives a restart.
CREATE TABLE door_selection (
    id INTEGER PRIMARY KEY CHECK (id = 1),  -- one door per kiosk: one row at most
    session_id TEXT NOT NULL,
    staff_id TEXT,                          -- who picked it: recorded with camera check-ins
    selected_at TEXT NOT NULL
);
