-- Figures kept as the events arrive (kiosk.entry.attendance reads them): "inside now"
-- per zone is a fold over the day's minute buckets instead of a walk over its log.
-- Every writer (a scan, a walk-in, an annulment, the gate feed, a batch applied on
-- central) goes through these triggers, in the transaction of the event itself.
-- After 0300_sync: the time of a passage is corrected by the clock offset sync
-- measured for its device (sync_devices, central only), applied when it arrives.

-- Each counted passage once, at its corrected time (milliseconds since the epoch).
CREATE TABLE zone_passages (
    uuid TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    moment INTEGER NOT NULL,
    minute INTEGER NOT NULL,          -- moment / 60000: the bucket
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    delta INTEGER NOT NULL            -- people in (+) or out (-)
) WITHOUT ROWID;
CREATE INDEX zone_passages_in_order ON zone_passages (zone_id, fair_date, minute, moment, device_id, device_seq);

-- One row per zone, fair day and minute with passages. Over the minute's passages in
-- time order, prefix sums p_0 = 0, p_1..p_n: net = p_n, low = min p_k, high = max p_k,
-- rise = max (p_k - min_{j<=k} p_j). A walk clamped at zero that enters the minute at x
-- leaves it at max(x + net, net - low) and peaks at max(x + high, rise).
CREATE TABLE zone_minutes (
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    minute INTEGER NOT NULL,
    net INTEGER NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    rise INTEGER NOT NULL,
    PRIMARY KEY (fair_date, zone_id, minute)          -- a day's zones, or one zone
) WITHOUT ROWID;

-- Entries through each gate per fair day (the gate screen).
CREATE TABLE gate_days (
    gate_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (gate_id, fair_date)
) WITHOUT ROWID;

-- The passage that comes last in its minute (a scan at the gate, a feed or a batch in
-- time order) extends the minute's prefix sums; one that lands earlier (a late batch)
-- or is removed (an annulment) recomputes only its own minute from its passages.
CREATE TRIGGER zone_passages_appended AFTER INSERT ON zone_passages
WHEN NOT EXISTS (SELECT 1 FROM zone_passages WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date
                 AND minute = NEW.minute AND (moment, device_id, device_seq) > (NEW.moment, NEW.device_id, NEW.device_seq))
BEGIN
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.minute, NEW.delta, min(0, NEW.delta), max(0, NEW.delta), max(0, NEW.delta))
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.net),
        high = max(high, net + excluded.net),
        rise = max(rise, net + excluded.net - min(low, net + excluded.net));
END;

CREATE TRIGGER zone_passages_inserted_earlier AFTER INSERT ON zone_passages
WHEN EXISTS (SELECT 1 FROM zone_passages WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date
             AND minute = NEW.minute AND (moment, device_id, device_seq) > (NEW.moment, NEW.device_id, NEW.device_seq))
BEGIN
    DELETE FROM zone_minutes WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date AND minute = NEW.minute;
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT NEW.zone_id, NEW.fair_date, NEW.minute, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT delta, level, min(level) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT delta, row_number() OVER w AS n, sum(delta) OVER w AS level FROM zone_passages
                WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date AND minute = NEW.minute
                WINDOW w AS (ORDER BY moment, device_id, device_seq ROWS UNBOUNDED PRECEDING)))
    HAVING count(*) > 0;
END;

CREATE TRIGGER zone_passages_gate_entry AFTER INSERT ON zone_passages WHEN NEW.delta > 0 BEGIN
    INSERT INTO gate_days (gate_id, fair_date, entries) VALUES (NEW.gate_id, NEW.fair_date, NEW.delta)
    ON CONFLICT (gate_id, fair_date) DO UPDATE SET entries = entries + excluded.entries;
END;

CREATE TRIGGER zone_passages_removed AFTER DELETE ON zone_passages BEGIN
    DELETE FROM zone_minutes WHERE zone_id = OLD.zone_id AND fair_date = OLD.fair_date AND minute = OLD.minute;
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT OLD.zone_id, OLD.fair_date, OLD.minute, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT delta, level, min(level) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT delta, row_number() OVER w AS n, sum(delta) OVER w AS level FROM zone_passages
                WHERE zone_id = OLD.zone_id AND fair_date = OLD.fair_date AND minute = OLD.minute
                WINDOW w AS (ORDER BY moment, device_id, device_seq ROWS UNBOUNDED PRECEDING)))
    HAVING count(*) > 0;
    UPDATE gate_days SET entries = entries - OLD.delta
    WHERE OLD.delta > 0 AND gate_id = OLD.gate_id AND fair_date = OLD.fair_date;
END;

-- The passages that count, at their corrected time. The milliseconds of a time SQLite
-- cannot read are NULL: such an event (central refuses them now) is left out.
CREATE VIEW counted_passages AS
SELECT uuid, zone_id, fair_date, gate_id, moment, moment / 60000 AS minute, device_id, device_seq, delta
FROM (
    SELECT s.uuid, s.zone_id, s.fair_date, s.gate_id, s.device_id, s.device_seq,
           CAST(round((julianday(s.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
             - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment,
           CASE s.direction WHEN 'in' THEN 1 ELSE -1 END AS delta
    FROM scans s LEFT JOIN sync_devices d ON d.device_id = s.device_id
    WHERE s.result = 'accepted' AND s.zone_id IS NOT NULL
      AND s.uuid NOT IN (SELECT scan_uuid FROM annulments)
    UNION ALL
    SELECT w.uuid, w.zone_id, w.fair_date, w.gate_id, w.device_id, w.device_seq,
           CAST(round((julianday(w.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
             - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER),
           CASE w.direction WHEN 'in' THEN w.people ELSE -w.people END
    FROM walk_ins w LEFT JOIN sync_devices d ON d.device_id = w.device_id
)
WHERE moment IS NOT NULL;

-- Every writer's event lands here in its own transaction.
CREATE TRIGGER scans_counted AFTER INSERT ON scans WHEN NEW.result = 'accepted' BEGIN
    INSERT INTO zone_passages SELECT * FROM counted_passages WHERE uuid = NEW.uuid;
END;
CREATE TRIGGER walk_ins_counted AFTER INSERT ON walk_ins BEGIN
    INSERT INTO zone_passages SELECT * FROM counted_passages WHERE uuid = NEW.uuid;
END;
CREATE TRIGGER annulments_uncounted AFTER INSERT ON annulments BEGIN
    DELETE FROM zone_passages WHERE uuid = NEW.scan_uuid;
END;

-- What was recorded before this migration, in time order: each passage an append.
INSERT INTO zone_passages SELECT * FROM counted_passages ORDER BY zone_id, fair_date, moment, device_id, device_seq;
