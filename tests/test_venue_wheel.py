"""The package installs anywhere: an sdist built from the sources, a wheel built from
that sdist, installed into a fresh venv outside the checkout, serves the entry screen
with its static files and compiled translations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
# What a developer's checkout may hold that is not part of the sources.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "demo", "instance", "__pycache__", "*.mo", ".*_cache"
)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist from a copy of the sources, then a wheel from the unpacked sdist (what pip does
    with a source release), both through the PEP 517 hooks of the installed setuptools."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    dist = work / "dist"
    dist.mkdir()
    sdist_name = run(
        sys.executable,
        "-c",
        f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))",
        cwd=source,
    ).split()[-1]
    with tarfile.open(dist / sdist_name) as archive:
        archive.extractall(work / "unpacked", filter="data")
    (unpacked,) = (work / "unpacked").iterdir()
    run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, ".",
        cwd=unpacked,
    )  # fmt: skip
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_carries_screens_static_files_and_compiled_catalogues(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static"):
        sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()}
        assert sources and {f"kiosk/{name}" for name in sources} <= names
    catalogues = [p.relative_to(ROOT) for p in ROOT.glob("kiosk/**/translations/*/LC_MESSAGES/*.po")]
    assert catalogues
    for po_path in catalogues:
        assert po_path.with_suffix(".mo").as_posix() in names
        assert po_path.as_posix() not in names  # compiled at build: the app never writes its package
    assert "kiosk/migrations/0001_core.sql" in names


def test_installed_wheel_serves_the_entry_screen_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    # Nothing of the checkout on the path: what runs comes from the venv.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    # The dependencies come from the running environment (no network needed); the package
    # itself only from the wheel.
    site_packages = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path, env=env
        ).strip()
    )
    shared = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site_packages / "_dependencies.pth").write_text("\n".join(sorted(shared)) + "\n")
    pip = (sys.executable, "-m", "pip", "--python", python)
    run(*pip, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path, env=env)
    located = run(python, "-c", "import kiosk; print(kiosk.__file__)", cwd=tmp_path, env=env)
    assert Path(located.strip()).is_relative_to(venv)

    kiosk = venv / "bin" / "kiosk"
    run(kiosk, "init", "central", "--role", "central", "--demo", cwd=tmp_path, env=env)
    run(kiosk, "bundle", "central", "--out", "fair.bundle", cwd=tmp_path, env=env)
    gate = ("--role", "entry", "--gate", "main", "--bundle", "fair.bundle")
    run(kiosk, "init", "gate", *gate, cwd=tmp_path, env=env)
    port = free_port()
    process = subprocess.Popen(
        [kiosk, "serve", "gate", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", timeout=30)
        with urllib.request.urlopen(base + "/", timeout=10) as response:
            screen = response.geturl()  # the role's screen
        with urllib.request.urlopen(screen + "?lang=ar", timeout=10) as response:
            page = response.read().decode()
        assert 'dir="rtl"' in page
        assert "امسحوا تذكرتكم أو اكتبوا رمزها" in page  # from a compiled catalogue of the wheel
        with urllib.request.urlopen(base + "/static/js/entry.js", timeout=10) as response:
            assert response.read() == (ROOT / "static/js/entry.js").read_bytes()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert not list((venv / "lib").rglob("*.po"))
