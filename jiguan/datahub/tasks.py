"""Background tasks of the data center (Django Tasks API; run at once in tests). Arguments are ids only."""

from django_tasks import task


@task()
def run_ingestion(run_id: int) -> str:
    """Take a queued ingestion run through the pipeline; returns the state it ended in."""
    from .services.runs import execute

    return execute(run_id)
