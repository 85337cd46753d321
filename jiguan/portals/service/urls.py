"""URLs of the service portal (namespace ``service``), then each business module's own service pages
at ``/service/<module code>/``, found through the registry and guarded by the portal's gate."""

from importlib import import_module

from django.urls import include, path

from jiguan.core.access import guard_urls
from jiguan.core.registry import registry

from . import pwa, views
from .access import module_page


def module_urlpatterns(specs) -> list:
    """``/<code>/`` for each module with service pages; its ``app_name``, if any, nests its namespace."""
    mounted = []
    for spec in specs:
        urlconf = import_module(spec.service_urls)
        patterns = guard_urls(urlconf.urlpatterns, module_page(spec))
        app_name = getattr(urlconf, "app_name", None)
        mounted.append(path(f"{spec.code}/", include((patterns, app_name) if app_name else patterns)))
    return mounted


app_name = "service"
urlpatterns = [
    path("", views.home, name="home"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"),
    path("todos/", views.todos, name="todos"),
    path("todos/<int:pk>/", views.todo, name="todo"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("feedback/", views.feedback_page, name="feedback"),
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/", views.event, name="event"),
    path("me/", views.profile, name="profile"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
] + module_urlpatterns(spec for spec in registry if spec.service_urls)
