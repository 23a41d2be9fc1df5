-- Central side: pushed events central refused (bad time, unknown gate, a walk-in of a
-- billion people...), kept with the reason so the dashboard shows them. Never counted.
-- Until an organizer voids it, a refused event holds its device's high_seq below it
-- (the kiosk keeps it queued); voided, it counts as held and is still kept here.
CREATE TABLE sync_rejected (
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    uuid TEXT,
    event TEXT NOT NULL,         -- JSON object of the event as received
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL,
    voided_at TEXT,
    voided_by TEXT,
    PRIMARY KEY (device_id, device_seq)
);
