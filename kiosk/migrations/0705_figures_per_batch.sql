-- Every figure counted over a set of passages at once, one definition for both writers
-- (after 0700-0704, whose per-passage triggers it replaces): a scan on a kiosk is a set
-- of one, a batch on central is a set of hundreds, counted in the batch's transaction
-- (central ingest was ~16x slower than inserting the rows bare, mostly recounting the
-- same seconds, minutes and hours once per passage).
--
-- zone_passages' inserts and deletes (and the refusals the dashboard counts) are noted
-- in figure_changes. Setting figure_mode.deferred to 0 counts every noted change into
-- the figures and empties the table (trigger figures_counted). A change noted while
-- deferred = 0 (any single write) is counted at once; kiosk.events.counted_together
-- sets deferred = 1 around a batch and back to 0 after it, inside its transaction.
-- What the figures are is unchanged (0700-0704 describe them): zone_seconds,
-- zone_minutes, zone_hours (prefix before the hour's latest minute, as 0703),
-- gate_quarters, gate_days, day_visitors (day_totals stays kept by 0701's triggers on it).

CREATE TABLE figure_mode (
    deferred INTEGER NOT NULL CHECK (deferred IN (0, 1))
);
INSERT INTO figure_mode VALUES (0);

CREATE TABLE figure_changes (
    uuid TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    moment INTEGER NOT NULL,          -- corrected time, ms since the epoch
    delta INTEGER NOT NULL,           -- people in (+) or out (-); 0 for a refusal
    added INTEGER NOT NULL,           -- 1: counted now, -1: no longer counted (annulled)
    refusal TEXT                      -- not_inside / already_inside: a refused scan
);

DROP TRIGGER zone_passages_appended;
DROP TRIGGER zone_passages_inserted_earlier;
DROP TRIGGER zone_passages_removed;
DROP TRIGGER zone_passages_gate_entry;
DROP TRIGGER zone_passages_gate_quarter;
DROP TRIGGER zone_passages_gate_quarter_removed;
DROP TRIGGER scans_refusal_counted;
DROP TRIGGER zone_minutes_hour_opened;
DROP TRIGGER zone_minutes_next;
DROP TRIGGER zone_minutes_earlier_added;
DROP TRIGGER zone_minutes_earlier_changed;
DROP TRIGGER zone_minutes_earlier_removed;
DROP TRIGGER zone_minutes_hour_emptied;

-- A second is recounted from its passages in time order: the index holds all it reads.
DROP INDEX zone_passages_in_order;
CREATE INDEX zone_passages_by_moment ON zone_passages (zone_id, fair_date, moment, device_id, device_seq, delta);

CREATE TRIGGER zone_passages_noted AFTER INSERT ON zone_passages BEGIN
    INSERT INTO figure_changes VALUES (NEW.uuid, NEW.zone_id, NEW.fair_date, NEW.gate_id, NEW.moment, NEW.delta, 1, NULL);
END;
CREATE TRIGGER zone_passages_removal_noted AFTER DELETE ON zone_passages BEGIN
    INSERT INTO figure_changes VALUES (OLD.uuid, OLD.zone_id, OLD.fair_date, OLD.gate_id, OLD.moment, OLD.delta, -1, NULL);
END;
-- Refusals the dashboard counts, at the refused scan's corrected time (as 0702).
CREATE TRIGGER scans_refusal_counted AFTER INSERT ON scans
WHEN NEW.result = 'refused' AND NEW.reason IN ('not_inside', 'already_inside') AND NEW.zone_id IS NOT NULL BEGIN
    INSERT INTO figure_changes
    SELECT NEW.uuid, NEW.zone_id, NEW.fair_date, NEW.gate_id, moment, 0, 1, NEW.reason
    FROM (SELECT CAST(round((julianday(NEW.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
                 - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
          FROM (SELECT NEW.device_id AS device_id) AS n LEFT JOIN sync_devices d ON d.device_id = n.device_id)
    WHERE moment IS NOT NULL;
END;

-- A single write: count its change now.
CREATE TRIGGER figure_changes_now AFTER INSERT ON figure_changes
WHEN (SELECT deferred FROM figure_mode) = 0
BEGIN
    UPDATE figure_mode SET deferred = 0;
END;

CREATE TRIGGER figures_counted AFTER UPDATE ON figure_mode WHEN NEW.deferred = 0 BEGIN
    -- Entries, exits, walk-ins by kind and refusals per gate, zone and quarter hour.
    INSERT INTO gate_quarters (fair_date, gate_id, zone_id, quarter, entries, exits, adults, children, groups,
                               not_inside, already_inside)
    SELECT c.fair_date, c.gate_id, c.zone_id, c.moment / 900000,
           sum(c.added * max(c.delta, 0)), sum(c.added * max(-c.delta, 0)),
           sum(CASE w.kind WHEN 'adult' THEN c.added * max(c.delta, 0) ELSE 0 END),
           sum(CASE w.kind WHEN 'child' THEN c.added * max(c.delta, 0) ELSE 0 END),
           sum(CASE w.kind WHEN 'group' THEN c.added * max(c.delta, 0) ELSE 0 END),
           sum(c.added * (c.refusal IS 'not_inside')), sum(c.added * (c.refusal IS 'already_inside'))
    FROM figure_changes c LEFT JOIN walk_ins w ON w.uuid = c.uuid
    GROUP BY c.fair_date, c.gate_id, c.zone_id, c.moment / 900000
    ON CONFLICT (fair_date, gate_id, zone_id, quarter) DO UPDATE SET
        entries = entries + excluded.entries,
        exits = exits + excluded.exits,
        adults = adults + excluded.adults,
        children = children + excluded.children,
        groups = groups + excluded.groups,
        not_inside = not_inside + excluded.not_inside,
        already_inside = already_inside + excluded.already_inside;

    -- Entries per gate and day (the gate screen).
    INSERT INTO gate_days (gate_id, fair_date, entries)
    SELECT gate_id, fair_date, sum(added * delta) FROM figure_changes
    WHERE delta > 0 AND refusal IS NULL
    GROUP BY gate_id, fair_date
    ON CONFLICT (gate_id, fair_date) DO UPDATE SET entries = entries + excluded.entries;

    -- The day's visitor tickets with how many counted entries; gone with the last.
    INSERT INTO day_visitors (fair_date, ticket_serial, entries)
    SELECT c.fair_date, s.ticket_serial, sum(c.added)
    FROM figure_changes c JOIN scans s ON s.uuid = c.uuid
    JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1
    WHERE c.delta > 0 AND c.refusal IS NULL AND s.ticket_serial IS NOT NULL
    GROUP BY c.fair_date, s.ticket_serial
    ON CONFLICT (fair_date, ticket_serial) DO UPDATE SET entries = entries + excluded.entries;
    DELETE FROM day_visitors WHERE entries <= 0 AND (fair_date, ticket_serial) IN
        (SELECT c.fair_date, s.ticket_serial FROM figure_changes c JOIN scans s ON s.uuid = c.uuid);

    -- Each second with changed passages, recounted from its passages in time order
    -- (0700's summary: net, low, high, rise); gone when it has none left.
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT zone_id, fair_date, second, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT zone_id, fair_date, second, delta, level,
                 min(level) OVER (PARTITION BY zone_id, fair_date, second ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT t.zone_id, t.fair_date, t.second, p.delta,
                       row_number() OVER w AS n, sum(p.delta) OVER w AS level
                FROM (SELECT DISTINCT zone_id, fair_date, moment / 1000 AS second FROM figure_changes
                      WHERE refusal IS NULL) AS t
                JOIN zone_passages p ON p.zone_id = t.zone_id AND p.fair_date = t.fair_date
                 AND p.moment >= t.second * 1000 AND p.moment < (t.second + 1) * 1000
                WINDOW w AS (PARTITION BY t.zone_id, t.fair_date, t.second
                             ORDER BY p.moment, p.device_id, p.device_seq ROWS UNBOUNDED PRECEDING)))
    GROUP BY zone_id, fair_date, second
    ON CONFLICT (fair_date, zone_id, second) DO UPDATE SET
        net = excluded.net, low = excluded.low, high = excluded.high, rise = excluded.rise;
    DELETE FROM zone_seconds WHERE (fair_date, zone_id, second) IN
        (SELECT DISTINCT c.fair_date, c.zone_id, c.moment / 1000 FROM figure_changes c
         WHERE c.added < 0 AND NOT EXISTS
            (SELECT 1 FROM zone_passages p WHERE p.zone_id = c.zone_id AND p.fair_date = c.fair_date
             AND p.moment >= c.moment / 1000 * 1000 AND p.moment < (c.moment / 1000 + 1) * 1000));

    -- Each changed minute, folded from its seconds (0704); gone when it has none left.
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT zone_id, fair_date, minute, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT zone_id, fair_date, minute, net, low, high, rise, before,
                 coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT t.zone_id, t.fair_date, t.minute, s.second, s.net, s.low, s.high, s.rise,
                       coalesce(sum(s.net) OVER w, 0) AS before
                FROM (SELECT DISTINCT zone_id, fair_date, moment / 60000 AS minute FROM figure_changes
                      WHERE refusal IS NULL) AS t
                JOIN zone_seconds s ON s.fair_date = t.fair_date AND s.zone_id = t.zone_id
                 AND s.second >= t.minute * 60 AND s.second < (t.minute + 1) * 60
                WINDOW w AS (PARTITION BY t.zone_id, t.fair_date, t.minute ORDER BY s.second
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (PARTITION BY zone_id, fair_date, minute ORDER BY second
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    GROUP BY zone_id, fair_date, minute
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = excluded.net, low = excluded.low, high = excluded.high, rise = excluded.rise;
    DELETE FROM zone_minutes WHERE (fair_date, zone_id, minute) IN
        (SELECT DISTINCT c.fair_date, c.zone_id, c.moment / 60000 FROM figure_changes c
         WHERE c.added < 0 AND NOT EXISTS
            (SELECT 1 FROM zone_seconds s WHERE s.fair_date = c.fair_date AND s.zone_id = c.zone_id
             AND s.second >= c.moment / 60000 * 60 AND s.second < (c.moment / 60000 + 1) * 60));

    -- Each changed hour: its latest minute, and the fold of its minutes before it (0703).
    INSERT INTO zone_hours (zone_id, fair_date, hour, last_minute, net, low, high, rise)
    SELECT zone_id, fair_date, hour, max(minute),
           coalesce(sum(net) FILTER (WHERE minute < latest), 0),
           coalesce(min(before + low) FILTER (WHERE minute < latest), 0),
           coalesce(max(before + high) FILTER (WHERE minute < latest), 0),
           coalesce(max(max(rise, before + high - lowest)) FILTER (WHERE minute < latest), 0)
    FROM (SELECT *, coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT t.zone_id, t.fair_date, t.hour, m.minute, m.net, m.low, m.high, m.rise,
                       coalesce(sum(m.net) OVER w, 0) AS before,
                       max(m.minute) OVER (PARTITION BY t.zone_id, t.fair_date, t.hour) AS latest
                FROM (SELECT DISTINCT zone_id, fair_date, moment / 3600000 AS hour FROM figure_changes
                      WHERE refusal IS NULL) AS t
                JOIN zone_minutes m ON m.fair_date = t.fair_date AND m.zone_id = t.zone_id
                 AND m.minute >= t.hour * 60 AND m.minute < (t.hour + 1) * 60
                WINDOW w AS (PARTITION BY t.zone_id, t.fair_date, t.hour ORDER BY m.minute
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (PARTITION BY zone_id, fair_date, hour ORDER BY minute
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    GROUP BY zone_id, fair_date, hour
    ON CONFLICT (fair_date, zone_id, hour) DO UPDATE SET last_minute = excluded.last_minute,
        net = excluded.net, low = excluded.low, high = excluded.high, rise = excluded.rise;
    DELETE FROM zone_hours WHERE (fair_date, zone_id, hour) IN
        (SELECT DISTINCT c.fair_date, c.zone_id, c.moment / 3600000 FROM figure_changes c
         WHERE c.added < 0 AND NOT EXISTS
            (SELECT 1 FROM zone_minutes m WHERE m.fair_date = c.fair_date AND m.zone_id = c.zone_id
             AND m.minute >= c.moment / 3600000 * 60 AND m.minute < (c.moment / 3600000 + 1) * 60));

    DELETE FROM figure_changes;
END;
