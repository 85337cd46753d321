"""What makes the service portal an installable app: the web app manifest, the service worker (served
from /service/ so its scope is the whole portal) and the page it shows when the network is gone.
None of them needs a login: browsers fetch the manifest without cookies."""

import hashlib
import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .icons import ICON_FILES, THEME_COLOR

BACKGROUND_COLOR = "#ffffff"

# Precached on install so the offline page looks like the app. Pages themselves are never cached:
# they hold personal data, and the phone may be shared.
SHELL_ASSETS = (
    "vendor/tabler/css/tabler.min.css",
    "vendor/tabler/js/tabler.min.js",
    "vendor/tabler-icons/tabler-icons.min.css",
    "vendor/tabler-icons/fonts/tabler-icons.woff2",
    "vendor/htmx/htmx.min.js",
    "service/service.css",
    "service/service.js",
    "service/icons/icon.svg",
    "service/icons/icon-192.png",
)


@require_GET
def manifest(request):
    icons = [
        {"src": static(f"service/icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
         "purpose": "maskable" if maskable else "any"}
        for name, (size, maskable) in ICON_FILES.items()
    ]
    icons.append({"src": static("service/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"})
    home = reverse("service:home")
    body = {
        "id": home,
        "name": _("Government Offices Services"),
        "short_name": _("Offices Services"),
        "description": _("Applications, to-dos, messages and services for government office staff."),
        "lang": request.LANGUAGE_CODE,
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def service_worker(request):
    shell = [reverse("service:offline"), *(static(asset) for asset in SHELL_ASSETS)]
    # A new cache whenever an asset URL changes (in production static URLs carry a content hash).
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    config = {"cache": f"jiguan-service-{version}", "offline": shell[0], "shell": shell, "static": settings.STATIC_URL}
    response = render(
        request, "service/sw.js", {"config": json.dumps(config)}, content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"  # browsers must see a new worker as soon as it is deployed
    return response


@require_GET
def offline(request):
    return render(request, "service/offline.html")
