-- Fewer rows to read for a day's figures (after 0700 and 0701), so the dashboard and
-- the gate screen read a few hundred rows a day whatever the volume:
-- * gate counters per quarter of an hour instead of per minute (an hour in any time
--   zone is whole quarters of UTC time, and nothing reads them finer);
-- * "inside now" per zone and hour, folded from the zone's minutes: the clamped walk's
--   summaries compose (see kiosk.entry.attendance.Minute), so an hour is one summary
--   of its minutes, kept by triggers on zone_minutes in the same transaction (in
--   time order, one composition; out of order, a fold of the hour's minutes).

CREATE TABLE gate_quarters (
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    quarter INTEGER NOT NULL,               -- corrected time in ms / 900000
    entries INTEGER NOT NULL DEFAULT 0,     -- people in (tickets and walk-ins)
    exits INTEGER NOT NULL DEFAULT 0,       -- people out
    adults INTEGER NOT NULL DEFAULT 0,      -- walk-in entries by kind
    children INTEGER NOT NULL DEFAULT 0,
    groups INTEGER NOT NULL DEFAULT 0,
    not_inside INTEGER NOT NULL DEFAULT 0,  -- exits refused: the ticket was not inside
    already_inside INTEGER NOT NULL DEFAULT 0, -- entries refused: the ticket was inside
    PRIMARY KEY (fair_date, gate_id, zone_id, quarter)
) WITHOUT ROWID;

INSERT INTO gate_quarters
SELECT fair_date, gate_id, zone_id, minute / 15, sum(entries), sum(exits), sum(adults), sum(children),
       sum(groups), sum(not_inside), sum(already_inside)
FROM gate_minutes GROUP BY fair_date, gate_id, zone_id, minute / 15;

DROP TRIGGER zone_passages_gate_minute;
DROP TRIGGER zone_passages_gate_minute_removed;
DROP TRIGGER scans_refusal_counted;
DROP TABLE gate_minutes;

CREATE TRIGGER zone_passages_gate_quarter AFTER INSERT ON zone_passages BEGIN
    INSERT INTO gate_quarters (fair_date, gate_id, zone_id, quarter, entries, exits, adults, children, groups)
    SELECT NEW.fair_date, NEW.gate_id, NEW.zone_id, NEW.moment / 900000, max(NEW.delta, 0), max(-NEW.delta, 0),
           CASE w.kind WHEN 'adult' THEN max(NEW.delta, 0) ELSE 0 END,
           CASE w.kind WHEN 'child' THEN max(NEW.delta, 0) ELSE 0 END,
           CASE w.kind WHEN 'group' THEN max(NEW.delta, 0) ELSE 0 END
    FROM (SELECT NEW.uuid AS uuid) AS p LEFT JOIN walk_ins w ON w.uuid = p.uuid
    WHERE true  -- an INSERT ... SELECT with an upsert needs a WHERE (SQLite's parser)
    ON CONFLICT (fair_date, gate_id, zone_id, quarter) DO UPDATE SET
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

CREATE TRIGGER zone_passages_gate_quarter_removed AFTER DELETE ON zone_passages BEGIN
    UPDATE gate_quarters SET
        entries = entries - max(OLD.delta, 0),
        exits = exits - max(-OLD.delta, 0),
        adults = adults - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'adult'), 0),
        children = children - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'child'), 0),
        groups = groups - coalesce((SELECT max(OLD.delta, 0) FROM walk_ins WHERE uuid = OLD.uuid AND kind = 'group'), 0)
    WHERE fair_date = OLD.fair_date AND gate_id = OLD.gate_id AND zone_id = OLD.zone_id
      AND quarter = OLD.moment / 900000;
    UPDATE day_visitors SET entries = entries - 1
    WHERE OLD.delta > 0 AND fair_date = OLD.fair_date
      AND ticket_serial = (SELECT s.ticket_serial FROM scans s
                           JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1 WHERE s.uuid = OLD.uuid);
    DELETE FROM day_visitors WHERE fair_date = OLD.fair_date AND entries <= 0
      AND ticket_serial = (SELECT ticket_serial FROM scans WHERE uuid = OLD.uuid);
END;

