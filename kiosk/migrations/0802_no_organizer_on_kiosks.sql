-- A kids' kiosk provisioned before 0801 received the organizer accounts (names, PIN
-- hashes, session generations); no kiosk may hold one (kiosk.reference.STAFF_ROLE_KIOSKS).
-- Central keeps them: its device row says 'central' (a database with no device row yet
-- is new and holds no staff).
DELETE FROM staff_attempts WHERE staff_id IN (SELECT id FROM staff WHERE role = 'organizer')
    AND (SELECT role FROM device LIMIT 1) != 'central';
DELETE FROM staff_sessions WHERE staff_id IN (SELECT id FROM staff WHERE role = 'organizer')
    AND (SELECT role FROM device LIMIT 1) != 'central';
DELETE FROM staff_state WHERE staff_id IN (SELECT id FROM staff WHERE role = 'organizer')
    AND (SELECT role FROM device LIMIT 1) != 'central';
DELETE FROM staff WHERE role = 'organizer' AND (SELECT role FROM device LIMIT 1) != 'central';
