"""The settings registry: every setting declared once, checked at start-up, with its source."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk import create_app, instance, settings
from kiosk.cli import main


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A bare entry kiosk instance (no fair loaded: settings only)."""
    path = tmp_path / "k"
    instance.create(path, ["entry"], name="k1", gate="east").conn.close()
    return path


def add_line(folder: Path, line: str) -> None:
    config = folder / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def serve(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``kiosk serve`` as a real process; a refused start-up ends it on its own."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "serve", str(folder), "--port", "9"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_a_typo_in_config_toml_stops_serve(folder: Path) -> None:
    add_line(folder, "ANUL_MINUTES = 2")
    result = serve(folder)
    assert_one_line_refusal(result, "ANUL_MINUTES", str(folder / "config.toml"), "did you mean ANNUL_MINUTES")


def test_a_wrong_type_stops_serve(folder: Path) -> None:
    add_line(folder, 'ANNUL_MINUTES = "two"')
    assert_one_line_refusal(serve(folder), "ANNUL_MINUTES must be a number", "config.toml")


def test_a_zero_sync_interval_is_refused(folder: Path) -> None:
    # An interval of 0 would busy-loop the sync thread.
    result = serve(folder, {"KIOSK_SYNC_INTERVAL": "0"})
    assert_one_line_refusal(result, "KIOSK_SYNC_INTERVAL", "SYNC_INTERVAL must be greater than 0")


def test_a_missing_secret_key_stops_serve(folder: Path) -> None:
    config = folder / "config.toml"
    kept = [line for line in config.read_text().splitlines() if not line.startswith("SECRET_KEY")]
    config.write_text("\n".join(kept) + '\nSECRET_KEY = ""\n')
    assert_one_line_refusal(serve(folder), "SECRET_KEY is missing or empty")


def test_an_unknown_environment_variable_stops_every_command(folder: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["config", str(folder)], env={"KIOSK_ANUL_MINUTES": "2"})
    assert result.exit_code != 0
    assert "environment KIOSK_ANUL_MINUTES: unknown setting ANUL_MINUTES" in result.output
    result = runner.invoke(
        main, ["init", str(folder.parent / "new"), "--role", "entry"], env={"KIOSK_CAMERA_PACE": "maybe"}
    )
    assert result.exit_code != 0 and "CAMERA_PACE must be true or false" in result.output
    assert not (folder.parent / "new").exists()


def test_environment_values_are_parsed_to_their_type(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_SYNC_INTERVAL", "1.5")
    monkeypatch.setenv("KIOSK_CAMERA_PACE", "false")
    monkeypatch.setenv("KIOSK_FINDER_RESULTS", "20")
    monkeypatch.setenv("KIOSK_CAMERA_SOURCE", "")  # empty: unset
    app = create_app(folder)
    assert app.config["SYNC_INTERVAL"] == 1.5
    assert app.config["CAMERA_PACE"] is False
    assert app.config["FINDER_RESULTS"] == 20 and isinstance(app.config["FINDER_RESULTS"], int)
    assert app.config["CAMERA_SOURCE"] is None
    assert app.config["GATE"] == "east"  # from config.toml
    monkeypatch.setenv("KIOSK_FINDER_RESULTS", "20.5")
    with pytest.raises(settings.SettingsError, match="KIOSK_FINDER_RESULTS: FINDER_RESULTS must be a whole"):
        create_app(folder)


def test_kiosk_config_says_where_each_value_comes_from(folder: Path) -> None:
    add_line(folder, "CAMERA_SOURCE = 0")  # a camera index, written as a number
    result = CliRunner().invoke(main, ["config", str(folder)], env={"KIOSK_SYNC_INTERVAL": "7"})
    assert result.exit_code == 0, result.output
    table = {line.split()[0]: line.split(maxsplit=1)[1] for line in result.output.splitlines()}
    assert set(table) == set(settings.BY_NAME)
    assert table["SYNC_INTERVAL"].split()[:2] == ["7.0", "environment"]
    assert "KIOSK_SYNC_INTERVAL" in table["SYNC_INTERVAL"]
    assert table["GATE"].split() == ["east", "config.toml"]
    assert table["CAMERA_SOURCE"].split() == ["0", "config.toml"]
    assert table["ANNUL_MINUTES"].split() == ["5.0", "default"]
    secret = str(instance.read_config(folder)["SECRET_KEY"])
    assert secret not in result.output and "hidden" in table["SECRET_KEY"]


def test_kiosk_config_refuses_a_bad_file_in_one_line(folder: Path) -> None:
    add_line(folder, "FINDER_RESULTS = 0")
    result = CliRunner().invoke(main, ["config", str(folder)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"Error: {folder / 'config.toml'}: FINDER_RESULTS must be at least 1, got 0"
    ]


def test_every_declared_default_passes_its_own_check() -> None:
    for setting in settings.SETTINGS:
        if setting.default is not None:
            assert settings.parse(setting, setting.default, "default") == setting.default
        assert setting.help and setting.name.isupper()
        assert setting.default is not None or setting.optional or setting.required, setting.name


def test_the_roles_helper() -> None:
    config = {"ROLE": "workshop,entry"}
    assert settings.roles(config) == ("workshop", "entry")  # ROLE's order: the first leads
    assert settings.has_role(config, "entry") and not settings.has_role(config, "finder")
    assert not settings.is_central(config) and settings.is_central({"ROLE": "central"})
    assert settings.parse_roles("kiosk") == ("entry",)
    with pytest.raises(ValueError, match="no role 'centrl'"):
        settings.has_role(config, "centrl")
    with pytest.raises(settings.SettingsError, match="central cannot be combined"):
        settings.parse_roles("central,entry")
    with pytest.raises(settings.SettingsError, match="unknown role moon"):
        settings.parse_roles("entry,moon")


def test_a_bad_role_in_config_toml_is_refused(folder: Path) -> None:
    config = folder / "config.toml"
    config.write_text(config.read_text().replace('ROLE = "entry"', 'ROLE = "entry,moon"'))
    with pytest.raises(settings.SettingsError, match="ROLE: unknown role moon"):
        create_app(folder)


def test_the_readme_lists_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings table: kiosk config --markdown -->\n")
    end = readme.index("<!-- end of settings table -->")
    shown = readme[start:end].split("\n", 1)[1]
    assert shown == settings.markdown_table(), "paste `kiosk config --markdown` into README.md"


def test_the_code_reads_only_declared_settings_without_defaults_of_its_own() -> None:
    root = Path(__file__).resolve().parent.parent
    read: set[str] = set()
    with_default = []
    for path in [*root.glob("kiosk/**/*.py"), *root.glob("sync/*.py"), *root.glob("bench/*.py")]:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'config\["([A-Z_]+)"\]', text))
        with_default += [f"{path.name}: {m}" for m in re.findall(r'config\.get\("[A-Z_]+"[^)]*\)', text)]
    assert read - set(settings.BY_NAME) == set(), "declare these in kiosk/settings.py"
    assert with_default == [], "read app.config['NAME']: the registry holds the default"
