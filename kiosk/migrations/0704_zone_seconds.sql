-- A late passage costs a bounded amount of work (replaces 0700's recount of the whole
-- minute from its passages, ~40 ms a row at central with ~20k passages in a minute:
-- interleaved kiosk backlogs land "earlier in their minute" almost every time).
-- zone_minutes keeps the same rows; each minute is now also kept per second of
-- corrected time (moment / 1000), with the same summary (net, low, high, rise: see
-- 0700). A passage that comes last in its minute extends its second and its minute as
-- before. One that lands earlier recounts only its second from its passages (a gate
-- scans about once a second, so a handful per gate) and folds the minute again from
-- its seconds (at most 60 rows), composed as 0702 composes minutes into hours.
-- A removed passage does the same. Figures are identical: the summaries compose.

CREATE TABLE zone_seconds (
    zone_id TEXT NOT NULL,
    fair_date TEXT NOT NULL,
    second INTEGER NOT NULL,          -- moment / 1000 (second / 60 = the minute)
    net INTEGER NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL,
    rise INTEGER NOT NULL,
    PRIMARY KEY (fair_date, zone_id, second)
) WITHOUT ROWID;

INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
SELECT zone_id, fair_date, second, sum(delta), min(0, min(level)), max(0, max(level)),
       max(0, max(level - min(0, lowest)))
FROM (SELECT zone_id, fair_date, second, delta, level,
             min(level) OVER (PARTITION BY zone_id, fair_date, second ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
      FROM (SELECT zone_id, fair_date, moment / 1000 AS second, delta, row_number() OVER w AS n,
                   sum(delta) OVER w AS level
            FROM zone_passages
            WINDOW w AS (PARTITION BY zone_id, fair_date, moment / 1000 ORDER BY moment, device_id, device_seq
                         ROWS UNBOUNDED PRECEDING)))
GROUP BY zone_id, fair_date, second;

DROP TRIGGER zone_passages_appended;
DROP TRIGGER zone_passages_inserted_earlier;
DROP TRIGGER zone_passages_removed;

-- Last in its minute: append to its second and to its minute (as 0700).
CREATE TRIGGER zone_passages_appended AFTER INSERT ON zone_passages
WHEN NOT EXISTS (SELECT 1 FROM zone_passages WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date
                 AND minute = NEW.minute AND (moment, device_id, device_seq) > (NEW.moment, NEW.device_id, NEW.device_seq))
BEGIN
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.moment / 1000, NEW.delta, min(0, NEW.delta), max(0, NEW.delta), max(0, NEW.delta))
    ON CONFLICT (fair_date, zone_id, second) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.net),
        high = max(high, net + excluded.net),
        rise = max(rise, net + excluded.net - min(low, net + excluded.net));
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    VALUES (NEW.zone_id, NEW.fair_date, NEW.minute, NEW.delta, min(0, NEW.delta), max(0, NEW.delta), max(0, NEW.delta))
    ON CONFLICT (fair_date, zone_id, minute) DO UPDATE SET
        net = net + excluded.net,
        low = min(low, net + excluded.net),
        high = max(high, net + excluded.net),
        rise = max(rise, net + excluded.net - min(low, net + excluded.net));
END;

-- Earlier than a passage already held in its minute (so the minute's row exists):
-- recount its second from the second's passages, then fold the minute from its seconds.
CREATE TRIGGER zone_passages_inserted_earlier AFTER INSERT ON zone_passages
WHEN EXISTS (SELECT 1 FROM zone_passages WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date
             AND minute = NEW.minute AND (moment, device_id, device_seq) > (NEW.moment, NEW.device_id, NEW.device_seq))
BEGIN
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT NEW.zone_id, NEW.fair_date, NEW.moment / 1000, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT delta, level, min(level) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT delta, row_number() OVER w AS n, sum(delta) OVER w AS level FROM zone_passages
                WHERE zone_id = NEW.zone_id AND fair_date = NEW.fair_date AND minute = NEW.minute
                  AND moment >= NEW.moment / 1000 * 1000 AND moment < (NEW.moment / 1000 + 1) * 1000
                WINDOW w AS (ORDER BY moment, device_id, device_seq ROWS UNBOUNDED PRECEDING)))
    WHERE true  -- an INSERT ... SELECT with an upsert needs a WHERE (SQLite's parser)
    ON CONFLICT (fair_date, zone_id, second) DO UPDATE SET
        net = excluded.net, low = excluded.low, high = excluded.high, rise = excluded.rise;
    UPDATE zone_minutes SET (net, low, high, rise) =
        (SELECT sum(net), min(before + low), max(before + high), max(max(rise), max(before + high - lowest))
         FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
               FROM (SELECT second, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before
                     FROM zone_seconds
                     WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id
                       AND second >= NEW.minute * 60 AND second < (NEW.minute + 1) * 60
                     WINDOW w AS (ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
               WINDOW w AS (ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)))
    WHERE fair_date = NEW.fair_date AND zone_id = NEW.zone_id AND minute = NEW.minute;
END;

-- Removed (an annulment): recount its second (gone when empty), fold its minute again.
CREATE TRIGGER zone_passages_removed AFTER DELETE ON zone_passages BEGIN
    DELETE FROM zone_seconds WHERE zone_id = OLD.zone_id AND fair_date = OLD.fair_date AND second = OLD.moment / 1000;
    INSERT INTO zone_seconds (zone_id, fair_date, second, net, low, high, rise)
    SELECT OLD.zone_id, OLD.fair_date, OLD.moment / 1000, sum(delta), min(0, min(level)), max(0, max(level)),
           max(0, max(level - min(0, lowest)))
    FROM (SELECT delta, level, min(level) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS lowest
          FROM (SELECT delta, row_number() OVER w AS n, sum(delta) OVER w AS level FROM zone_passages
                WHERE zone_id = OLD.zone_id AND fair_date = OLD.fair_date AND minute = OLD.minute
                  AND moment >= OLD.moment / 1000 * 1000 AND moment < (OLD.moment / 1000 + 1) * 1000
                WINDOW w AS (ORDER BY moment, device_id, device_seq ROWS UNBOUNDED PRECEDING)))
    HAVING count(*) > 0;
    DELETE FROM zone_minutes WHERE zone_id = OLD.zone_id AND fair_date = OLD.fair_date AND minute = OLD.minute;
    INSERT INTO zone_minutes (zone_id, fair_date, minute, net, low, high, rise)
    SELECT OLD.zone_id, OLD.fair_date, OLD.minute, sum(net), min(before + low), max(before + high),
           max(max(rise), max(before + high - lowest))
    FROM (SELECT net, low, high, rise, before, coalesce(min(before + low) OVER w, 0) AS lowest
          FROM (SELECT second, net, low, high, rise, coalesce(sum(net) OVER w, 0) AS before
                FROM zone_seconds
                WHERE fair_date = OLD.fair_date AND zone_id = OLD.zone_id
                  AND second >= OLD.minute * 60 AND second < (OLD.minute + 1) * 60
                WINDOW w AS (ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
          WINDOW w AS (ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    HAVING count(*) > 0;
    UPDATE gate_days SET entries = entries - OLD.delta
    WHERE OLD.delta > 0 AND gate_id = OLD.gate_id AND fair_date = OLD.fair_date;
END;
