"""Demo photos drawn locally (no downloads): a simple, recognisable picture per kind of item — shapes in the
item's colour with its name underneath (in WenQuanYi when the font is installed, else without text). Each
picture is stored once; every card of that kind and colour gets an ``Attachment`` row pointing at the shared
file, as a keeper photographing identical desks would reuse one picture."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

SIZE = (480, 360)
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
BACKGROUND = (241, 245, 249)
DARK = (55, 65, 81)
SCREEN = (30, 58, 95)


def _desk(d, c):
    d.rectangle((70, 120, 410, 145), fill=c)
    d.rectangle((85, 145, 105, 270), fill=c)
    d.rectangle((375, 145, 395, 270), fill=c)
    d.rectangle((280, 145, 370, 240), fill=c, outline=DARK, width=2)
    d.line((280, 192, 370, 192), fill=DARK, width=2)


def _chair(d, c):
    d.rounded_rectangle((180, 50, 300, 170), 18, fill=c)
    d.rounded_rectangle((160, 170, 320, 200), 10, fill=c)
    d.rectangle((232, 200, 248, 250), fill=DARK)
    d.line((170, 270, 310, 270), fill=DARK, width=8)
    d.line((240, 250, 240, 270), fill=DARK, width=8)


def _cabinet(d, c):
    d.rectangle((160, 40, 320, 280), fill=c, outline=DARK, width=3)
    for top in (40, 120, 200):
        d.rectangle((165, top + 5, 315, top + 75), outline=DARK, width=2)
        d.rectangle((220, top + 35, 260, top + 43), fill=DARK)


def _sofa(d, c):
    d.rounded_rectangle((90, 110, 390, 190), 20, fill=c)
    d.rounded_rectangle((70, 160, 410, 240), 20, fill=c, outline=DARK, width=2)
    d.line((240, 170, 240, 235), fill=DARK, width=2)
    d.rectangle((90, 240, 105, 265), fill=DARK)
    d.rectangle((375, 240, 390, 265), fill=DARK)


def _computer(d, c):
    d.rectangle((110, 50, 330, 200), fill=c, outline=DARK, width=4)
    d.rectangle((125, 65, 315, 185), fill=SCREEN)
    d.rectangle((205, 200, 235, 240), fill=DARK)
    d.rectangle((160, 240, 280, 252), fill=DARK)
    d.rectangle((350, 70, 400, 250), fill=c, outline=DARK, width=3)
    d.rounded_rectangle((120, 262, 320, 282), 4, fill=DARK)


def _laptop(d, c):
    d.rectangle((140, 70, 340, 200), fill=c, outline=DARK, width=4)
    d.rectangle((155, 85, 325, 188), fill=SCREEN)
    d.polygon(((110, 240), (370, 240), (340, 200), (140, 200)), fill=c, outline=DARK)


def _printer(d, c):
    d.rectangle((180, 60, 300, 110), fill="white", outline=DARK, width=2)
    d.rounded_rectangle((110, 100, 370, 220), 12, fill=c, outline=DARK, width=3)
    d.rectangle((160, 200, 320, 250), fill="white", outline=DARK, width=2)
    d.ellipse((330, 120, 350, 140), fill=(34, 197, 94))


def _copier(d, c):
    d.rectangle((130, 60, 350, 100), fill=c, outline=DARK, width=3)
    d.rectangle((140, 100, 340, 280), fill=c, outline=DARK, width=3)
    for top in (150, 200, 240):
        d.rectangle((160, top, 320, top + 30), outline=DARK, width=2)
    d.rectangle((300, 70, 340, 90), fill=SCREEN)


def _projector(d, c):
    d.rounded_rectangle((120, 140, 360, 230), 16, fill=c, outline=DARK, width=3)
    d.ellipse((140, 155, 210, 215), fill=DARK)
    d.ellipse((155, 170, 195, 200), fill=(147, 197, 253))
    d.polygon(((210, 170), (470, 60), (470, 300)), fill=(254, 249, 195))


def _air_conditioner(d, c):
    d.rounded_rectangle((80, 90, 400, 180), 20, fill=c, outline=DARK, width=3)
    for y in (150, 162):
        d.line((110, y, 370, y), fill=DARK, width=2)
    d.ellipse((360, 105, 375, 120), fill=(34, 197, 94))
    for x in (150, 240, 330):
        d.arc((x - 20, 190, x + 20, 250), 200, 340, fill=(59, 130, 246), width=4)


def _television(d, c):
    d.rectangle((70, 50, 410, 240), fill=c, outline=DARK, width=6)
    d.rectangle((84, 64, 396, 226), fill=SCREEN)
    d.polygon(((200, 240), (280, 240), (300, 275), (180, 275)), fill=DARK)


def _table(d, c):
    d.ellipse((90, 110, 390, 170), fill=c, outline=DARK, width=2)
    d.rectangle((130, 145, 145, 270), fill=c)
    d.rectangle((335, 145, 350, 270), fill=c)


DRAW = {"desk": _desk, "chair": _chair, "cabinet": _cabinet, "sofa": _sofa, "computer": _computer,
        "laptop": _laptop, "printer": _printer, "copier": _copier, "projector": _projector,
        "air_conditioner": _air_conditioner, "television": _television, "table": _table}


def picture(kind: str, colour: tuple[int, int, int], label: str) -> bytes:
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    DRAW[kind](draw, colour)
    if FONT.exists():
        font = ImageFont.truetype(str(FONT), 30)
        width = draw.textlength(label, font=font)
        draw.text(((SIZE[0] - width) / 2, 305), label, fill=DARK, font=font)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def store(kind: str, colour: tuple[int, int, int], label: str) -> dict:
    """Draw and store one picture; returns the fields an ``Attachment`` row pointing at it needs."""
    data = picture(kind, colour, label)
    digest = hashlib.sha256(data).hexdigest()
    name = f"attachments/warehouse-demo/{kind}-{digest[:12]}.png"
    if not default_storage.exists(name):  # the same picture from an earlier seed
        name = default_storage.save(name, ContentFile(data))
    return {"file": name, "original_name": f"{label}.png", "size": len(data), "mime_type": "image/png",
            "sha256": digest}
