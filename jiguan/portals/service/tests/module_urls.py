"""A stand-in business module with one service page, and a URLconf that mounts it as the portal does
(the real URLconf is built once, before a test can register a module)."""

from django.http import HttpResponse
from django.urls import include, path

from jiguan.core.registry import MenuItem, ModuleSpec
from jiguan.portals.service import urls as service_urls

app_name = "zz_demo"
MODULE = ModuleSpec(
    code="zz_demo", name="演示业务", service_urls=__name__,
    service_menu=(MenuItem("演示服务", "service:zz_demo:hello", "star"),),
)


def hello(request):
    return HttpResponse(f"hello {request.user.username}")


urlpatterns = [path("hello/", hello, name="hello")]

ROOT_URLCONF_PATTERNS = [
    path("accounts/", include("jiguan.core.urls")),
    path("manage/", include("jiguan.portals.manage.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("service/", include((service_urls.urlpatterns + service_urls.module_urlpatterns([MODULE]), "service"))),
]
