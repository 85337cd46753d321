"""The installable app: manifest, service worker, offline page and the icons they name."""

import json
import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from jiguan.portals.service.icons import ICON_FILES, png, svg

ICON_DIR = Path(__file__).resolve().parents[1] / "static" / "service" / "icons"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.django_db
def test_the_manifest_is_served_without_a_login_with_its_content_type(client):
    response = client.get(reverse("service:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "机关事务服务"
    assert manifest["start_url"] == manifest["scope"] == "/service/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])


@pytest.mark.django_db
def test_every_icon_in_the_manifest_is_a_png_of_the_stated_size(client):
    manifest = json.loads(client.get(reverse("service:manifest")).content)
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            width, height = png_size(Path(path).read_bytes())
            assert f"{width}x{height}" == icon["sizes"]


@pytest.mark.django_db
def test_the_service_worker_is_javascript_scoped_to_the_portal_and_caches_the_offline_page(client):
    response = client.get("/service/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == reverse("service:offline")
    assert config["offline"] in config["shell"]
    assert all(url.startswith("/") for url in config["shell"])  # nothing from outside: no CDN


@pytest.mark.django_db
def test_the_offline_page_needs_no_login_and_holds_no_personal_data(client):
    response = client.get(reverse("service:offline"))
    assert response.status_code == 200
    assert "网络" in response.content.decode()


def test_pages_link_the_manifest_theme_colour_and_apple_touch_icon(staff_client):
    html = staff_client.get(reverse("service:home")).content.decode()
    manifest = json.loads(staff_client.get(reverse("service:manifest")).content)
    assert f'<link rel="manifest" href="{reverse("service:manifest")}">' in html
    assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in html
    assert 'rel="apple-touch-icon"' in html
    assert "http://" not in html and "https://" not in html  # every asset is served locally


def test_the_shipped_icons_are_what_the_drawing_code_makes():
    assert (ICON_DIR / "icon.svg").read_text(encoding="utf-8") == svg()
    for name, (size, _maskable) in ICON_FILES.items():
        assert png_size((ICON_DIR / name).read_bytes()) == (size, size), name


def test_the_drawing_is_a_blue_square_with_a_white_building():
    size = 64
    data = png(size)
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
    stride = size * 4 + 1  # a filter byte, then RGBA pixels

    def pixel(x, y):
        return raw[y * stride + 1 + x * 4:y * stride + 1 + x * 4 + 4]

    assert pixel(0, 0) == bytes((0, 0, 0, 0))  # the rounded corner is transparent
    assert pixel(8, 36) == bytes((6, 111, 209, 255))  # the background, left of the building
    assert pixel(18, 36) == bytes((255, 255, 255, 255))  # the first column
