"""The 2014 area standard as shipped data (data/standards-2014.json), loaded after every migrate.
Only the national rows (region empty) are kept in step; a province's own rows are its business."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from jiguan.core.models import Rank

from .models import AreaStandard

STANDARDS = Path(__file__).parent / "data" / "standards-2014.json"


def sync_standards() -> int:
    table = json.loads(STANDARDS.read_text(encoding="utf-8"))
    ranks = {(r.level, r.code): r for r in Rank.objects.all()}
    count = 0
    with transaction.atomic():
        for level, areas in table["levels"].items():
            for code, area in areas.items():
                AreaStandard.objects.update_or_create(
                    rank=ranks[(level, code)], region=None,
                    defaults={"area": Decimal(str(area)), "source": table["source"][:200]},
                )
                count += 1
    return count
