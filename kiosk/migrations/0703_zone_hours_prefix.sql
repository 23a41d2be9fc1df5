-- "Inside now" per zone and hour that costs a scan almost nothing to keep (replaces
-- 0702's zone_hours, which folded an hour again whenever a minute changed out of order:
-- at central, passages of several kiosks interleave within a minute, so that was most
-- passages). An hour is kept as the summary of its minutes before its latest one (the
-- prefix) plus the latest minute's own row, which 0700 keeps: a change to the latest
-- minute, the usual case, touches no hour; a new latest minute composes the previous
-- one onto the prefix (A then B: net = A.net + B.net, low = min(A.low, A.net + B.low),
-- high = max(A.high, A.net + B.high), rise = max(A.rise, B.rise, A.net - A.low +
-- B.high)); a change to an earlier minute (a batch more than a minute late, an
-- annulment) folds the prefix again from its minutes. kiosk.entry.attendance.occupancy
-- composes prefix and latest minute: two summaries per zone and hour.

DROP TRIGGER zone_minutes_added_last;
DROP TRIGGER zone_minutes_extended;
DROP TRIGGER zone_minutes_added_earlier;
DROP TRIGGER zone_minutes_changed_earlier;
DROP TRIGGER zone_minutes_removed;
DROP TABLE zone_hours;

CREATE TABLE zone_hours (
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    hour INTEGER NOT NULL,              -- minute / 60
    last_minute INTEGER NOT NULL,       -- the hour's latest minute so far (its row may be gone)
    net INTEGER NOT NULL,               -- the summary of the minutes before last_minute
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    rise INTEGER NOT NULL,
    PRIMARY KEY (fair_date, zone_id, hour)
) WITHOUT ROWID;

CREATE TRIGGER zone_minutes_hour_opened AFTER INSERT ON zone_minutes
WHEN NOT EXISTS (SELECT 1 FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60)
BEGIN
    INSERT INTO zone_hours (zone_id, fair_date, hour, last_minute, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.minute / 60, NEW.minute, 0, 0, 0, 0);
END;

CREATE TRIGGER zone_minutes_next AFTER INSERT ON zone_minutes
WHEN NEW.minute > (SELECT last_minute FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60)
BEGIN
    UPDATE zone_hours SET
        net = zone_hours.net + m.net,
        low = min(zone_hours.low, zone_hours.net + m.low),
        high = max(zone_hours.high, zone_hours.net + m.high),
        rise = max(zone_hours.rise, m.rise, zone_hours.net - zone_hours.low + m.high),
        last_minute = NEW.minute
    FROM (SELECT coalesce(sum(net), 0) AS net, coalesce(sum(low), 0) AS low, coalesce(sum(high), 0) AS high,
                 coalesce(sum(rise), 0) AS rise
          FROM zone_minutes
          WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND minute = (SELECT last_minute FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60)) AS m
    WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60;
END;

CREATE TRIGGER zone_minutes_earlier_added AFTER INSERT ON zone_minutes
WHEN NEW.minute < (SELECT last_minute FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60)
BEGIN
    UPDATE zone_hours SET (net, low, high, rise) =
        (SELECT coalesce(sum(net), 0), coalesce(min(before + low), 0), coalesce(max(before + high), 0),
                coalesce(max(max(rise), max(before + high - lowest)), 0)
         FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
               FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before
                     FROM zone_minutes
                     WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                       AND minute >= NEW.minute / 60 * 60 AND minute < zone_hours.last_minute
                     WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
               WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)))
    WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60;
END;
CREATE TRIGGER zone_minutes_earlier_changed AFTER UPDATE ON zone_minutes
WHEN NEW.minute < (SELECT last_minute FROM zone_hours WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60)
BEGIN
    UPDATE zone_hours SET (net, low, high, rise) =
        (SELECT coalesce(sum(net), 0), coalesce(min(before + low), 0), coalesce(max(before + high), 0),
                coalesce(max(max(rise), max(before + high - lowest)), 0)
         FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
               FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before
                     FROM zone_minutes
                     WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                       AND minute >= NEW.minute / 60 * 60 AND minute < zone_hours.last_minute
                     WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
               WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)))
    WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND hour = NEW.minute / 60;
END;
CREATE TRIGGER zone_minutes_earlier_removed AFTER DELETE ON zone_minutes
WHEN OLD.minute < (SELECT last_minute FROM zone_hours WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id AND hour = OLD.minute / 60)
BEGIN
    UPDATE zone_hours SET (net, low, high, rise) =
        (SELECT coalesce(sum(net), 0), coalesce(min(before + low), 0), coalesce(max(before + high), 0),
                coalesce(max(max(rise), max(before + high - lowest)), 0)
         FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
               FROM (SELECT minute, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before
                     FROM zone_minutes
                     WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id
                       AND minute >= OLD.minute / 60 * 60 AND minute < zone_hours.last_minute
                     WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
               WINDOW w AS (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)))
    WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id AND hour = OLD.minute / 60;
END;

CREATE TRIGGER zone_minutes_hour_emptied AFTER DELETE ON zone_minutes
WHEN NOT EXISTS (SELECT 1 FROM zone_minutes WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id
                 AND minute >= OLD.minute / 60 * 60 AND minute < (OLD.minute / 60 + 1) * 60)
BEGIN
    DELETE FROM zone_hours WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id AND hour = OLD.minute / 60;
END;

-- The hours of what was recorded before this migration.
INSERT INTO zone_hours (zone_id, fair_date, hour, last_minute, net, low, high, rise)
SELECT zone_id, fair_date, hour, max(minute),
       coalesce(sum(net) FILTER (WHERE minute < latest), 0),
       coalesce(min(before + low) FILTER (WHERE minute < latest), 0),
       coalesce(max(before + high) FILTER (WHERE minute < latest), 0),
       coalesce(max(max(rise, before + high - lowest)) FILTER (WHERE minute < latest), 0)
FROM (SELECT *, coalesce(min(before + low) OVER w, 0) AS lowest
      FROM (SELECT zone_id, fair_date, minute, minute / 60 AS hour, net, low, high, rise,
                   coalesce(sum(net) OVER w, 0) AS before,
                   max(minute) OVER (PARTITION BY zone_id, fair_date, minute / 60) AS latest
            FROM zone_minutes
            WINDOW w AS (PARTITION BY zone_id, fair_date, minute / 60 ORDER BY minute
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
      WINDOW w AS (PARTITION BY zone_id, fair_date, hour ORDER BY minute
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
GROUP BY zone_id, fair_date, hour;
