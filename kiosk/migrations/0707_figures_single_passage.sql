-- A gate's scan in time order is counted without window functions (after 0706, where
-- a single scan's count still ran two windowed statements over its one passage): a
-- minute whose only change is one passage appended after everything it held composes
-- that passage onto its second and minute directly, as 0704 did. figure_minutes notes
-- how many passage changes each minute has. Same figures.

ALTER TABLE figure_minutes ADD COLUMN passages INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER figures_counted;

CREATE TRIGGER figures_counted AFTER UPDATE OF deferred ON figure_mode WHEN NEW.deferred = 0 BEGIN
    -- Passages no longer counted (annulled), noted as changes, then gone.
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, -1, NULL FROM zone_passages
    WHERE uuid IN (SELECT uuid FROM figure_events WHERE annulled = 1);
    DELETE FROM zone_passages WHERE uuid IN (SELECT uuid FROM figure_events WHERE annulled = 1);
    -- New passages, at their corrected time (an annulled scan is none), noted as changes.
    INSERT INTO zone_passages
    SELECT * FROM counted_passages WHERE uuid IN (SELECT uuid FROM figure_events WHERE annulled = 0);
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, 1, NULL FROM zone_passages
    WHERE uuid IN (SELECT uuid FROM figure_events WHERE annulled = 0);
    -- Refusals the dashboard counts, at the refused scan's corrected time (as 0702).
    INSERT INTO figure_changes
    SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, 0, 1, reason
    FROM (SELECT s.uuid, s.zone_id, s.fair_date, s.gate_id, s.device_id, s.device_seq, s.reason,
                 CAST(round((julianday(s.device_time) - 2440587.5) * 86400000.0) AS INTEGER)
                   - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER) AS moment
          FROM scans s LEFT JOIN sync_devices d ON d.device_id = s.device_id
          WHERE s.uuid IN (SELECT uuid FROM figure_events WHERE annulled = 0)
            AND s.result = 'refused' AND s.reason IN ('not_inside', 'already_inside') AND s.zone_id IS NOT NULL)
    WHERE moment IS NOT NULL;
    DELETE FROM figure_events;

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

    -- Minutes with passage changes: appended when all are new passages that come after
    -- every passage held before in the minute (a tie at the same millisecond recounts).
    INSERT INTO figure_minutes (zone_id, fair_date, minute, appended, passages)
    SELECT g.zone_id, g.fair_date, g.minute, g.removals = 0 AND NOT EXISTS
        (SELECT 1 FROM zone_passages p WHERE p.zone_id = g.zone_id AND p.fair_date = g.fair_date
         AND p.moment >= g.first AND p.moment < (g.minute + 1) * 60000
         AND p.uuid NOT IN (SELECT uuid FROM figure_changes)), g.passages
    FROM (SELECT zone_id, fair_date, moment / 60000 AS minute, min(moment) AS first, sum(added < 0) AS removals,
                 count(*) AS passages
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

    -- Appended, several: each changed second and minute composed with the summary of its new
    -- passages in time order (A then B: net = A.net + B.net, low = min(A.low, A.net +
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

    UPDATE figure_mode SET stage = 1;
    UPDATE figure_mode SET stage = 2;
    DELETE FROM figure_minutes;
    DELETE FROM figure_changes;
END;
