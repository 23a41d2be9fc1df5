-- The rest of a day's figures kept as the events arrive (after 0700's "inside now"):
-- entries and exits per gate, zone and minute, walk-ins per kind, refusals the
-- dashboard shows, and the day's set of visitors. Fed by the triggers of 0700's
-- zone_passages (every counted passage, at its corrected time, once; removed again
-- when annulled), so a scan on a kiosk and a batch on central update them in their
-- own transaction. kiosk.entry.attendance.day_figures reads them.

-- Per fair day, gate, zone and minute of corrected time (moment / 60000).
CREATE TABLE gate_minutes (
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    minute INTEGER NOT NULL,
    entries INTEGER NOT NULL DEFAULT 0,     -- people in (tickets and walk-ins)
    exits INTEGER NOT NULL DEFAULT 0,       -- people out
    adults INTEGER NOT NULL DEFAULT 0,      -- walk-in entries by kind
    children INTEGER NOT NULL DEFAULT 0,
    groups INTEGER NOT NULL DEFAULT 0,
    not_inside INTEGER NOT NULL DEFAULT 0,  -- exits refused: the ticket was not inside
    already_inside INTEGER NOT NULL DEFAULT 0, -- entries refused: the ticket was inside
    PRIMARY KEY (fair_date, gate_id, zone_id, minute)
) WITHOUT ROWID;

-- Visitor tickets (ticket types with is_visitor) with a counted entry that day, with
-- how many: an annulment removes the ticket when its last entry goes.
CREATE TABLE day_visitors (
    fair_date TEXT NOT NULL,
    ticket_serial INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (fair_date, ticket_serial)
) WITHOUT ROWID;

-- The size of each day's set (read without counting the set).
CREATE TABLE day_totals (
    fair_date TEXT PRIMARY KEY,
    visitors INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER zone_passages_gate_minute AFTER INSERT ON zone_passages BEGIN
    INSERT INTO gate_minutes (fair_date, gate_id, zone_id, minute, entries, exits, adults, children, groups)
    SELECT NEW.fair_date, NEW.gate_id, NEW.zone_id, NEW.minute, max(NEW.delta, 0), max(-NEW.delta, 0),
           CASE w.kind WHEN 'adult' THEN max(NEW.delta, 0) ELSE 0 END,
           CASE w.kind WHEN 'child' THEN max(NEW.delta, 0) ELSE 0 END,
           CASE w.kind WHEN 'group' THEN max(NEW.delta, 0) ELSE 0 END
    FROM (SELECT NEW.uuid AS uuid) AS p LEFT JOIN walk_ins w ON w.uuid = p.uuid
    WHERE true  -- an INSERT ... SELECT with an upsert needs a WHERE (SQLite's parser)
    ON CONFLICT (fair_date, gate_id, zone_id, minute) DO UPDATE SET
        entries = entries + excluded.entries,
        exits = exits + excluded.exits,
        adults = adults + excluded.adults,
        children = children + excluded.children,
        groups = groups + excluded.groups;
    INSERT INTO day_visitors (fair_date, ticket_serial, entries)
    SELECT NEW.fair_date, s.ticket_serial, 1
    FROM scans s JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1
    WHERE NEW.delta > 0 AND s.uuid = NEW.uuid AND s.ticket_serial IS NOT NULL
    ON CONFLICT (fair_date, ticket_serial) DO UPDATE SET entries = entries + 1;
END;

CREATE TRIGGER zone_passages_gate_minute_removed AFTER DELETE ON zone_passages BEGIN
    UPDATE gate_minutes SET
        entries = entries - max(OLD.delta, 0),
        exits = exits - max(-OLD.delta, 0),
        adults = adults - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'adult'), 0),
        children = children - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'child'), 0),
        groups = groups - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'group'), 0)
    WHERE fair_date = OLD.fair_date AND gate_id = OLD.gate_id AND zone_id = OLD.zone_id AND minute = OLD.minute;
    UPDATE day_visitors SET entries = entries - 1
    WHERE OLD.delta > 0 AND fair_date = OLD.fair_date
      AND ticket_serial = (SELECT s.ticket_serial FROM scans s
                           JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1 WHERE s.uuid = OLD.uuid);
    DELETE FROM day_visitors WHERE fair_date = OLD.fair_date AND entries <= 0
      AND ticket_serial = (SELECT ticket_serial FROM scans WHERE uuid = OLD.uuid);
