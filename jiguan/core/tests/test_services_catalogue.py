"""Every message the kernel services can show has its Chinese translation (the UI speaks Chinese first)."""

import ast
from pathlib import Path

from django.utils import translation

SOURCES = [*sorted((Path(__file__).parents[1] / "services").glob("*.py")), Path(__file__).parents[1] / "notify.py"]
OWNED_ELSEWHERE = {"auth.py", "base.py"}  # the authentication helper's and the lead's own catalogues


def messages():
    for path in SOURCES:
        if path.name in OWNED_ELSEWHERE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id in ("_", "gettext", "gettext_lazy") and literals:
                yield path.name, None, literals[0]
            elif node.func.id in ("pgettext", "pgettext_lazy") and len(literals) == 2:
                yield path.name, literals[0], literals[1]


def test_every_service_message_is_translated():
    with translation.override("zh-hans"):
        untranslated = [
            (name, context, msgid) for name, context, msgid in messages()
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) == msgid
        ]
    assert untranslated == []
    assert sum(1 for _ in messages()) > 150
