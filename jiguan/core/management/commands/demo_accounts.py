"""``manage.py demo_accounts``: the demo accounts, their roles and data scope, and where to open."""

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext

from jiguan.core.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from jiguan.core.demo.text import display_width, pad
from jiguan.core.models import Account
from jiguan.core.scoping import Scope

HEADERS = ("账号 Username", "角色 Role", "数据范围 Scope", "所在单位 Unit", "入口 Open")
SERVICE_ONLY = {"core.use_service"}


def bilingual(text) -> str:
    """``text`` (an English msgid, plain or lazy) in Chinese and English; once if they are the same."""
    chinese, english = (_translated(text, language) for language in ("zh-hans", "en"))
    return english if chinese == english else f"{chinese} {english}"


def _translated(text, language: str) -> str:
    with translation.override(language):
        return gettext(str(text))


class Command(BaseCommand):
    help = "Print the demo accounts (password Jiguan@2026): role, data scope, unit and the URL to open."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the site is served (default: %(default)s)."
        )

    def handle(self, *args, base_url: str, **options):
        base_url = base_url.rstrip("/")
        rows = [self._row(demo.username, base_url) for demo in DEMO_ACCOUNTS]
        widths = [max(display_width(line[i]) for line in [HEADERS, *rows]) for i in range(len(HEADERS))]
        self.stdout.write("演示账号 Demo accounts — 密码 password: " + DEMO_PASSWORD)
        for line in [HEADERS, ["-" * w for w in widths], *rows]:
            self.stdout.write("  ".join(pad(cell, width) for cell, width in zip(line, widths, strict=True)).rstrip())
        self.stdout.write(f"登录 Log in: {base_url}/accounts/login/")

    def _row(self, username: str, base_url: str) -> list[str]:
        account = Account.objects.filter(username=username).select_related("unit").first()
        if account is None:
            return [username, "未创建 not created (manage.py seed)", "", "", ""]
        assignments = list(account.assignments.select_related("role"))
        permissions = {p for a in assignments for p in a.role.permissions}
        portal = "/service/" if permissions <= SERVICE_ONLY else "/manage/"
        return [
            username,
            ", ".join(bilingual(a.role.name) for a in assignments),
            ", ".join(bilingual(Scope(a.role.scope).label) for a in assignments),
            account.unit.name if account.unit else "",
            base_url + portal,
        ]
