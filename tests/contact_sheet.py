"""Contact sheet of the visitor screens: runs the layout suite (tests/test_screens_layout_browser.py)
with its screenshots on, then tiles them into one PNG, a row per screen, and in each row the
portrait totem, landscape and phone views in every language.

    .venv/bin/python tests/contact_sheet.py docs/images/screens-contact-sheet.png

Run from the repository root. The screenshots go to a temporary folder; only OUT is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

HEIGHT = 240  # of each thumbnail
GAP = 8
LABEL = 22


def tile(folder: Path, out: Path) -> None:
    """One row per screen, in the suite's order; thumbnails by size then language."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_screens_layout_browser import SCREENS, SIZES  # the suite's own lists

    from kiosk.i18n import LANGUAGES

    rows: list[list[tuple[str, Image.Image]]] = []
    for screen, _where, _path in SCREENS:
        row = []
        for size in SIZES:
            for lang in LANGUAGES:
                shot = folder / f"{screen}-{size}-{lang}.png"
                if shot.exists():
                    image = Image.open(shot).convert("RGB")
                    image.thumbnail((10_000, HEIGHT))
                    row.append((f"{screen} {size} {lang}", image))
        rows.append(row)
    width = max(sum(image.width + GAP for _n, image in row) for row in rows) + GAP
    sheet = Image.new("RGB", (width, len(rows) * (HEIGHT + LABEL + GAP) + GAP), "white")
    draw = ImageDraw.Draw(sheet)
    y = GAP
    for row in rows:
        x = GAP
        for name, image in row:
            draw.text((x, y + 4), name, fill="black")
            sheet.paste(image, (x, y + LABEL))
            x += image.width + GAP
        y += HEIGHT + LABEL + GAP
    out.parent.mkdir(parents=True, exist_ok=True)
    # screenshots are flat colours: a 256-colour palette keeps them legible at a third of the size
    sheet.quantize(colors=256).save(out, optimize=True)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/contact_sheet.py OUT.png")
    out = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as shots:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/test_screens_layout_browser.py"],
            env={**os.environ, "SCREENS_SHOTS": shots},
            check=False,
        )
        tile(Path(shots), out)
    print(f"{out} ({'layout checks passed' if result.returncode == 0 else 'LAYOUT CHECKS FAILED'})")
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
