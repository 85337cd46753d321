"""``manage.py seed --scale demo|province [--if-empty]``: fill an empty database with demo data."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiguan.core.demo.org import SCALES
from jiguan.core.demo.progress import ProgressBar
from jiguan.core.demo.seeding import seed
from jiguan.core.models import OrgUnit
from jiguan.core.registry import registry


class Command(BaseCommand):
    help = (
        "Load demo data into an empty database: Jiangxi's agencies, departments and staff, the demo accounts, "
        "notices and events. demo ≈ 800 agencies and 7,000 people (under a minute); province ≥ 3,000 agencies "
        "and 200,000 people (a few minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo", help="How much data (default: demo).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database already has units (for make run)."
        )
        parser.add_argument(
            "--modules", default=None, metavar="CODE,…",
            help="Only these modules' demo data on top of the kernel's, e.g. housing,monitor (default: every module).",
        )

    def handle(self, *args, scale: str, if_empty: bool, modules: str | None = None, **options):
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError(
                "演示数据含有公开密码的账号,只能在演示或调试模式下导入(JIGUAN_DEMO=1)。"
                " The demo accounts have a published password: seed runs only with JIGUAN_DEMO=1 or DEBUG=1."
            )
        chosen = self._modules(modules)
        existing = OrgUnit.objects.count()
        if existing and if_empty:
            self.stdout.write(f"数据库已有 {existing} 个单位,跳过演示数据。 The database has units: seed skipped.")
            return
        if existing:
            raise CommandError(
                f"数据库已有 {existing} 个单位,演示数据只能导入空库;如需跳过请加 --if-empty。"
                f" The database already has {existing} units: seed only fills an empty database (--if-empty skips)."
            )
        started = time.monotonic()
        summary = seed(scale, self._progress, chosen)
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已生成 Seeded ({scale}): {summary.agencies} 个单位 agencies, {summary.departments} 个内设机构 "
            f"departments, {summary.people} 名人员 people, {summary.accounts} 个演示账号 demo accounts "
            f"in {time.monotonic() - started:.0f}s."
        ))
        for line in summary.modules:
            self.stdout.write(f"  {line}")

    @staticmethod
    def _modules(codes: str | None) -> set[str] | None:
        if codes is None:
            return None
        chosen = {code.strip() for code in codes.split(",") if code.strip()}
        known = {spec.code for spec in registry if spec.demo_seeder}
        if unknown := chosen - known:
            raise CommandError(
                f"没有这些模块的演示数据:{'、'.join(sorted(unknown))};可选:{'、'.join(sorted(known))}。"
                f" No demo data for: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}."
            )
        return chosen

    def _progress(self, label: str, total: int) -> ProgressBar:
        # The raw stream: the OutputWrapper would end every write with a newline, breaking the redraw.
        return ProgressBar(self.stderr._out, label, total)
