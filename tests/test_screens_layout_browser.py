"""Layout proof (issue 14): every visitor screen, in real Chromium on a real ``kiosk serve``, at a
portrait totem (1080x1920), a landscape screen (1920x1080) and a phone (390x844), in every
language of ``kiosk.i18n.LANGUAGES``. Each page must have:

- no horizontal overflow (``scrollWidth > innerWidth``);
- no clipped text (an element that hides overflow and is wider than its box) and no two
  touch targets on top of each other;
- touch targets at least 60 px on kiosk screens (44 px on a phone, the platforms' minimum);
- text at least 14 px (HTML text; the plan's SVG labels scale with the plan and zoom);
- no untranslated message id (an English message shown on a French, Arabic or Tamazight page);
- right to left in Arabic: ``dir="rtl"`` and the header starting at the right.

One browser, one page per size, reused for every screen and language. With ``SCREENS_SHOTS=DIR``
each page is also saved to DIR as a PNG; ``python tests/contact_sheet.py OUT.png`` runs this suite
that way and tiles the screenshots into one contact sheet.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import FAIR_START, serving
from finder_helpers import exhibitor_named, make_finder_kiosk
from helpers import staff_log_in
from kids_helpers import make_kids_kiosk

from kiosk import bundle, clock, i18n, instance
from kiosk.kids import space
from kiosk.sessions import programme

pytestmark = pytest.mark.browser

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080), "phone": (390, 844)}
KIOSK_TOUCH = 60
PHONE_TOUCH = 44
SMALLEST_TEXT = 14
ROOT = Path(__file__).resolve().parent.parent

# (name, instance, path); {exhibitor} is Coopérative Tifawin's page. A phone reaches the finder
# through the QR code (phone=1); the kiosk screens are checked at the phone's size too.
SCREENS = [
    ("attract", "finder", "/finder/"),
    ("search", "finder", "/finder/search"),
    ("results", "finder", "/finder/search?q=zit"),
    ("category", "finder", "/finder/category/olive-oil"),
    ("exhibitor", "finder", "{exhibitor}"),
    ("exhibitor-phone", "finder", "{exhibitor}?phone=1"),
    ("plan", "finder", "/finder/plan"),
    ("programme", "finder", "/programme/"),
    ("gate", "entry", "/entry/"),
]


def english_messages() -> list[str]:
    """Message ids that some catalogue translates differently, as literal runs (placeholders cut
    out) long enough not to be a name: seeing one on a non-English page means it went untranslated."""
    found: set[str] = set()
    for po in ROOT.glob("kiosk/**/translations/fr/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in ids:
                    if text in strings:
                        continue
                    for run in re.split(r"%\(\w+\)[sd]|%[sd]", text):
                        if len(run.strip()) >= 12 and " " in run.strip():
                            found.add(run.strip())
    return sorted(found)


ENGLISH = english_messages()

CHECKS = (Path(__file__).parent / "layout_checks.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def servers(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A finder kiosk and an entry kiosk of the demo fair, served for the whole module."""
    folder = tmp_path_factory.mktemp("layout")
    finder_dir = make_finder_kiosk(demo_template, folder)
    bundle_file = folder / "entry.bundle"
    bundle.write_bundle(instance.open_db(demo_template), bundle_file, roles="entry")
    entry = instance.create(folder / "entry", ["entry"], name="kiosk-main", gate="main")
    bundle.load_tables(entry, bundle.read_bundle(bundle_file))
    entry.conn.close()
    exhibitor = exhibitor_named(instance.open_db(finder_dir).conn, "Coopérative Tifawin")["id"]
    env = {"KIOSK_NOW": f"{FAIR_START.isoformat()}T11:00:00+01:00"}
    with serving(finder_dir, env) as (finder, _f), serving(folder / "entry", env) as (gate, _e):
        yield {"finder": finder, "entry": gate, "exhibitor": f"/finder/exhibitors/{exhibitor}"}


