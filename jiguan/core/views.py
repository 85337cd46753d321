"""Pages of the kernel that belong to no portal: the health check."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_state() -> dict:
    """Can the database answer a trivial query (shared with the monitor's platform health page)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # report, never raise: this is the page that says what is wrong
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def worker_state() -> dict:
    """Is a task worker alive (recent heartbeat), and how many tasks wait (shared with the monitor)."""
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
        queued = DBTaskResult.objects.ready().count()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    alive = bool(last and timezone.now() - last < settings.WORKER_HEARTBEAT_STALE)
    return {"ok": alive, "last_seen": last.isoformat() if last else None, "queued_tasks": queued}


@never_cache
@require_GET
def healthz(request):
    database = database_state()
    worker = worker_state() if database["ok"] else {"ok": False, "error": "database unavailable"}
    healthy = database["ok"] and worker["ok"]
    body = {"status": "ok" if healthy else ("degraded" if database["ok"] else "down"),
            "database": database, "worker": worker}
    return JsonResponse(body, status=200 if database["ok"] else 503)
