"""我的办公室 in the service portal: the rooms recorded for the signed-in staff member."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import services


@require_GET
def my_office(request):
    return render(request, "officespace/my_office.html", {"office": services.my_office(request.user), "tab": "home"})
