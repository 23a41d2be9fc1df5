-- Named badges (kiosk tickets issue --exhibitors/--staff): which ticket each badge carries,
-- so printing the badges again prints the same tickets instead of issuing new ones. Kept
-- on central only (kiosks decide from the ticket, not from whose badge it is).
CREATE TABLE badges (
    ticket_uuid TEXT PRIMARY KEY REFERENCES tickets(uuid),
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('exhibitor', 'staff')),
    holder_id TEXT NOT NULL          -- exhibitors.id or staff.id
);
CREATE INDEX badges_holder ON badges (holder_kind, holder_id);
