"""Redraw the service portal's app icons into its static folder (run after changing icons.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from ...icons import ICON_FILES, png, svg

ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "service" / "icons"


class Command(BaseCommand):
    help = "Draw the service portal's PWA icons (PNG in several sizes, and SVG)."

    def handle(self, *args, **options):
        ICON_DIR.mkdir(parents=True, exist_ok=True)
        for name, (size, maskable) in ICON_FILES.items():
            (ICON_DIR / name).write_bytes(png(size, maskable))
        (ICON_DIR / "icon.svg").write_text(svg(), encoding="utf-8")
        self.stdout.write(f"wrote {len(ICON_FILES) + 1} icons to {ICON_DIR}")