END;

CREATE TRIGGER day_visitors_added AFTER INSERT ON day_visitors BEGIN
    INSERT INTO day_totals (fair_date, visitors) VALUES (NEW.fair_date, 1)
    ON CONFLICT (fair_date) DO UPDATE SET visitors = visitors + 1;
END;
CREATE TRIGGER day_visitors_gone AFTER DELETE ON day_visitors BEGIN
    UPDATE day_totals SET visitors = visitors - 1 WHERE fair_date = OLD.fair_date;
END;

-- Refusals the dashboard counts (pass-back attempts, exits of tickets not inside), at
-- the refused scan's corrected minute; a time SQLite cannot read is left out.
CREATE TRIGGER scans_refusal_counted AFTER INSERT ON scans
WHEN NEW.result = 'refused' AND NEW.reason IN ('not_inside', 'already_inside') AND NEW.zone_id IS NOT NULL BEGIN
    INSERT INTO gate_minutes (fair_date, gate_id, zone_id, minute, not_inside, already_inside)
    SELECT NEW.fair_date, NEW.gate_id, NEW.zone_id, moment / 60000,
           NEW.reason = 'not_inside', NEW.reason = 'already_inside'
    FROM (SELECT CAST(round((julianday(NEW.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
                 - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
          FROM (SELECT NEW.device_id AS device_id) AS n LEFT JOIN sync_devices d ON d.device_id = n.device_id)
    WHERE moment IS NOT NULL
    ON CONFLICT (fair_date, gate_id, zone_id, minute) DO UPDATE SET
        not_inside = not_inside + excluded.not_inside,
        already_inside = already_inside + excluded.already_inside;
END;

-- What was recorded before this migration.
INSERT INTO gate_minutes (fair_date, gate_id, zone_id, minute, entries, exits, adults, children, groups)
SELECT p.fair_date, p.gate_id, p.zone_id, p.minute, sum(max(p.delta, 0)), sum(max(-p.delta, 0)),
       sum(CASE w.kind WHEN 'adult' THEN max(p.delta, 0) ELSE 0 END),
       sum(CASE w.kind WHEN 'child' THEN max(p.delta, 0) ELSE 0 END),
       sum(CASE w.kind WHEN 'group' THEN max(p.delta, 0) ELSE 0 END)
FROM zone_passages p LEFT JOIN walk_ins w ON w.uuid = p.uuid
GROUP BY p.fair_date, p.gate_id, p.zone_id, p.minute;

INSERT INTO gate_minutes (fair_date, gate_id, zone_id, minute, not_inside, already_inside)
SELECT fair_date, gate_id, zone_id, moment / 60000, sum(reason = 'not_inside'), sum(reason = 'already_inside')
FROM (SELECT s.fair_date, s.gate_id, s.zone_id, s.reason,
             CAST(round((julianday(s.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
               - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
      FROM scans s LEFT JOIN sync_devices d ON d.device_id = s.device_id
      WHERE s.result = 'refused' AND s.reason IN ('not_inside', 'already_inside') AND s.zone_id IS NOT NULL)
WHERE moment IS NOT NULL
GROUP BY 1, 2, 3, 4
ON CONFLICT (fair_date, gate_id, zone_id, minute) DO UPDATE SET
    not_inside = excluded.not_inside, already_inside = excluded.already_inside;

INSERT INTO day_visitors (fair_date, ticket_serial, entries)
SELECT p.fair_date, s.ticket_serial, count(*)
FROM zone_passages p JOIN scans s ON s.uuid = p.uuid
JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1
WHERE p.delta > 0 AND s.ticket_serial IS NOT NULL
GROUP BY p.fair_date, s.ticket_serial;
