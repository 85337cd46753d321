"""Background work through Django's Tasks API: queued in the database and run by ``manage.py worker``
(at once in tests). Arguments are ids and plain values — never personal data, which would then sit in
the queue table unencrypted."""

from django_tasks import task


@task()
def deliver_notification(channel: str, account_ids: list[int], title: str, body: str, link: str, category: str) -> int:
    """Send one message over an external channel (SMS, e-mail) to each account; returns how many went."""
    from .notify import Message, deliver_external

    return deliver_external(channel, account_ids, Message(title=title, body=body, link=link, category=category))


@task()
def run_job_now(name: str, actor_id: int | None = None) -> str:
    """A registered periodic job started by hand from the management portal."""
    from .jobs import run_job
    from .models import Account

    return run_job(name, actor=Account.objects.filter(pk=actor_id).first())
