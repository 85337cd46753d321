"""Chinese first: every message marked for translation in code and templates has a zh-Hans translation."""

import ast
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PGETTEXT_CALLS = {"pgettext", "pgettext_lazy"}
CONTEXT_SEPARATOR = "\x04"  # how gettext catalogues key a message with a context
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
    # Django doubles a literal "%" of a block (the catalogue is looked up with "%%").
    msgid = TPL_VAR.sub(lambda m: f"%({m.group(1)})s", body.replace("%", "%%"))
    if "trimmed" in options:
        msgid = " ".join(line.strip() for line in msgid.strip().splitlines() if line.strip())
    return msgid


def _python_messages(path: Path):
    """The literal messages of gettext calls, read from the syntax tree: a message split over lines (implicit
    concatenation) is one constant there, as it is for gettext."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if name in GETTEXT_CALLS and texts[:1] and texts[0]:
            yield texts[0]
        elif name in PGETTEXT_CALLS and len(texts) >= 2 and texts[0] and texts[1]:
            yield f"{texts[0]}{CONTEXT_SEPARATOR}{texts[1]}"


def marked_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _sources("*.py"):
        for msgid in _python_messages(path):
            found.setdefault(msgid, str(path))
    for path in _sources("*.html"):
        text = path.read_text(encoding="utf-8")
        for msgid in TPL_TRANS.findall(text):  # Django looks a literal "%" up doubled, as in blocks
            found.setdefault(msgid.replace("%", "%%"), str(path))
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


PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|\{\w*\}")


def test_translations_keep_every_placeholder():
    import polib

    broken = []
    for po_path in ROOT.rglob("LC_MESSAGES/*.po"):
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
                broken.append(f"{po_path.relative_to(ROOT)}: {entry.msgid!r} → {entry.msgstr!r}")
    assert not broken, "\n".join(broken)


def test_no_message_is_translated_two_ways():
    """Catalogues merge and the first one wins: a second, different translation of the same message
    would silently change text elsewhere (e.g. a kernel refusal worded by a module)."""
    import polib

    seen: dict[tuple, tuple[str, str]] = {}
    clashes = []
    for po_path in sorted(ROOT.rglob("LC_MESSAGES/*.po")):
        for entry in polib.pofile(str(po_path)):
            key = (entry.msgctxt, entry.msgid)
            if key in seen and entry.msgstr and seen[key][1] != entry.msgstr:
                clashes.append(f"{entry.msgid!r}: {seen[key][0]} {seen[key][1]!r} ≠ {po_path.parent.parent.parent.name} "
                               f"{entry.msgstr!r}")
            seen.setdefault(key, (po_path.parent.parent.parent.name, entry.msgstr))
    assert not clashes, "\n".join(clashes)


def test_whole_numbers_are_grouped_like_decimals_in_chinese():
    """Django's zh_Hans formats have no thousands separator: 2023978 stayed ungrouped beside 24,246.28."""
    from decimal import Decimal

    from django.template import Context, Template

    template = Template('{% load humanize %}{{ whole|intcomma }} {{ amount|floatformat:"-2"|intcomma }} {{ plain }}')
    with translation.override("zh-hans"):
        rendered = template.render(Context({"whole": 2023978, "amount": Decimal("24246.28"), "plain": 1548}))
    assert rendered == "2,023,978 24,246.28 1548"  # grouping only where a template asks for it
