"""Starting a registered periodic job by hand (the worker runs it)."""

from django.http import Http404

from .. import audit
from ..jobs import PeriodicJob, registered_jobs
from .base import require

MANAGE_JOBS = "core.manage_jobs"


def start_job(user, name: str) -> PeriodicJob:
    """Queue the job ``name`` for the worker. Only registered jobs exist: any other name is a 404."""
    require(user, MANAGE_JOBS)
    job = registered_jobs().get(name)
    if job is None:
        raise Http404
    from ..tasks import run_job_now

    audit.log_job_started(name, str(job.label))
    run_job_now.enqueue(name, user.pk)
    return job
