-- The kids' space supervisor (staff role kids_lead): releases a child whose adult lost
-- the receipt, at the kids' kiosk, so that no kiosk needs an organizer's account
-- (kiosk.reference.STAFF_ROLE_KIOSKS). SQLite changes a CHECK by rebuilding the table.
CREATE TABLE staff_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('gate', 'workshop', 'kids', 'kids_lead', 'organizer')),
    pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO staff_new (id, name, role, pin_hash, active) SELECT id, name, role, pin_hash, active FROM staff;
DROP TABLE staff;
ALTER TABLE staff_new RENAME TO staff;
