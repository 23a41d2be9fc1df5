-- A counter every write to a session's seats or people moves (its row, registrations,
-- check-ins, their undos, walk-ins at the door): the organizers' control room reads the
-- sessions' fill again only when it moved, not after every scan a kiosk pushes.
CREATE TABLE session_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL
);
INSERT INTO session_changes VALUES (1, 0);

CREATE TRIGGER session_changes_sessions_ins AFTER INSERT ON sessions BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_sessions_upd AFTER UPDATE ON sessions BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_sessions_del AFTER DELETE ON sessions BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_registrations_ins AFTER INSERT ON session_registrations BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_registrations_upd AFTER UPDATE ON session_registrations BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_registrations_del AFTER DELETE ON session_registrations BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_checkins AFTER INSERT ON session_checkins BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_checkin_undos AFTER INSERT ON session_checkin_undos BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_walk_ins AFTER INSERT ON session_walk_ins BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
-- Events are never changed; a kiosk wipes personal ones when it is revoked.
CREATE TRIGGER session_changes_checkins_del AFTER DELETE ON session_checkins BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_checkin_undos_del AFTER DELETE ON session_checkin_undos BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
CREATE TRIGGER session_changes_walk_ins_del AFTER DELETE ON session_walk_ins BEGIN
    UPDATE session_changes SET counter = counter + 1;
END;
