"""The demo seed settles the inboxes its modules filled: a file of its own, as ``test_seed.py`` shares one
seeded database across its tests and this one seeds its own."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from jiguan.core.demo import seeding
from jiguan.core.demo.activity import INBOX_UNREAD
from jiguan.core.models import Account, Notification
from jiguan.core.testing import FAST_HASHERS


@pytest.mark.django_db
@override_settings(DEMO=True, PASSWORD_HASHERS=FAST_HASHERS)
def test_the_seed_leaves_no_inbox_with_more_than_a_screen_of_unread_notifications(monkeypatch):
    def receipts_of_module_activity(scale_name, rng, progress, only=None):
        province = Account.objects.get(username="jx_admin")
        for n in range(INBOX_UNREAD + 5):
            Notification.objects.create(recipient=province, title=f"回执{n}")
        return ()

    monkeypatch.setattr(seeding, "seed_modules", receipts_of_module_activity)
    call_command("seed", scale="demo", stdout=StringIO(), stderr=StringIO())
    inbox = Notification.objects.filter(recipient__username="jx_admin")
    assert inbox.filter(read_at__isnull=True).count() == INBOX_UNREAD
    assert sorted(inbox.filter(read_at__isnull=True, title__startswith="回执").values_list("title", flat=True)) == \
        sorted(f"回执{n}" for n in range(5, INBOX_UNREAD + 5))  # the newest stay unread
