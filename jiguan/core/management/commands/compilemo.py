"""Compile every .po catalogue under jiguan/ to .mo with polib (no GNU gettext needed on the machine)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po → .mo)."

    def handle(self, *args, **options):
        count = 0
        for po_path in sorted((Path(settings.BASE_DIR) / "jiguan").rglob("LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                # Written aside and renamed: a test run starting meanwhile never reads half a catalogue.
                temporary = mo_path.with_suffix(".mo.tmp")
                polib.pofile(str(po_path)).save_as_mofile(str(temporary))
                temporary.replace(mo_path)
                count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")
