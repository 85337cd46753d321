"""The big screen (大屏) at /screen/: full-screen pages outside the portals, for a signed-in user or a
kiosk holding a display token."""

from .views.screen import screen_urlpatterns as urlpatterns  # noqa: F401
