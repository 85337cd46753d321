"""A business module's management pages, for the mounting tests."""

from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse(b"fake module index")


urlpatterns = [path("", index, name="index")]
