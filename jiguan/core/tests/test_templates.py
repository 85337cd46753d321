"""Templates: a solid-coloured badge is legible. Tabler colours only a badge's background and leaves its
text grey, so ``bg-red`` alone put grey figures on red (the monitoring home's overdue count could not be
read); a solid colour needs its ``text-<colour>-fg`` beside it (the ``-lt`` tints need nothing)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BADGE_CLASSES = re.compile(r'class="([^"]*\bbadge\b[^"]*)"')
SOLID = re.compile(r"\bbg-(red|green|blue|orange|azure|purple|yellow|cyan|teal|lime|pink|indigo|secondary|dark)(?![-\w])")


def test_every_solid_badge_has_its_foreground_colour():
    unreadable = []
    for path in ROOT.rglob("*.html"):
        if "tests" in path.parts:
            continue
        for classes in BADGE_CLASSES.findall(path.read_text(encoding="utf-8")):
            for colour in SOLID.findall(classes):
                if not re.search(rf"\bbg-{colour}\s+text-{colour}-fg\b", classes):
                    unreadable.append(f"{path.relative_to(ROOT)}: bg-{colour}")
    assert not unreadable, unreadable
