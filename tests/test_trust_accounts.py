"""Staff accounts under attack (issue 11): PIN lengths, sessions that end, lock-out per
client and per account, and log-in that does not tell which names exist."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from helpers import api_bearer, rows
from sync_helpers import enroll, sync_round

from kiosk import bundle, clock, create_app, instance
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.cli import main
from kiosk.sessions.demo import DEMO_STAFF
from sync import protocol


@pytest.mark.parametrize(
    ("role", "pin"),
    [
        ("gate", "1357"),
        ("gate", "12345"),
        ("workshop", "2468x1"),
        ("gate", "1234567890123"),
        ("gate", "١٢٣٤٥٦"),  # Arabic-Indic digits: not what the kiosk keypad sends
        ("organizer", "246810"),
        ("organizer", "1234567"),
        ("organizer", "two words"),
        ("organizer", " padded pass phrase "),
        ("organizer", "x" * 65),
    ],
)
def test_short_pins_are_refused(kiosk_dir: Path, role: str, pin: str) -> None:
    with dbmod.write(instance.open_db(kiosk_dir)) as conn, pytest.raises(ValueError, match="PIN"):
        accounts.add_staff(conn, "Nobody", role, pin)


@pytest.mark.parametrize(
    ("role", "pin"),
    [
        ("gate", "135791"),
        ("workshop", "123456789012"),
        ("organizer", "24681357"),
        ("organizer", "sel et menthe"),
    ],
)
def test_long_enough_pins_are_taken(kiosk_dir: Path, role: str, pin: str) -> None:
    with dbmod.write(instance.open_db(kiosk_dir)) as conn:
        accounts.add_staff(conn, "Somebody", role, pin)


def test_the_demo_staff_follow_the_rule() -> None:
    for _name, role, pin in DEMO_STAFF:
        assert accounts.pin_problem(role, pin) is None, (role, pin)


REMOTE = {"REMOTE_ADDR": "192.0.2.10"}


def address(n: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"192.0.2.{n}"}


def test_a_copied_cookie_stops_working_at_log_out(kiosk_dir: Path) -> None:
    app = create_app(kiosk_dir, {"TESTING": True})
    staff, thief = app.test_client(), app.test_client()
    assert (
        staff.post("/staff/login", data={"name": "Omar", "pin": "135791"}, environ_base=REMOTE).status_code
        == 302
    )
    cookie = staff.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    assert thief.get("/entry/recent", environ_base=REMOTE).status_code == 200
    staff.post("/staff/logout", environ_base=REMOTE)
    assert thief.get("/entry/recent", environ_base=REMOTE).status_code == 302


def test_an_api_token_can_be_revoked(kiosk_dir: Path) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    headers = api_bearer(client, "Omar", "135791", REMOTE)
    assert client.get("/entry/recent", headers=headers, environ_base=REMOTE).status_code == 200
    assert client.post("/api/v1/logout", headers=headers, environ_base=REMOTE).status_code == 200
    assert client.get("/entry/recent", headers=headers, environ_base=REMOTE).status_code == 302


def test_a_session_replayed_every_few_minutes_still_ends(kiosk_dir: Path) -> None:
    app = create_app(kiosk_dir, {"TESTING": True})
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"name": "Omar", "pin": "135791"}, environ_base=REMOTE).status_code
        == 302
    )
    assert client.get("/entry/recent", environ_base=REMOTE).status_code == 200
    # The session started longer ago than STAFF_SESSION_HOURS, used all along.
    started = clock.iso(clock.now() - timedelta(hours=app.config["STAFF_SESSION_HOURS"], minutes=1))
    with dbmod.write(instance.open_db(kiosk_dir)) as conn:
        conn.execute("UPDATE staff_sessions SET started_at = ?", (started,))
    assert client.get("/entry/recent", environ_base=REMOTE).status_code == 302
    # The next log-in forgets the sessions past their lifetime.
    client.post("/staff/login", data={"name": "Omar", "pin": "135791"}, environ_base=REMOTE)
    assert rows(kiosk_dir, "SELECT started_at FROM staff_sessions")[0][0] != started
    assert len(rows(kiosk_dir, "SELECT 1 FROM staff_sessions")) == 1


def test_one_client_is_throttled_without_locking_the_account(kiosk_dir: Path) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()

    def log_in(pin: str, where: dict[str, str]) -> int:
        return client.post("/api/v1/login", json={"name": "Omar", "pin": pin}, environ_base=where).status_code

    for _ in range(accounts.MAX_FAILURES - 1):
        assert log_in("000000", address(1)) == 401
    assert log_in("000000", address(1)) == 423
    assert log_in("135791", address(1)) == 423  # this client waits, whatever the PIN
    # Unknown names count for the client too: no free guesses by trying other names.
    assert (
        client.post("/api/v1/login", json={"name": "Nobody", "pin": "1"}, environ_base=address(1)).status_code
        == 423
    )
    assert log_in("135791", address(2)) == 200  # the account itself is not locked


def test_many_clients_lock_the_account_for_strangers_only(kiosk_dir: Path) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()

    def log_in(pin: str, where: dict[str, str]) -> int:
        return client.post("/staff/login", data={"name": "Omar", "pin": pin}, environ_base=where).status_code

    assert log_in("135791", address(200)) == 302  # Omar's own phone, known from now on
    omar_phone = client.get_cookie("kiosk_browser")
    assert omar_phone is not None
    client.delete_cookie("kiosk_browser")
    answers = [log_in("000000", address(n)) for n in range(accounts.ACCOUNT_FAILURES)]
    assert answers == [401] * accounts.ACCOUNT_FAILURES
    assert log_in("135791", address(100)) == 401  # a stranger with the right PIN now waits
    assert log_in("135791", {"REMOTE_ADDR": "127.0.0.1"}) == 302  # the kiosk's own screen
    client.delete_cookie("session")
    client.set_cookie("kiosk_browser", omar_phone.value)
    assert log_in("135791", address(200)) == 302  # the browser Omar used before
    lockouts = rows(kiosk_dir, "SELECT staff_id, locked_until FROM staff_lockouts")
    assert len(lockouts) == 1


def test_nobody_on_the_network_locks_the_organizer_out_of_central(central_dir: Path) -> None:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    hanane = {"name": "Hanane", "pin": "24681357"}
    assert client.post("/staff/login", data=hanane, environ_base=address(50)).status_code == 302
    laptop = client.get_cookie("kiosk_browser")
    assert laptop is not None
    attacker = create_app(central_dir, {"TESTING": True}).test_client()
    for n in range(3 * accounts.ACCOUNT_FAILURES):
        attacker.post(
            "/staff/login", data={"name": "Hanane", "pin": "99999999"}, environ_base=address(n % 40)
        )
    assert attacker.post("/staff/login", data=hanane, environ_base=address(41)).status_code == 401
    fresh = create_app(central_dir, {"TESTING": True}).test_client()
    fresh.set_cookie("kiosk_browser", laptop.value)
    assert fresh.post("/staff/login", data=hanane, environ_base=address(50)).status_code == 302
    assert fresh.post("/staff/login", data=hanane).status_code == 302  # central's own screen


def test_a_lock_out_at_one_kiosk_reaches_the_others_through_central(
    central_dir: Path, kiosk_dir: Path
) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    for n in range(accounts.ACCOUNT_FAILURES):
        client.post("/api/v1/login", json={"name": "Omar", "pin": "000000"}, environ_base=address(n))
    database = instance.open_db(kiosk_dir)
    columns = ["uuid", "device_id", "device_seq", "device_time", "staff_id", "locked_until"]
    events = [list(r) for r in database.conn.execute(f"SELECT {', '.join(columns)} FROM staff_lockouts")]
    assert len(events) == 1
    central = instance.open_db(central_dir)
    with dbmod.write(central) as conn:
        answer = protocol.apply_batch(
            conn,
            events[0][1],
            {"events": [{"table": "staff_lockouts", "columns": columns, "rows": events}]},
            clock.now(),
            roles="entry",
        )
    assert answer["applied"] == 1 and "rejected" not in answer
    # Another kiosk gets central's reference data (here by bundle) and refuses strangers.
    other = central_dir.parent / "kiosk-east"
    bundle_file = central_dir.parent / "east.bundle"
    bundle.write_bundle(central, bundle_file, roles="entry")
    made = instance.create(other, ["entry"], name="kiosk-east", gate="main")
    bundle.load_tables(made, bundle.read_bundle(bundle_file))
    east = create_app(other, {"TESTING": True}).test_client()
    omar = {"name": "Omar", "pin": "135791"}
    assert east.post("/api/v1/login", json=omar, environ_base=address(99)).status_code == 423
    assert east.post("/api/v1/login", json=omar).status_code == 200  # its own screen


def test_central_refuses_a_lock_out_of_an_unknown_account_or_for_days(central_dir: Path) -> None:
    central = instance.open_db(central_dir)
    ids = dict(central.conn.execute("SELECT name, id FROM staff"))
    now = clock.now()
    columns = ["uuid", "device_id", "device_seq", "device_time", "staff_id", "locked_until"]

    def event(seq: int, staff_id: str, until: datetime) -> list[object]:
        return [str(uuid.uuid4()), "dev-x", seq, clock.iso(now), staff_id, clock.iso(until)]

    batch = [
        event(1, str(uuid.uuid4()), now + timedelta(minutes=5)),
        event(2, ids["Omar"], now + timedelta(days=3)),
    ]
    with dbmod.write(central) as conn:
        answer = protocol.apply_batch(
            conn,
            "dev-x",
            {"events": [{"table": "staff_lockouts", "columns": columns, "rows": batch}]},
            now,
            roles="entry",
        )
    assert [r["reason"] for r in answer["rejected"]] == ["unknown_staff", "bad_value"]
    assert rows(central_dir, "SELECT * FROM staff_state WHERE locked_until IS NOT NULL") == []


def test_unknown_names_cost_one_slow_hash_outside_the_write_lock(
    kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = instance.open_db(kiosk_dir)
    seen: list[bool] = []
    real = accounts.check_password_hash

    def watched(pwhash: str, password: str) -> bool:
        seen.append(database.conn.writing)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", watched)
    throttle = accounts.ClientThrottle()
    for name in ("Omar", "Nobody At All"):
        outcome = accounts.log_in(
            database,
            name,
            "000000",
            clock.now(),
            accounts.Client("192.0.2.1"),
            throttle,
            False,
            timedelta(hours=1),
        ).outcome
        assert outcome in ("wrong_pin", "unknown_staff")
    assert seen == [False, False]  # one scrypt each, never inside the write lock


def test_pin_checks_run_one_at_a_time(kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A scrypt takes a core: log-ins arriving together queue, leaving the other core to scans.
    running = 0
    most = 0
    count = threading.Lock()
    real = accounts.check_password_hash

    def watched(pwhash: str, password: str) -> bool:
        nonlocal running, most
        with count:
            running += 1
            most = max(most, running)
        try:
            return real(pwhash, password)
        finally:
            with count:
                running -= 1

    monkeypatch.setattr(accounts, "check_password_hash", watched)

    def log_in(address: str) -> None:
        outcome = accounts.log_in(
            instance.open_db(kiosk_dir),
            "Nobody At All",
            "000000",
            clock.now(),
            accounts.Client(address),
            accounts.ClientThrottle(),
            False,
            timedelta(hours=1),
        ).outcome
        assert outcome == "unknown_staff"

    threads = [threading.Thread(target=log_in, args=(f"192.0.2.{n}",)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_revoking_a_stolen_kiosk_ends_its_staff_sessions_and_marks_their_pins(central_dir: Path) -> None:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    headers = api_bearer(client, "Omar", "135791", REMOTE)
    assert client.get("/api/v1/conflicts", headers=headers, environ_base=REMOTE).status_code == 403
    with dbmod.write(instance.open_db(central_dir)) as conn:
        protocol.ensure_change_log(conn)  # as central's server does at start
        cursor = protocol.current_cursor(conn)
    runner = CliRunner()
    added = runner.invoke(
        main, ["devices", "add", str(central_dir), "--name", "entry-lost", "--role", "entry"]
    )
    assert added.exit_code == 0, added.output
    revoked = runner.invoke(main, ["devices", "revoke", str(central_dir), "entry-lost"])
    assert revoked.exit_code == 0 and "Omar" in revoked.stdout and "Hanane" not in revoked.stdout
    assert client.get("/api/v1/conflicts", headers=headers, environ_base=REMOTE).status_code == 401
    listed = runner.invoke(main, ["staff", "list", str(central_dir)]).stdout
    assert "Omar  (PIN held by revoked kiosk entry-lost" in listed
    assert "Hanane  (PIN" not in listed
    # Kiosks learn it with the reference data: the account's generation moved.
    page = protocol.serve_changes(instance.open_db(central_dir).conn, cursor, roles="entry")
    sent = page.get("tables", {}).get("staff_state")
    kiosk_staff = rows(central_dir, "SELECT id FROM staff WHERE role NOT IN ('organizer', 'kids_lead')")
    assert sent is not None and len(sent["rows"]) == len(kiosk_staff)
    assert all(row[sent["columns"].index("generation")] == 1 for row in sent["rows"])
    changed = runner.invoke(main, ["staff", "set-pin", str(central_dir), "--name", "Omar", "--pin", "975318"])
    assert changed.exit_code == 0, changed.output
    assert "Omar  (PIN held" not in runner.invoke(main, ["staff", "list", str(central_dir)]).stdout


def test_a_finder_kiosk_revoked_exposes_no_pin(central_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["devices", "add", str(central_dir), "--name", "finder-lost", "--role", "finder"])
    revoked = runner.invoke(main, ["devices", "revoke", str(central_dir), "finder-lost"])
    assert revoked.exit_code == 0 and "PIN" not in revoked.stdout
    assert rows(central_dir, "SELECT * FROM staff_state WHERE pin_exposed_at IS NOT NULL") == []


def test_deactivating_an_account_ends_its_sessions(central_dir: Path) -> None:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    headers = api_bearer(client, "Omar", "135791", REMOTE)
    assert client.get("/api/v1/conflicts", headers=headers, environ_base=REMOTE).status_code == 403
    done = CliRunner().invoke(main, ["staff", "deactivate", str(central_dir), "--name", "omar"])
    assert done.exit_code == 0, done.output
    assert client.get("/api/v1/conflicts", headers=headers, environ_base=REMOTE).status_code == 401
    generation = rows(
        central_dir, "SELECT generation FROM staff_state JOIN staff ON id = staff_id WHERE name = 'Omar'"
    )
    assert generation[0][0] == 1  # kiosks end theirs with the reference data


def test_a_lock_out_does_not_tell_which_names_exist(kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = instance.open_db(kiosk_dir)
    hashed: list[str] = []
    real = accounts.check_password_hash

    def watched(pwhash: str, password: str) -> bool:
        hashed.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", watched)
    throttle = accounts.ClientThrottle()
    tries = accounts.ACCOUNT_FAILURES + 1
    for name, refusal in (("Omar", "wrong_pin"), ("Nobody At All", "unknown_staff")):
        outcomes = [
            accounts.log_in(
                database,
                name,
                "000000",
                clock.now(),
                accounts.Client(f"192.0.2.{n}"),
                throttle,
                False,
                timedelta(hours=1),
            ).outcome
            for n in range(tries)
        ]
        # Both lock after the same number of tries from strangers, then stay locked...
        assert outcomes == [refusal] * (accounts.ACCOUNT_FAILURES - 1) + ["locked", "locked"], name
    # ...and every try, locked or not, known name or not, cost one slow hash.
    assert len(hashed) == 2 * tries


def test_a_lock_out_travels_by_real_sync(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        west = enroll(central, central_dir, tmp_path / "west", "entry-west", "entry", "main")
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "main")
        west_app = create_app(west, {"TESTING": True}).test_client()
        for n in range(accounts.ACCOUNT_FAILURES):
            west_app.post("/api/v1/login", json={"name": "Omar", "pin": "000000"}, environ_base=address(n))
        for folder in (west, east):  # west pushes its lock-out, then east pulls central's word
            sync_round(folder)
        assert rows(central_dir, "SELECT count(*) FROM staff_state WHERE locked_until IS NOT NULL")[0][0] == 1
        east_app = create_app(east, {"TESTING": True}).test_client()
        omar = {"name": "Omar", "pin": "135791"}
        assert east_app.post("/api/v1/login", json=omar, environ_base=address(77)).status_code == 423
        assert east_app.post("/api/v1/login", json=omar).status_code == 200  # east's own screen


@pytest.mark.parametrize("language", ["ar", "en", "zgh"])
def test_the_chosen_language_survives_log_in_and_log_out(kiosk_dir: Path, language: str) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    login = f"/staff/login?lang={language}&next=/entry/recent"
    assert client.get(login, environ_base=REMOTE).status_code == 200
    logged_in = client.post(
        login,
        data={"name": "Omar", "pin": "135791"},
        environ_base=REMOTE,
    )
    assert logged_in.location == "/entry/recent"
    page = client.get("/entry/recent", environ_base=REMOTE)
    assert page.status_code == 200
    assert f'<html lang="{language}"' in page.get_data(as_text=True)
    home = client.post("/staff/logout", environ_base=REMOTE, follow_redirects=True)
    assert f'<html lang="{language}"' in home.get_data(as_text=True)


def test_a_new_secret_key_ends_the_cookies_signed_with_the_old_one(kiosk_dir: Path) -> None:
    # The session signer is made once per key, not per request: a changed SECRET_KEY
    # applies to the very next request.
    app = create_app(kiosk_dir, {"TESTING": True})
    staff = app.test_client()
    staff.post("/staff/login", data={"name": "Omar", "pin": "135791"}, environ_base=REMOTE)
    cookie = staff.get_cookie("session")
    assert cookie is not None and staff.get("/entry/recent", environ_base=REMOTE).status_code == 200
    app.secret_key = "a-new-secret-key-for-the-fair"
    old_key_only = app.test_client()
    old_key_only.set_cookie("session", cookie.value)
    assert old_key_only.get("/entry/recent", environ_base=REMOTE).status_code == 302


def test_activity_rewrites_the_staff_cookie_in_steps_and_idle_still_ends(
    kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")
    start = clock.now()

    def at(seconds: float) -> str | None:
        """GET a staff page at ``start`` + seconds: its status and whether it re-sent the cookie."""
        monkeypatch.setenv("KIOSK_NOW", clock.iso(start + timedelta(seconds=seconds)))
        answer = client.get("/entry/recent", environ_base=REMOTE)
        return (
            f"{answer.status_code} {'cookie' if 'session=' in answer.headers.get('Set-Cookie', '') else '-'}"
        )

    app = create_app(kiosk_dir, {"TESTING": True})  # idle log-out after 10 minutes
    client = app.test_client()
    monkeypatch.setenv("KIOSK_NOW", clock.iso(start))
    client.post("/staff/login", data={"name": "Omar", "pin": "135791"}, environ_base=REMOTE)
    assert at(5) == "200 -"  # a busy screen: the same cookie, not signed and sent again
    assert at(20) == "200 -"
    assert at(40) == "200 cookie"  # the last activity moves on by steps of 30 s
    assert at(40 + 9 * 60) == "200 cookie"  # idle 9 min since then: still logged in
    assert at(40 + 9 * 60 + 11 * 60) == "302 cookie"  # idle 11 min: logged out (dropped from it)