@pytest.fixture(scope="module", params=list(SIZES))
def sized_page(request: pytest.FixtureRequest, browser) -> Iterator[tuple[str, object]]:
    width, height = SIZES[request.param]
    phone = request.param == "phone"
    viewport = {"width": width, "height": height}
    context = browser.new_context(viewport=viewport, has_touch=phone, is_mobile=phone)
    yield request.param, context.new_page()
    context.close()


def layout_failures(page, url: str, width: int, touch: int, shot: str) -> dict[str, list[str]]:
    """The layout checks of one screen in every language: the problems found, per language."""
    shots = os.environ.get("SCREENS_SHOTS")
    failures: dict[str, list[str]] = {}
    for lang in i18n.LANGUAGES:
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        page.wait_for_load_state("load")
        english = [] if lang == "en" else ENGLISH
        problems = page.evaluate(CHECKS, [width, touch, SMALLEST_TEXT, english])
        if problems:
            failures[lang] = problems
        if shots:
            page.screenshot(path=str(Path(shots) / f"{shot}-{lang}.png"))
    return failures


@pytest.mark.parametrize(("screen", "where", "path"), SCREENS, ids=[s[0] for s in SCREENS])
def test_screen_lays_out_in_every_language(
    sized_page: tuple[str, object], servers: dict[str, str], screen: str, where: str, path: str
) -> None:
    size, page = sized_page
    touch = PHONE_TOUCH if size == "phone" else KIOSK_TOUCH
    url = servers[where] + path.format(exhibitor=servers["exhibitor"])
    failures = layout_failures(page, url, SIZES[size][0], touch, f"{screen}-{size}")
    assert not failures, f"{screen} at {size}: {failures}"


def test_portrait_gate_field_shows_its_whole_example(browser, servers: dict[str, str]) -> None:
    """Point 6: on a portrait entrance totem the code field is wide enough for its placeholder."""
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    page = context.new_page()
    for lang in i18n.LANGUAGES:
        page.goto(f"{servers['entry']}/entry/?lang={lang}")
        room, needed = page.evaluate("""() => {
          const field = document.getElementById('code'), style = getComputedStyle(field);
          const pen = document.createElement('canvas').getContext('2d');
          pen.font = `${style.fontSize} ${style.fontFamily}`;
          return [field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                  pen.measureText(field.placeholder).width];
        }""")
        assert room >= needed, (lang, room, needed)
    context.close()


# The staff screens. The door and the kids' space run on kiosks and on staff phones and
# tablets: the kiosk and phone sizes and targets above. The control room is read on a laptop
# and a wall screen with a mouse: 1366x768 and 1920x1080, with the pointer's minimum target
# (WCAG 2.2, 2.5.8: 24 px).
DESK_SIZES = {"laptop": (1366, 768), "wall": (1920, 1080)}
POINTER_TARGET = 24
WORKSHOP_STAFF = ("Rachid", "246824")  # kiosk.sessions.demo
KIDS_STAFF = ("Salma", "975310")  # kiosk.kids.demo.KIDS_STAFF
ORGANIZER = ("Hanane", "24681357")

# (name, instance, path, who logs in); {session} is the first session of the day.
STAFF_SCREENS = [
    ("staff-login", "workshop", "/staff/login?next=/sessions/", None),
    ("door-sessions", "workshop", "/sessions/", WORKSHOP_STAFF),
    ("door", "workshop", "/sessions/{session}/", WORKSHOP_STAFF),
    ("kids-drop-off", "kids", "/kids/", KIDS_STAFF),
    ("kids-pick-up", "kids", "/kids/pick-up", KIDS_STAFF),
    ("kids-inside", "kids", "/kids/inside", KIDS_STAFF),
]
DESK_SCREENS = [("control-room", "central", "/dashboard/", ORGANIZER)]
HOME = {"workshop": "/sessions/", "kids": "/kids/", "central": "/dashboard/"}