CREATE TRIGGER scans_refusal_counted AFTER INSERT ON scans
WHEN NEW.result = 'refused' AND NEW.reason IN ('not_inside', 'already_inside') AND NEW.zone_id IS NOT NULL BEGIN
    INSERT INTO gate_quarters (fair_date, gate_id, zone_id, quarter, not_inside, already_inside)
    SELECT NEW.fair_date, NEW.gate_id, NEW.zone_id, moment / 900000,
           NEW.reason = 'not_inside', NEW.reason = 'already_inside'
    FROM (SELECT CAST(round((julianday(NEW.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
                 - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
          FROM (SELECT NEW.device_id AS device_id) AS n LEFT JOIN sync_devices d ON d.device_id = n.device_id)
    WHERE moment IS NOT NULL
    ON CONFLICT (fair_date, gate_id, zone_id, quarter) DO UPDATE SET
        not_inside = not_inside + excluded.not_inside,
        already_inside = already_inside + excluded.already_inside;
END;

-- One row per zone, fair day and hour (minute / 60) with passages: the summary of its
-- minutes in order. With S_i the net of the hour's minutes before minute i and L_i the
-- lowest level before it (0 at the start): net = sum net_i, low = min (S_i + low_i),
-- high = max (S_i + high_i), rise = max (rise_i, S_i + high_i - L_i).
CREATE TABLE zone_hours (
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    hour INTEGER NOT NULL,
    net INTEGER NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    rise INTEGER NOT NULL,
    PRIMARY KEY (fair_date, zone_id, hour)
) WITHOUT ROWID;

-- A minute that is the last of its hour so far composes onto the hour's summary (A then
-- B: net = A.net + B.net, low = min(A.low, A.net + B.low), high = max(A.high, A.net +
-- B.high), rise = max(A.rise, B.rise, A.net - A.low + B.high)); 0700 updates a minute
-- only to append one passage at its end, which composes the same way. Anything else
-- (a late minute, a minute recounted or removed) folds the hour again from its minutes.
CREATE TRIGGER zone_minutes_added_last AFTER INSERT ON zone_minutes
WHEN NOT EXISTS (SELECT 1 FROM zone_minutes WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute > NEW.minute AND minute < (NEW.minute / 60 + 1) * 60)
BEGIN
    INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.minute / 60, NEW.net, NEW.low, NEW.high, NEW.rise)
    ON CONFLICT (fair_date, zone_id, hour) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);
END;
CREATE TRIGGER zone_minutes_extended AFTER UPDATE ON zone_minutes
WHEN NOT EXISTS (SELECT 1 FROM zone_minutes WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute > NEW.minute AND minute < (NEW.minute / 60 + 1) * 60)
BEGIN
    INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.minute / 60, NEW.net - OLD.net, min(0, NEW.net - OLD.net), max(0, NEW.net - OLD.net), max(0, NEW.net - OLD.net))
    ON CONFLICT (fair_date, zone_id, hour) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);
END;
CREATE TRIGGER zone_minutes_added_earlier AFTER INSERT ON zone_minutes
WHEN EXISTS (SELECT 1 FROM zone_minutes WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute > NEW.minute AND minute < (NEW.minute / 60 + 1) * 60)
BEGIN
    DELETE FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60;
    INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
    SELECT NEW.zone_id, NEW.fair_date, NEW.minute / 60, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before FROM zone_minutes
                WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute BETWEEN NEW.minute / 60 * 60 AND NEW.minute / 60 * 60 + 59
                WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    HAVING count(*) > 0;
END;
CREATE TRIGGER zone_minutes_changed_earlier AFTER UPDATE ON zone_minutes
WHEN EXISTS (SELECT 1 FROM zone_minutes WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute > NEW.minute AND minute < (NEW.minute / 60 + 1) * 60)
BEGIN
    DELETE FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60;
    INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
    SELECT NEW.zone_id, NEW.fair_date, NEW.minute / 60, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before FROM zone_minutes
                WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                  AND minute BETWEEN NEW.minute / 60 * 60 AND NEW.minute / 60 * 60 + 59
                WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    HAVING count(*) > 0;
END;
CREATE TRIGGER zone_minutes_removed AFTER DELETE ON zone_minutes BEGIN
    DELETE FROM zone_hours WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id AND hour = OLD.minute / 60;
    INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
    SELECT OLD.zone_id, OLD.fair_date, OLD.minute / 60, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before FROM zone_minutes
                WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id
                  AND minute BETWEEN OLD.minute / 60 * 60 AND OLD.minute / 60 * 60 + 59
                WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    HAVING count(*) > 0;
END;

-- The hours of what was recorded before this migration.
INSERT INTO zone_hours (zone_id, fair_date, hour, net, low, high, rise)
SELECT zone_id, fair_date, hour, sum(net), min(before + low), max(before + high),
       max(max(rise), max(before + high - lowest))
FROM (SELECT *, coalesce(min(before + low) OVER w, 0) AS lowest
      FROM (SELECT zone_id, fair_date, minute, minute / 60 AS hour, net, low, high, rise,
                   coalesce(sum(net) OVER w, 0) AS before
            FROM zone_minutes
            WINDOW w AS (PARTITION BY zone_id, fair_date, minute / 60 ORDER BY minute
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
      WINDOW w AS (PARTITION BY zone_id, fair_date, hour ORDER BY minute
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
GROUP BY zone_id, fair_date, hour;
