"""Verify the SM3 hash chains of the change, login and access logs; exit 1 on any problem."""

import sys

from django.core.management.base import BaseCommand

from jiguan.core.audit import CHAINS, verify_chains


class Command(BaseCommand):
    help = "Find any audit record altered, inserted or deleted outside the platform."

    def handle(self, *args, **options):
        problems = verify_chains()
        counts = ", ".join(f"{m._meta.label}: {m.objects.count()}" for m in CHAINS)
        if not problems:
            self.stdout.write(f"OK — audit chains intact ({counts})")
            return
        for problem in problems:
            self.stderr.write(str(problem))
        self.stderr.write(f"{len(problems)} problem(s) found ({counts})")
        sys.exit(1)
