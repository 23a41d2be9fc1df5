-- Gates that see each other (issue 12). Re-entry after an exit, per ticket type (the
-- fair's ticket types say reentry = true|false; true unless said otherwise).
ALTER TABLE ticket_types ADD COLUMN reentry INTEGER NOT NULL DEFAULT 1;
