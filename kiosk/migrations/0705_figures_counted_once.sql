-- The figures counted once per write or per batch, in one migration (replaces the
-- migrations 0705_figures_per_batch, 0706_figures_noted_per_event,
-- 0707_figures_single_passage and 0708_counted_passages_whole_people of session 4, and
-- 0705_figures_counted_per_write, their first fold, none of which a fair applied: each
-- recreated the count whole, ~60-line trigger bodies three times over). Same figures as
-- they kept; 0700-0704 define them and stay as applied.
--
-- A scan, walk-in or annulment notes its change in figure_changes (a passage to count at
-- its corrected time, one no longer counted, a refusal where the dashboard counts them);
-- the count (trigger figures_counted) runs at once for a single write, or once at the end
-- of kiosk.events.counted_together for a batch (it sets figure_mode.deferred to 1 around
-- the batch's rows, then back to 0). The count updates zone_passages as a set and counts
-- the figures: passages that come after every passage already held in their minute, in
-- time order (a gate's scans) extend their second, minute and hour by composition (0700,
-- 0703), one passage alone without window functions; any other minute (a late batch
-- interleaved with other kiosks', an annulment) recounts its changed seconds and folds
-- itself and its hour's prefix again (0704). Time order is (moment, device, seq): a
-- passage at the same millisecond as one held is appended when it comes after it. A
-- walk-in whose head count is not a whole number of people (a row stored before central
-- checked walk-ins, or written by hand) is left out, as an unreadable time already is: a
-- text count would reach the minute's summary.
--
-- figure_mode.dashboard says whether this instance keeps the figures only the
-- organizers' dashboard, CSV and API read: gate_quarters (entries, exits, walk-ins by
-- kind, refusals per gate and quarter hour), day_visitors and day_totals (1, the
-- default: every figure; the instance's roles set it, see kiosk.figures). A gate's
-- screen and decisions read zone_hours, zone_minutes and gate_days only.
--
-- A developer's database that applied any of those is brought to the same state: what
-- they made is dropped if present and made again (the figure tables they kept are the
-- same). The count's work tables are empty outside a write.

-- Per-passage triggers of 0700-0704, and everything the migrations replaced made.
DROP TRIGGER IF EXISTS scans_counted;
DROP TRIGGER IF EXISTS walk_ins_counted;
DROP TRIGGER IF EXISTS annulments_uncounted;
DROP TRIGGER IF EXISTS scans_refusal_counted;
DROP TRIGGER IF EXISTS zone_passages_appended;
DROP TRIGGER IF EXISTS zone_passages_inserted_earlier;
DROP TRIGGER IF EXISTS zone_passages_removed;
DROP TRIGGER IF EXISTS zone_passages_gate_entry;
DROP TRIGGER IF EXISTS zone_passages_gate_quarter;
DROP TRIGGER IF EXISTS zone_passages_gate_quarter_removed;
DROP TRIGGER IF EXISTS zone_minutes_hour_opened;
DROP TRIGGER IF EXISTS zone_minutes_next;
DROP TRIGGER IF EXISTS zone_minutes_earlier_added;
DROP TRIGGER IF EXISTS zone_minutes_earlier_changed;
DROP TRIGGER IF EXISTS zone_minutes_earlier_removed;
DROP TRIGGER IF EXISTS zone_minutes_hour_emptied;
DROP TRIGGER IF EXISTS zone_passages_noted;
DROP TRIGGER IF EXISTS zone_passages_removal_noted;
DROP TRIGGER IF EXISTS figure_changes_now;
DROP TRIGGER IF EXISTS scans_noted;
DROP TRIGGER IF EXISTS scans_refusal_noted;
DROP TRIGGER IF EXISTS walk_ins_noted;
DROP TRIGGER IF EXISTS annulments_noted;
DROP TRIGGER IF EXISTS figures_counted;
DROP TRIGGER IF EXISTS figures_recounted;
DROP TRIGGER IF EXISTS figures_appended_together;
DROP TRIGGER IF EXISTS figures_hours_counted;
DROP TRIGGER IF EXISTS figures_dashboard_counted;
DROP TABLE IF EXISTS figure_mode;
DROP TABLE IF EXISTS figure_events;
DROP TABLE IF EXISTS figure_changes;
DROP TABLE IF EXISTS figure_minutes;

-- A second is recounted from its passages in time order: the index holds all it reads.
DROP INDEX IF EXISTS zone_passages_in_order;
DROP INDEX IF EXISTS zone_passages_by_moment;
CREATE INDEX zone_passages_by_moment ON zone_passages (zone_id, fair_date, moment, device_id, device_seq, delta);

-- The passages that count, at their corrected time (0700), walk-ins of whole people only.
DROP VIEW counted_passages;
DROP VIEW IF EXISTS counted_refusals;
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
    WHERE typeof(w.people) = 'integer' AND w.people > 0
)
WHERE moment IS NOT NULL;

-- Refused scans the dashboard counts (pass-back attempts, exits of tickets not inside),
-- at their corrected time (as 0702); a time SQLite cannot read is left out.
CREATE VIEW counted_refusals AS
SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, reason
FROM (
    SELECT s.uuid, s.zone_id, s.fair_date, s.gate_id, s.device_id, s.device_seq, s.reason,
           CAST(round((julianday(s.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
             - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
    FROM scans s LEFT JOIN sync_devices d ON d.device_id = s.device_id
    WHERE s.result = 'refused' AND s.reason IN ('not_inside', 'already_inside') AND s.zone_id IS NOT NULL
)
WHERE moment IS NOT NULL;

-- deferred: 1 inside counted_together. stage: set to 1, then 2, by figures_counted, so
-- the stages below run only when they have work (a gate's scan in time order skips the
-- recount and, within a minute, the hour). dashboard: see above.
CREATE TABLE figure_mode (
    deferred INTEGER NOT NULL CHECK (deferred IN (0, 1)),
    stage INTEGER NOT NULL DEFAULT 0,
    dashboard INTEGER NOT NULL DEFAULT 1 CHECK (dashboard IN (0, 1))
);
INSERT INTO figure_mode (deferred) VALUES (0);

-- The changes noted since the last count: passages to count (added 1, at their corrected
-- time, with their place in time order: moment, device, seq), passages no longer counted
-- (-1: annulled) and refusals the dashboard counts.
CREATE TABLE figure_changes (
    uuid TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    moment INTEGER NOT NULL,          -- corrected time, ms since the epoch
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    delta INTEGER NOT NULL,           -- people in (+) or out (-); 0 for a refusal
    added INTEGER NOT NULL,           -- 1: counted now, -1: no longer counted (annulled)
    refusal TEXT                      -- not_inside / already_inside: a refused scan
);

-- The minutes being counted: how many passage changes each has, and whether they only
-- come after every passage held before (appended: composed; otherwise recounted).
CREATE TABLE figure_minutes (
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    minute INTEGER NOT NULL,
    appended INTEGER NOT NULL,
    passages INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fair_date, zone_id, minute)
) WITHOUT ROWID;

-- Each notes its change and counts it at once unless a batch defers the count.
CREATE TRIGGER scans_noted AFTER INSERT ON scans
WHEN NEW.result = 'accepted' AND NEW.zone_id IS NOT NULL
BEGIN
    -- Not if an annulment of it came first (counted_passages leaves it out).
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, 1, NULL
    FROM counted_passages WHERE uuid = NEW.uuid;
    UPDATE figure_mode SET deferred = 0 WHERE deferred = 0;
END;
CREATE TRIGGER scans_refusal_noted AFTER INSERT ON scans
WHEN NEW.reason IN ('not_inside', 'already_inside') AND NEW.zone_id IS NOT NULL
 AND (SELECT dashboard FROM figure_mode) = 1
BEGIN
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, 0, 1, reason
    FROM counted_refusals WHERE uuid = NEW.uuid;
    UPDATE figure_mode SET deferred = 0 WHERE deferred = 0;
END;
CREATE TRIGGER walk_ins_noted AFTER INSERT ON walk_ins BEGIN
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, 1, NULL
    FROM counted_passages WHERE uuid = NEW.uuid;
    UPDATE figure_mode SET deferred = 0 WHERE deferred = 0;
END;
CREATE TRIGGER annulments_noted AFTER INSERT ON annulments BEGIN
    -- Its scan noted earlier in this batch: not to count after all.
    DELETE FROM figure_changes WHERE uuid = NEW.scan_uuid AND added = 1 AND refusal IS NULL;
    -- Its scan counted before: no longer (a scan has one annulment at most: 0001).
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, -1, NULL FROM zone_passages
    WHERE uuid = NEW.scan_uuid;
    UPDATE figure_mode SET deferred = 0 WHERE deferred = 0;
END;

CREATE TRIGGER figures_counted AFTER UPDATE OF deferred ON figure_mode WHEN NEW.deferred = 0 BEGIN
    -- The passages as counted now.
    DELETE FROM zone_passages WHERE uuid IN (SELECT uuid FROM figure_changes WHERE added < 0);
    INSERT INTO zone_passages (uuid, zone_id, fair_date, gate_id, moment, minute, device_id, device_seq, delta)
    SELECT uuid, zone_id, fair_date, gate_id, moment, moment / 60000, device_id, device_seq, delta
    FROM figure_changes WHERE added > 0 AND refusal IS NULL;

    -- Entries per gate and day (the gate screen).
    INSERT INTO gate_days (gate_id, fair_date, entries)
    SELECT gate_id, fair_date, sum(added * delta) FROM figure_changes
    WHERE delta > 0 AND refusal IS NULL
    GROUP BY gate_id, fair_date
    ON CONFLICT (gate_id, fair_date) DO UPDATE SET entries = entries + excluded.entries;

    -- Minutes with passage changes: appended when all are new passages that come after
    -- every passage held before in the minute, in time order (moment, device, seq: one
    -- at the same millisecond as a held passage is appended when it comes after it).
    -- first: the minute's first change in time order, as one text that sorts like
    -- (moment, device, seq) (a device id holds no character below char(1)); min() takes
    -- the other columns from that change.
    INSERT INTO figure_minutes (zone_id, fair_date, minute, appended, passages)
    SELECT g.zone_id, g.fair_date, g.minute, g.removals = 0 AND NOT EXISTS
        (SELECT 1 FROM zone_passages p WHERE p.zone_id = g.zone_id AND p.fair_date = g.fair_date
         AND p.moment >= g.moment AND p.moment < (g.minute + 1) * 60000
         AND (p.moment, p.device_id, p.device_seq) > (g.moment, g.device_id, g.device_seq)
         AND p.uuid NOT IN (SELECT uuid FROM figure_changes)), g.passages
    FROM (SELECT zone_id, fair_date, moment / 60000 AS minute, moment, device_id, device_seq,
                 min(printf('%015d', moment) || device_id || char(1) || printf('%020d', device_seq)) AS first,
                 sum(added < 0) AS removals, count(*) AS passages
          FROM figure_changes WHERE refusal IS NULL GROUP BY zone_id, fair_date, moment / 60000) AS g;

    -- Appended, one new passage in its minute (a gate's scan): its second and minute
    -- composed with it alone, as 0704 appended it.
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT c.zone_id, c.fair_date, c.moment / 1000, c.delta, min(0, c.delta), max(0, c.delta), max(0, c.delta)
    FROM figure_changes c JOIN figure_minutes f ON f.fair_date = c.fair_date AND f.zone_id = c.zone_id
     AND f.minute = c.moment / 60000 AND f.appended = 1 AND f.passages = 1
    WHERE c.refusal IS NULL
    ON CONFLICT (fair_date, zone_id, second) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT c.zone_id, c.fair_date, f.minute, c.delta, min(0, c.delta), max(0, c.delta), max(0, c.delta)
    FROM figure_changes c JOIN figure_minutes f ON f.fair_date = c.fair_date AND f.zone_id = c.zone_id
     AND f.minute = c.moment / 60000 AND f.appended = 1 AND f.passages = 1
    WHERE c.refusal IS NULL
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);

    UPDATE figure_mode SET stage = 1;
    UPDATE figure_mode SET stage = 2;
    DELETE FROM figure_minutes;
    DELETE FROM figure_changes;
END;

-- Stage 1, minutes of a batch with several passages appended (a gate's scan is one).
CREATE TRIGGER figures_appended_together AFTER UPDATE OF stage ON figure_mode
WHEN NEW.stage = 1 AND EXISTS (SELECT 1 FROM figure_minutes WHERE appended = 1 AND passages > 1)
BEGIN
    -- Each changed second and minute composed with the summary of its new passages in time order (A then B: net = A.net + B.net, low = min(A.low, A.net +
    -- B.low), high = max(A.high, A.net + B.high), rise = max(A.rise, B.rise, A.net -
    -- A.low + B.high)).
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT zone_id, fair_date, second, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT zone_id, fair_date, second, delta, level,
                 min(level) OVER (PARTITION BY zone_id, fair_date, second ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT c.zone_id, c.fair_date, c.moment / 1000 AS second, c.delta,
                       row_number() OVER w AS n, sum(c.delta) OVER w AS level
                FROM figure_changes c JOIN figure_minutes f ON f.fair_date = c.fair_date AND f.zone_id = c.zone_id
                 AND f.minute = c.moment / 60000 AND f.appended = 1 AND f.passages > 1
                WHERE c.refusal IS NULL
                WINDOW w AS (PARTITION BY c.zone_id, c.fair_date, c.moment / 1000
                             ORDER BY c.moment, c.device_id, c.device_seq ROWS UNBOUNDED PRECEDING)))
    GROUP BY zone_id, fair_date, second
    ON CONFLICT (fair_date, zone_id, second) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT zone_id, fair_date, minute, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT zone_id, fair_date, minute, delta, level,
                 min(level) OVER (PARTITION BY zone_id, fair_date, minute ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT c.zone_id, c.fair_date, f.minute, c.delta,
                       row_number() OVER w AS n, sum(c.delta) OVER w AS level
                FROM figure_changes c JOIN figure_minutes f ON f.fair_date = c.fair_date AND f.zone_id = c.zone_id
                 AND f.minute = c.moment / 60000 AND f.appended = 1 AND f.passages > 1
                WHERE c.refusal IS NULL
                WINDOW w AS (PARTITION BY c.zone_id, c.fair_date, f.minute
                             ORDER BY c.moment, c.device_id, c.device_seq ROWS UNBOUNDED PRECEDING)))
    GROUP BY zone_id, fair_date, minute
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.low),
        high = max(high, net + excluded.high),
        rise = max(rise, excluded.rise, net - low + excluded.high);
END;

-- Stage 1, minutes with changes other than appended passages.
CREATE TRIGGER figures_recounted AFTER UPDATE OF stage ON figure_mode
WHEN NEW.stage = 1 AND EXISTS (SELECT 1 FROM figure_minutes WHERE appended = 0)
BEGIN
    -- Otherwise: each changed second recounted from its passages in time order (0700's
    -- summary: net, low, high, rise), gone when it has none left; its minute folded
    -- again from its seconds (0704), gone when it has none left.
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT zone_id, fair_date, second, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT zone_id, fair_date, second, delta, level,
                 min(level) OVER (PARTITION BY zone_id, fair_date, second ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT t.zone_id, t.fair_date, t.second, p.delta,
                       row_number() OVER w AS n, sum(p.delta) OVER w AS level
                FROM (SELECT DISTINCT c.zone_id, c.fair_date, c.moment / 1000 AS second
                      FROM figure_changes c JOIN figure_minutes f ON f.fair_date = c.fair_date
                       AND f.zone_id = c.zone_id AND f.minute = c.moment / 60000 AND f.appended = 0
                      WHERE c.refusal IS NULL) AS t
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
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT zone_id, fair_date, minute, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT zone_id, fair_date, minute, net, low, high, rise, before,
                 coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT f.zone_id, f.fair_date, f.minute, s.second, s.net, s.low, s.high, s.rise,
                       coalesce(sum(s.net) OVER w, 0) AS before
                FROM figure_minutes f
                JOIN zone_seconds s ON s.fair_date = f.fair_date AND s.zone_id = f.zone_id
                 AND s.second >= f.minute * 60 AND s.second < (f.minute + 1) * 60
                WHERE f.appended = 0
                WINDOW w AS (PARTITION BY f.zone_id, f.fair_date, f.minute ORDER BY s.second
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (PARTITION BY zone_id, fair_date, minute ORDER BY second
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    GROUP BY zone_id, fair_date, minute
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = excluded.net, low = excluded.low, high = excluded.high, rise = excluded.rise;
    DELETE FROM zone_minutes WHERE (fair_date, zone_id, minute) IN
        (SELECT f.fair_date, f.zone_id, f.minute FROM figure_minutes f
         WHERE f.appended = 0 AND NOT EXISTS
            (SELECT 1 FROM zone_seconds s WHERE s.fair_date = f.fair_date AND s.zone_id = f.zone_id
             AND s.second >= f.minute * 60 AND s.second < (f.minute + 1) * 60));
END;

-- Stage 2, hours with a new minute or a recounted one.
CREATE TRIGGER figures_hours_counted AFTER UPDATE OF stage ON figure_mode
WHEN NEW.stage = 2 AND EXISTS
    (SELECT 1 FROM figure_minutes f LEFT JOIN zone_hours h
       ON h.fair_date = f.fair_date AND h.zone_id = f.zone_id AND h.hour = f.minute / 60
     WHERE f.appended = 0 OR h.last_minute IS NULL OR f.minute <> h.last_minute)
BEGIN
    -- Hours (0703: the fold of the minutes before the hour's latest minute, and that
    -- minute). Changes only at or after the latest minute: when a later minute comes,
    -- the prefix is composed with the minutes from the old latest up to the new one.
    UPDATE zone_hours SET
        net = zone_hours.net + m.net,
        low = min(zone_hours.low, zone_hours.net + m.low),
        high = max(zone_hours.high, zone_hours.net + m.high),
        rise = max(zone_hours.rise, m.rise, zone_hours.net - zone_hours.low + m.high),
        last_minute = m.latest
    FROM (SELECT h.fair_date, h.zone_id, h.hour, t.latest,
                 coalesce(sum(z.net), 0) AS net, coalesce(min(z.before + z.low), 0) AS low,
                 coalesce(max(z.before + z.high), 0) AS high,
                 coalesce(max(max(z.rise), max(z.before + z.high - z.lowest)), 0) AS rise
          FROM (SELECT fair_date, zone_id, minute / 60 AS hour, min(minute) AS earliest, max(minute) AS latest
                FROM figure_minutes GROUP BY fair_date, zone_id, minute / 60) AS t
          JOIN zone_hours h ON h.fair_date = t.fair_date AND h.zone_id = t.zone_id AND h.hour = t.hour
           AND t.earliest >= h.last_minute AND t.latest > h.last_minute
          LEFT JOIN (SELECT fair_date, zone_id, minute, net, low, high, rise, before,
                            coalesce(min(before + low) OVER w, 0) AS lowest
                     FROM (SELECT m.fair_date, m.zone_id, m.minute, m.net, m.low, m.high, m.rise,
                                  coalesce(sum(m.net) OVER w, 0) AS before
                           FROM zone_hours h2
                           JOIN (SELECT fair_date, zone_id, minute / 60 AS hour, max(minute) AS latest
                                 FROM figure_minutes GROUP BY fair_date, zone_id, minute / 60) AS t2
                             ON t2.fair_date = h2.fair_date AND t2.zone_id = h2.zone_id AND t2.hour = h2.hour
                           JOIN zone_minutes m ON m.fair_date = h2.fair_date AND m.zone_id = h2.zone_id
                            AND m.minute >= h2.last_minute AND m.minute < t2.latest
                           WINDOW w AS (PARTITION BY m.fair_date, m.zone_id, h2.hour ORDER BY m.minute
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                     WINDOW w AS (PARTITION BY fair_date, zone_id, minute / 60 ORDER BY minute
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS z
            ON z.fair_date = h.fair_date AND z.zone_id = h.zone_id AND z.minute / 60 = h.hour
          GROUP BY h.fair_date, h.zone_id, h.hour) AS m
    WHERE zone_hours.fair_date = m.fair_date AND zone_hours.zone_id = m.zone_id AND zone_hours.hour = m.hour;
    -- Changes before the latest minute, or a new hour: the prefix folded again.
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
                FROM (SELECT f.zone_id, f.fair_date, f.minute / 60 AS hour
                      FROM figure_minutes f LEFT JOIN zone_hours h
                        ON h.fair_date = f.fair_date AND h.zone_id = f.zone_id AND h.hour = f.minute / 60
                      GROUP BY f.zone_id, f.fair_date, f.minute / 60
                      HAVING min(h.last_minute) IS NULL OR min(f.minute) < min(h.last_minute)) AS t
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
        (SELECT DISTINCT f.fair_date, f.zone_id, f.minute / 60 FROM figure_minutes f
         WHERE NOT EXISTS
            (SELECT 1 FROM zone_minutes m WHERE m.fair_date = f.fair_date AND m.zone_id = f.zone_id
             AND m.minute >= f.minute / 60 * 60 AND m.minute < (f.minute / 60 + 1) * 60));
END;

-- Stage 1 too, where the dashboard's figures are kept: entries, exits, walk-ins by kind
-- and refusals per gate, zone and quarter hour, and the day's visitors.
CREATE TRIGGER figures_dashboard_counted AFTER UPDATE OF stage ON figure_mode
WHEN NEW.stage = 1 AND NEW.dashboard = 1
BEGIN
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

    -- The day's visitor tickets with how many counted entries; gone with the last.
    INSERT INTO day_visitors (fair_date, ticket_serial, entries)
    SELECT c.fair_date, s.ticket_serial, sum(c.added)
    FROM figure_changes c JOIN scans s ON s.uuid = c.uuid
    JOIN ticket_types t ON t.id = s.type_id AND t.is_visitor = 1
    WHERE c.delta > 0 AND c.refusal IS NULL AND s.ticket_serial IS NOT NULL
    GROUP BY c.fair_date, s.ticket_serial
    ON CONFLICT (fair_date, ticket_serial) DO UPDATE SET entries = entries + excluded.entries;
    DELETE FROM day_visitors WHERE entries <= 0 AND (fair_date, ticket_serial) IN
        (SELECT c.fair_date, s.ticket_serial FROM figure_changes c JOIN scans s ON s.uuid = c.uuid
         WHERE c.added < 0);
END;
