"""Build step: the wheel carries the screens and the compiled translations.

``templates/`` and ``static/`` stay at the top of the repository (the design card's
layout); the build copies them into the ``kiosk`` package, where an installed app finds
them, and compiles every ``.po`` catalogue to ``.mo`` (a checkout compiles them at start).
Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ASSET_FOLDERS = ("templates", "static")


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        package = Path(self.build_lib) / "kiosk"
        for name in ASSET_FOLDERS:
            shutil.copytree(ROOT / name, package / name, dirs_exist_ok=True)
        for po_path in (ROOT / "kiosk").rglob("translations/*/LC_MESSAGES/*.po"):
            mo_path = package / po_path.relative_to(ROOT / "kiosk").with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as stream:
                catalog = read_po(stream)
            with mo_path.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildWithAssets})
