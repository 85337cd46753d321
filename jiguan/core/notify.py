"""Notifications: every message lands in the in-app inbox; SMS and e-mail copies go out through the
channel classes named in ``settings.NOTIFY_CHANNELS`` (a gateway of the province's choosing).

A channel class is built with its channel name and has ``deliver(address, message)``. External copies
are sent only after the transaction commits, so a rolled-back action never texts anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .crypto import mask_phone
from .models import Account, Notification

logger = logging.getLogger(__name__)

INBOX = "inbox"


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    link: str = ""
    category: str = ""


class LoggingChannel:
    """Writes each copy to the log instead of sending it: development, tests, intranets without a gateway."""

    sent: ClassVar[list[tuple[str, str, Message]]] = []  # the latest (channel, address, message), for tests
    KEEP = 200  # it is also the default gateway of a long-running server: never grow without bound

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def deliver(self, address: str, message: Message) -> None:
        shown = mask_phone(address) if self.channel == "sms" else address
        logger.info("notify %s to %s: %s", self.channel, shown, message.title)
        LoggingChannel.sent.append((self.channel, address, message))
        del LoggingChannel.sent[: -self.KEEP]


def mobile_phone(account: Account) -> str:
    """The person's mobile number, decrypted from the database for this one use."""
    return account.person.phone if account.person_id else ""


def email_address(account: Account) -> str:
    return getattr(account, account.get_email_field_name(), "") or ""


def username(account: Account) -> str:
    return account.get_username()


# How each channel reaches an account; a channel added by a deployment (e.g. a messaging app) gets the username.
ADDRESS_OF = {"sms": mobile_phone, "email": email_address}


def send(
    recipients: Iterable[Account | None], title: str, body: str = "", link: str = "", category: str = "",
    channels: Iterable[str] = (INBOX,),
) -> list[Notification]:
    """Notify each active account once; returns the inbox rows created."""
    people = list({a.pk: a for a in recipients if a is not None and a.is_active}.values())
    message = Message(title=str(title)[:200], body=str(body), link=link[:255], category=category[:40])
    channels = list(channels)
    for name in channels:
        if name != INBOX and name not in settings.NOTIFY_CHANNELS:
            raise ValueError(f"notification channel {name!r} is not configured in NOTIFY_CHANNELS")
    created = []
    if INBOX in channels:
        created = Notification.objects.bulk_create(
            Notification(recipient=a, title=message.title, body=message.body, link=message.link,
                         category=message.category)
            for a in people
        )
    for name in channels:
        if name != INBOX:
            _queue_external(name, people, message)
    return created


def _queue_external(name: str, people: list[Account], message: Message) -> None:
    """Gateways are slow and may be down: the worker sends the copies, after the action has committed."""
    from .tasks import deliver_notification

    ids = [a.pk for a in people]
    transaction.on_commit(
        lambda: deliver_notification.enqueue(name, ids, message.title, message.body, message.link, message.category)
    )


def deliver_external(name: str, account_ids: list[int], message: Message) -> int:
    channel = import_string(settings.NOTIFY_CHANNELS[name])(name)
    address_of = ADDRESS_OF.get(name, username)
    sent = 0
    for account in Account.objects.filter(pk__in=account_ids, is_active=True).select_related("person"):
        address = address_of(account)
        if not address:
            continue
        try:
            channel.deliver(address, message)
            sent += 1
        except Exception:  # a gateway failure must not stop the other copies
            logger.exception("notification over %s failed", name)
    return sent


def link_to(url_name: str, *args) -> str:
    """The URL of a portal page, or "" when that portal is not installed (the inbox row still helps)."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
