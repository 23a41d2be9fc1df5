"""A second fair, unlike the demo, written entirely as files: other dates and time zone,
five zones, three gates, a ticket type limited to two zones, and a plan SVG (half-metre
units) with a walkway network and one stand reached only by steps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient

from kiosk import create_app, instance, staff
from kiosk import db as dbmod

FAIR_TOML = """\
# A second edition, far from the demo: Istanbul time, March 2027.
[fair]
id = "ess-diaspora-2027"
name = { fr = "Salon de la diaspora solidaire", ar = "معرض الجالية التضامني" }
venue = "Istanbul"
timezone = "Europe/Istanbul"
start = 2027-03-08
end = 2027-03-10

[hours]
opens = "09:00"
closes = "18:00"
early_opens = "07:00"

[[day]]
date = 2027-03-10
closes = "23:30"

[[zone]]
id = "hall"
kind = "area"
name = { fr = "Grand hall", en = "Main hall" }

[[zone]]
id = "crafts"
name = { fr = "Artisanat" }

[[zone]]
id = "food"
name = { fr = "Terroir" }

[[zone]]
id = "forum"
kind = "room"
name = { fr = "Forum" }

[[zone]]
id = "terrace"
name = { fr = "Terrasse" }

[[gate]]
id = "north"
zone = "hall"
directions = ["in", "out"]
name = { fr = "Porte nord" }

[[gate]]
id = "south"
zone = "hall"
directions = ["in"]

[[gate]]
id = "forum"
zone = "forum"
directions = ["in", "out"]
limit = 2

[[ticket_type]]
id = "visitor"
code = 10
days = 1
zones = ["*"]
name = { fr = "Visiteur" }

[[ticket_type]]
id = "market"
code = 11
days = 3
zones = ["hall", "crafts"]
name = { fr = "Pass marché", ar = "تذكرة السوق" }

[[ticket_type]]
id = "exhibitor"
code = 20
days = 3
zones = ["*"]
early_access = true
visitor = false
reentry = false
name = { fr = "Exposant" }

[[category]]
id = "ceramics"
name = { fr = "Céramique", ar = "خزف" }
synonyms = "poterie faience"

[[category]]
id = "spices"
name = { fr = "Épices", ar = "توابل", en = "Spices" }

[[province]]
id = "diaspora"
name = { fr = "Diaspora", ar = "الجالية" }

[[province]]
id = "tadla"
name = { fr = "Tadla" }

[plan]
file = "site.svg"
"""

# Units are half metres (data-metres-per-unit="0.5"): the site is 100 m x 60 m.
# Walkways: a corridor along y = 20 m, a cross alley along x = 30 m (they cross), a
# forum branch, steps down x = 80 m to a terrace walkway: stand T01 is on the terrace.
# C01's door is marked on its east side (68, 14.5 m), not the side nearest the corridor.
PLAN_SVG = """\
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120" data-metres-per-unit="0.5">
  <rect data-zone="hall" x="0" y="0" width="120" height="80"/>
  <rect data-zone="crafts" x="120" y="0" width="80" height="40"/>
  <rect data-zone="food" x="120" y="40" width="80" height="40"/>
  <rect data-zone="forum" x="0" y="80" width="100" height="40"/>
  <path data-zone="terrace" d="M 100 80 H 200 V 120 H 100 Z"/>
  <line data-walkway="corridor" x1="10" y1="40" x2="190" y2="40"/>
  <line data-walkway="cross" x1="60" y1="10" x2="60" y2="100"/>
  <polyline data-walkway="forum" points="60,100 90,100"/>
  <path data-walkway="stairs" data-steps="true" d="M 160 40 V 100"/>
  <line data-walkway="terrace" x1="140" y1="100" x2="180" y2="100"/>
  <g transform="translate(20 24)">
    <rect data-stand="H01" x="0" y="0" width="12" height="10"/>
    <rect data-stand="H02" x="16" y="0" width="12" height="10"/>
  </g>
  <rect data-stand="C01" x="124" y="24" width="12" height="10"/>
  <circle data-door="C01" cx="136" cy="29" r="1"/>
  <polygon data-stand="F01" points="124,46 136,46 136,56 124,56"/>
  <rect data-stand="P01" x="70" y="104" width="10" height="10"/>
  <rect data-stand="T01" x="144" y="106" width="12" height="8"/>
  <circle data-gate="north" cx="10" cy="40" r="2"/>
  <circle data-gate="south" cx="60" cy="10" r="2"/>
  <circle data-gate="forum" cx="90" cy="100" r="2"/>
  <circle data-facility="toilets" cx="100" cy="44" r="2"/>
  <circle data-facility="first-aid" cx="40" cy="50" r="2"/>
</svg>
"""


def write_fair(folder: Path, fair: str = FAIR_TOML, plan: str = PLAN_SVG) -> Path:
    """The second fair's files in ``folder``; returns the fair file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.svg").write_text(plan, encoding="utf-8")
    path = folder / "fair.toml"
    path.write_text(fair, encoding="utf-8")
    return path


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``kiosk`` command in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def organizer_client(central: Path) -> FlaskClient:
    """A test client of CENTRAL logged in as an organizer added for it (Nadia): a fair set
    up from its own files has no demo staff."""
    database = instance.open_db(central)
    with dbmod.write(database) as conn:
        staff.add_staff(conn, "Nadia", "organizer", "97531864")
    database.conn.close()
    client = create_app(central, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Nadia", "pin": "97531864"}).status_code == 302
    return client
