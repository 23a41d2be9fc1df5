"""The session door in real Chromium against a real workshop kiosk process (no network to central)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from sessions_helpers import add_session, open_db, register

from kiosk import bundle, instance

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Other test runs share the two cores: wait longer than Playwright's 5 s before failing."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def workshop_kiosk(central_dir: Path, tmp_path: Path) -> tuple[Path, str, list[dict[str, object]]]:
    """A workshop kiosk provisioned from a bundle holding a 2-seat session and three registrations."""
    central = open_db(central_dir)
    session_id = add_session(central, capacity=2, title="Atelier navigateur")
    made = register(central, session_id, ["Amine Alaoui", "Bilal Naji", "Chaimae Saidi"])
    bundle_file = tmp_path / "fair.bundle"
    bundle.write_bundle(central, bundle_file, "workshop")
    folder = tmp_path / "workshop"
    database = instance.create(folder, ["workshop"], name="workshop")
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    database.conn.close()
    return folder, session_id, made


def log_in(page, base: str, name: str, pin: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=name]", name)
    page.fill("input[name=pin]", pin)
    page.click("button[type=submit]")


def test_staff_check_people_in_until_the_session_is_full(page, workshop_kiosk, fair_clock: str) -> None:
    from playwright.sync_api import expect

    folder, session_id, made = workshop_kiosk
    with serving(folder, {"KIOSK_NOW": fair_clock}) as (base, _process):
        log_in(page, base, "Rachid", "246824")
        expect(page.locator("h1")).to_contain_text("Choisissez une séance")
        expect(page.locator("[data-staff]")).to_have_text("Rachid")
        page.click(f'[data-session="{session_id}"]')
        count = page.locator(".count-value")
        expect(count).to_have_text("0 / 2")

        # A handheld scanner types the code into the focused field and presses Enter.
        expect(page.locator("#code")).to_be_focused()
        page.keyboard.type(str(made[0]["short_code"]))
        page.keyboard.press("Enter")
        verdict = page.locator("#verdict .verdict")
        expect(verdict).to_have_attribute("data-reason", "ok")
        expect(page.locator("#verdict .verdict-name")).to_have_text("Amine Alaoui")
        expect(count).to_have_text("1 / 2")
        expect(page.locator("#code")).to_have_value("")

        # By name: search, then check in from the result.
        page.fill("#search", "bilal")
        result = page.locator("#search-results .search-result")
        expect(result).to_contain_text("Bilal Naji")
        expect(result.locator(".person-status")).to_have_text("place confirmée")
        result.locator("button").click()
        expect(page.locator("#verdict .verdict-name")).to_have_text("Bilal Naji")
        expect(count).to_have_text("2 / 2")
        expect(page.locator(".count-figure")).to_have_class("count-figure full")
        expect(page.locator("#code")).to_be_focused()  # ready for the next scan

        # Undo Bilal: his seat is free again; then check him in by code.
        page.click("#verdict .undo-button")
        expect(page.locator("#verdict .verdict")).to_have_attribute("data-level", "undone")
        expect(count).to_have_text("1 / 2")
        page.fill("#code", str(made[1]["short_code"]))
        page.press("#code", "Enter")
        expect(page.locator("#verdict .verdict-name")).to_have_text("Bilal Naji")
        expect(count).to_have_text("2 / 2")

        # Full: the waitlisted third person is refused.
        page.fill("#code", str(made[2]["short_code"]))
        page.press("#code", "Enter")
        expect(verdict).to_have_attribute("data-reason", "session_full")
        expect(verdict).to_contain_text("La séance est complète.")
        expect(verdict).to_contain_text("Chaimae Saidi")
        expect(count).to_have_text("2 / 2")

        # A walk-in is refused too; the roster lists everyone.
        page.fill("input[name=name]", "Driss Walk")
        page.click(".door-walk-in button")
        expect(verdict).to_have_attribute("data-reason", "session_full")
        page.goto(f"{base}/sessions/{session_id}/roster?lang=ar")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator(".roster-table tbody tr")).to_have_count(3)


def test_wrong_pins_lock_the_account(page, workshop_kiosk, fair_clock: str) -> None:
    from playwright.sync_api import expect

    folder, _session_id, _made = workshop_kiosk
    with serving(folder, {"KIOSK_NOW": fair_clock}) as (base, _process):
        for _attempt in range(4):
            log_in(page, base, "Meryem", "0000")
            expect(page.locator(".error")).to_have_text("Nom ou code incorrect.")
        log_in(page, base, "Meryem", "0000")
        expect(page.locator(".error")).to_contain_text("Trop de codes erronés")
        # Locked: even the right PIN is refused for now.
        log_in(page, base, "Meryem", "864286")
        expect(page.locator(".error")).to_contain_text("Trop de codes erronés")
        assert "/staff/login" in page.url
        # Another account is not affected, and the public programme never shows a name.
        log_in(page, base, "Rachid", "246824")
        expect(page.locator("[data-staff]")).to_have_text("Rachid")
        page.goto(base + "/programme/")
        expect(page.locator(".programme-item").first).to_be_visible()
        assert "Rachid" not in page.content() and "Amine" not in page.content()
