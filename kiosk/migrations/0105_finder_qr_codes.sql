-- The QR codes of the finder's exhibitor pages as drawn (phone link -> SVG, ~1.3 ms of CPU
-- each): kiosk serve's warm-up reads them rather than drawing a fair's hundreds again at each
-- start. A code depends on its link alone, so it never goes stale; links no longer asked for
-- go at the next warm-up. Local, never synced.
CREATE TABLE finder_qr_codes (
    url TEXT PRIMARY KEY,
    svg TEXT NOT NULL
) WITHOUT ROWID;
