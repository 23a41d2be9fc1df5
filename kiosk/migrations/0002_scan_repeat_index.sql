-- The "same code moments ago" lookup runs on every scan: find the newest scan of a code
-- digest on this device straight from an index instead of walking the device's scans.
DROP INDEX scans_by_digest;
CREATE INDEX scans_by_digest ON scans (code_digest, device_id, device_seq);
