-- The fair file (kiosk/fair): what it adds to the core schema (ticket_types.reentry is
-- in 0500_gates.sql).

-- The site plan imported from an SVG, in metres (one row, reference data): zone
-- outlines, walkways (with steps or not), gates and facilities as JSON. Stands are in
-- the stands table; the walkway graph is derived from this on every instance.
CREATE TABLE site_plan (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL,
    digest TEXT NOT NULL              -- SHA-256 of document: caches of the graph key on it
);