@pytest.fixture(scope="module")
def staff_servers(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Central, a workshop door and a kids' space of the demo fair, served for the whole module;
    one child is inside the kids' space (so the inside-now list and pick-up have someone)."""
    folder = tmp_path_factory.mktemp("staff-layout")
    central = folder / "central"
    shutil.copytree(demo_template, central)
    bundle_file = folder / "workshop.bundle"
    bundle.write_bundle(instance.open_db(central), bundle_file, roles="workshop")
    workshop = instance.create(folder / "workshop", ["workshop"], name="workshop")
    bundle.load_tables(workshop, bundle.read_bundle(bundle_file))
    session = programme.sessions_on(workshop.conn, FAIR_START)[0]["id"]
    workshop.conn.close()
    kids = make_kids_kiosk(central, folder / "kids")
    database = instance.open_db(kids)
    parent = space.Adult("Rkia", "0699 87 65 43")
    space.drop_off(
        database,
        parent,
        [space.NewChild("Ouissal", "3-5", "")],
        clock.at(FAIR_START, time(10, 30)),
        places=60,
    )
    database.conn.close()
    env = {"KIOSK_NOW": f"{FAIR_START.isoformat()}T11:00:00+01:00"}
    with (
        serving(central, env) as (central_base, _c),
        serving(folder / "workshop", env) as (workshop_base, _w),
        serving(kids, env) as (kids_base, _k),
    ):
        yield {"central": central_base, "workshop": workshop_base, "kids": kids_base, "session": session}


@pytest.fixture(scope="module")
def staff_pages(browser, staff_servers: dict[str, str]) -> Iterator[Callable[..., object]]:
    """A page per (instance, who, size), its staff logged in once: the instances share
    127.0.0.1, and cookies do not tell ports apart, so each gets a browser context of its own."""
    contexts: dict[tuple[str, tuple[str, str] | None, str], object] = {}
    opened = []

    def page_for(where: str, who: tuple[str, str] | None, size: str, dimensions: tuple[int, int]):
        key = (where, who, size)
        if key not in contexts:
            phone = size == "phone"
            viewport = {"width": dimensions[0], "height": dimensions[1]}
            context = browser.new_context(viewport=viewport, has_touch=phone, is_mobile=phone)
            opened.append(context)
            page = context.new_page()
            if who:
                staff_log_in(page, staff_servers[where], *who, then=HOME[where])
            contexts[key] = page
        return contexts[key]

    yield page_for
    for context in opened:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("screen", "where", "path", "who"), STAFF_SCREENS, ids=[s[0] for s in STAFF_SCREENS])
def test_staff_screen_lays_out_in_every_language(
    staff_pages, staff_servers: dict[str, str], screen: str, where: str, path: str, who, size: str
) -> None:
    page = staff_pages(where, who, size, SIZES[size])
    touch = PHONE_TOUCH if size == "phone" else KIOSK_TOUCH
    url = staff_servers[where] + path.format(session=staff_servers["session"])
    failures = layout_failures(page, url, SIZES[size][0], touch, f"{screen}-{size}")
    assert not failures, f"{screen} at {size}: {failures}"


@pytest.mark.parametrize("size", list(DESK_SIZES))
@pytest.mark.parametrize(("screen", "where", "path", "who"), DESK_SCREENS, ids=[s[0] for s in DESK_SCREENS])
def test_control_room_lays_out_in_every_language(
    staff_pages, staff_servers: dict[str, str], screen: str, where: str, path: str, who, size: str
) -> None:
    page = staff_pages(where, who, size, DESK_SIZES[size])
    url = staff_servers[where] + path
    failures = layout_failures(page, url, DESK_SIZES[size][0], POINTER_TARGET, f"{screen}-{size}")
    assert not failures, f"{screen} at {size}: {failures}"
