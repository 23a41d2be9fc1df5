-- The door's repeat lookup (kiosk.verdict_log.repeat_of), led by the code digest like the
-- gate's (0002): a check-in no longer reads the whole check-in log.
CREATE INDEX session_checkins_by_digest ON session_checkins (code_digest, device_id, device_seq);
