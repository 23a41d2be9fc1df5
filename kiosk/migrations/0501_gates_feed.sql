-- Admissions travel between kiosks through central (issue 12, sync.feed).
-- Central: one row per gate event that can change a decision elsewhere (accepted scans,
-- their annulments, walk-ins), in the order central stored them; seq is the feed
-- cursor. Written by triggers that only central creates (sync.feed.ensure_feed_log).
CREATE TABLE feed_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    uuid TEXT NOT NULL,
    device_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    zone_id TEXT NOT NULL
);
CREATE INDEX feed_log_by_zone ON feed_log (fair_date, zone_id, seq);

-- Kiosk: how far the feed of other kiosks' admissions has been applied.
ALTER TABLE sync_state ADD COLUMN feed_cursor INTEGER NOT NULL DEFAULT 0;
