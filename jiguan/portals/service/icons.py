"""The service portal's app icon, drawn in pure Python (no imaging library is installed).

A white government building (pediment, beam, four columns, steps) on the Tabler primary blue.
``png(size, maskable=False)`` returns PNG bytes; the ``make_service_icons`` command writes the set
shipped in ``static/service/icons/``. Shapes are in a unit square and rasterised with 4×4
supersampling, so edges are anti-aliased at every size.
"""

import struct
import zlib

THEME_COLOR = "#066fd1"  # Tabler's --tblr-primary: the icon's background and the manifest's theme_color
BLUE = tuple(bytes.fromhex(THEME_COLOR[1:]))
WHITE = (255, 255, 255)
SAMPLES = 4
CORNER_RADIUS = 0.2  # of the side, for the rounded-square "any" icons

# Building in the unit square: (x0, y0, x1, y1) rectangles, and the pediment triangle.
RECTANGLES = (
    (0.22, 0.385, 0.78, 0.435),  # beam
    (0.265, 0.465, 0.335, 0.695),  # columns
    (0.395, 0.465, 0.465, 0.695),
    (0.535, 0.465, 0.605, 0.695),
    (0.665, 0.465, 0.735, 0.695),
    (0.20, 0.715, 0.80, 0.760),  # base
    (0.16, 0.785, 0.84, 0.830),  # step
)
PEDIMENT = ((0.5, 0.17), (0.18, 0.36), (0.82, 0.36))
MASKABLE_SCALE = 0.72  # keeps the building inside the maskable safe zone (central 80 % circle)

# The same drawing as SVG, for browsers that take a vector icon.
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="{r}" fill="{blue}"/>
<g fill="#fff"><polygon points="{pediment}"/>{rects}</g>
</svg>
"""


def svg() -> str:
    rects = "".join(
        f'<rect x="{x0 * 100:g}" y="{y0 * 100:g}" width="{(x1 - x0) * 100:g}" height="{(y1 - y0) * 100:g}"/>'
        for x0, y0, x1, y1 in RECTANGLES
    )
    pediment = " ".join(f"{x * 100:g},{y * 100:g}" for x, y in PEDIMENT)
    return SVG.format(r=CORNER_RADIUS * 100, blue=THEME_COLOR, pediment=pediment, rects=rects)


def _in_triangle(x: float, y: float) -> bool:
    (ax, ay), (bx, by), (cx, cy) = PEDIMENT
    d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
    d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy)
    d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay)
    negative, positive = d1 < 0 or d2 < 0 or d3 < 0, d1 > 0 or d2 > 0 or d3 > 0
    return not (negative and positive)


def _in_building(x: float, y: float) -> bool:
    return any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in RECTANGLES) or _in_triangle(x, y)


def _in_rounded_square(x: float, y: float) -> bool:
    r = CORNER_RADIUS
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)  # nearest point of the inner square
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _pixel(px: int, py: int, size: int, maskable: bool) -> tuple[int, int, int, int]:
    scale = MASKABLE_SCALE if maskable else 1.0
    background = building = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) / size
            y = (py + (sy + 0.5) / SAMPLES) / size
            if not maskable and not _in_rounded_square(x, y):
                continue
            background += 1
            building += _in_building(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale)
    if not background:
        return (0, 0, 0, 0)
    share = building / background
    rgb = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE, strict=True))
    return (*rgb, round(255 * background / SAMPLES**2))


def png(size: int, maskable: bool = False) -> bytes:
    """An RGBA PNG of the icon, ``size`` pixels square; ``maskable`` fills the square edge to edge."""
    rows = b"".join(
        b"\x00" + bytes(channel for px in range(size) for channel in _pixel(px, py, size, maskable))
        for py in range(size)
    )
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)),
            _chunk(b"IDAT", zlib.compress(rows, 9)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# File name → (size, maskable): every icon the manifest and the page heads refer to.
ICON_FILES = {
    "icon-32.png": (32, False),
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself and dislikes transparency
}
