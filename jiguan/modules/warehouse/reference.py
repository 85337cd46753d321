"""The GB/T 14885-2022 category tree as shipped data (data/gbt14885-2022.csv), loaded after every migrate:
codes are added or renamed to match the file; a code no longer in the file stays (cards may point at it)."""

import csv
from pathlib import Path

from django.db import transaction

from .models import AssetCategory

CATEGORIES = Path(__file__).parent / "data" / "gbt14885-2022.csv"


def sync_categories() -> int:
    rows = list(csv.DictReader(CATEGORIES.open(encoding="utf-8")))
    existing = {c.code: c for c in AssetCategory.objects.all()}
    with transaction.atomic():
        for row in sorted(rows, key=lambda r: int(r["level"])):  # parents before children
            category = existing.get(row["code"]) or AssetCategory(code=row["code"])
            parent = existing.get(row["parent_code"]) if row["parent_code"] else None
            wanted = (row["name"], parent.pk if parent else None, int(row["level"]))
            if category.pk is None or (category.name, category.parent_id, category.level) != wanted:
                category.name, category.parent, category.level = row["name"], parent, int(row["level"])
                category.save()
            existing[row["code"]] = category
    return len(rows)


BIDDER_ROLE = "warehouse_bidder"


def ensure_bidder_role() -> None:
    """The role of outside buyers (companies, individuals) the bureau registers: the service portal and bidding,
    nothing else. Made once; what the security administrator changes afterwards stays."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    from jiguan.core.models import Role
    from jiguan.core.scoping import Scope

    from .module import BID

    with translation.override(settings.LANGUAGE_CODE):  # role names are stored in the platform's language
        name = gettext("Pool bidder (outside buyer)")
    Role.objects.get_or_create(code=BIDDER_ROLE, defaults={
        "name": name, "scope": Scope.SELF, "builtin": True,
        "permissions": ["core.use_service", BID], "code_permissions": ["core.use_service", BID]})
