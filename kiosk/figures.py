"""Which of the kept figures an instance counts (``figure_mode.dashboard``, migration 0705).

Every instance counts what a gate's screen and decisions read as the events arrive: each
zone's "inside now" and peak (``zone_seconds``, ``zone_minutes``, ``zone_hours``) and each
gate's entries today (``gate_days``). The figures only the organizers' dashboard, its CSV
and ``/api/v1/attendance`` read (entries, exits, walk-ins and refusals per gate and quarter
hour in ``gate_quarters``; the day's visitors in ``day_visitors`` and ``day_totals``) are
counted only where that feature is served (``kiosk.features.keeps_dashboard_figures``,
from the roles): on a kiosk they would cost each scan about a fifth of its figure count
(CPU and WAL pages) for figures nothing there reads.
"""

from __future__ import annotations

from kiosk import db as dbmod

# Emptied when an instance stops keeping them, counted again from the log when it starts.
DASHBOARD_TABLES = ("day_visitors", "day_totals", "gate_quarters")


def keeps_dashboard(db: dbmod.Database) -> bool:
    """Whether this database counts the dashboard-only figures."""
    return bool(db.conn.execute("SELECT dashboard FROM figure_mode").fetchone()[0])


def keep_dashboard(db: dbmod.Database, keep: bool) -> bool:
    """Count the dashboard-only figures from now on, or stop; return whether that changed.
    Starting counts them from every passage and refusal already held, by the same count
    each write runs (trigger ``figures_dashboard_counted`` over all of them as one set);
    stopping empties them, so no figure that stopped moving is ever read."""
    if keeps_dashboard(db) == keep:
        return False
    with dbmod.write(db) as conn:
        if keeps_dashboard(db) == keep:  # another process (a server's workers) did it meanwhile
            return False
        conn.execute("UPDATE figure_mode SET dashboard = ?", (int(keep),))
        for table in DASHBOARD_TABLES:  # day_visitors first: its triggers keep day_totals
            conn.execute(f"DELETE FROM {table}")
        if keep:
            conn.execute(
                "INSERT INTO figure_changes (uuid, zone_id, fair_date, gate_id, moment, device_id,"
                " device_seq, delta, added, refusal)"
                " SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, delta, 1, NULL"
                " FROM zone_passages"
                " UNION ALL SELECT uuid, zone_id, fair_date, gate_id, moment, device_id, device_seq, 0, 1,"
                " reason FROM counted_refusals"
            )
            conn.execute("UPDATE figure_mode SET stage = 1")  # counts them (figures_dashboard_counted)
            conn.execute("DELETE FROM figure_changes")
    return True
