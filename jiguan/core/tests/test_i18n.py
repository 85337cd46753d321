"""Chinese first: every message marked for translation in code and templates has a zh-Hans translation."""

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
PY_CALL = re.compile(r"""\b(?:_|gettext|gettext_lazy|gettext_noop|pgettext_lazy|pgettext)\(\s*(?:"[^"]*",\s*)?"((?:[^"\\]|\\.)+)"\s*[,)]""")
TPL_TRANS = re.compile(r"""\{%\s*(?:translate|trans)\s+"((?:[^"\\]|\\.)+)"(?:\s+[^%]*)?%\}""")
TPL_BLOCK = re.compile(r"\{%\s*blocktrans(?:late)?\b([^%]*)%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
TPL_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def _sources(pattern: str):
    for path in ROOT.rglob(pattern):
        parts = set(path.parts)
        if {"tests", "migrations"} & parts or path.name == "conftest.py":
            continue
        yield path


def _block_msgid(options: str, body: str) -> str | None:
    if "count" in options or "plural" in body:
        return None  # plural forms: checked by hand
    msgid = TPL_VAR.sub(lambda m: f"%({m.group(1)})s", body)
    if "trimmed" in options:
        msgid = " ".join(line.strip() for line in msgid.strip().splitlines() if line.strip())
    return msgid


def marked_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _sources("*.py"):
        for msgid in PY_CALL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(msgid.encode().decode("unicode_escape") if "\\" in msgid else msgid, str(path))
    for path in _sources("*.html"):
        text = path.read_text(encoding="utf-8")
        for msgid in TPL_TRANS.findall(text):
            found.setdefault(msgid, str(path))
        for options, body in TPL_BLOCK.findall(text):
            msgid = _block_msgid(options, body)
            if msgid:
                found.setdefault(msgid, str(path))
    return found


def test_every_marked_message_has_a_chinese_translation():
    catalog = trans_real.translation("zh-hans")._catalog
    with translation.override("zh-hans"):
        missing = {
            msgid: where for msgid, where in marked_messages().items()
            if re.search("[A-Za-z]", msgid) and catalog.get(msgid) is None
        }
    report = "\n".join(f"{where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda kv: kv[1]))
    assert not missing, f"{len(missing)} message(s) without a zh-Hans translation:\n{report}"
