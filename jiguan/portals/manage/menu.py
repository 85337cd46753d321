"""The sidebar, built from the registry: each spec's ``manage_menu`` filtered by the user's permissions
and, for business modules, by their enablement in the user's region."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.registry import MenuItem, registry
from jiguan.core.scoping import has_permission

HOME = MenuItem(_("Home"), "manage:home", "home")


@dataclass
class MenuEntry:
    label: str
    url: str
    icon: str
    active: bool = False
    children: list[MenuEntry] = field(default_factory=list)


@dataclass
class MenuSection:
    title: str  # empty for the platform's own entries
    entries: list[MenuEntry]


def build_menu(user, current_path: str = "") -> list[MenuSection]:
    from jiguan.core.services.modules import enabled_modules

    enabled = {spec.code for spec in enabled_modules(user)}
    sections = [MenuSection("", [_entry(HOME, user, current_path)])]
    for spec in registry:
        if not spec.core and spec.code not in enabled:
            continue
        entries = [e for e in (_entry(item, user, current_path) for item in spec.manage_menu) if e]
        if not entries:
            continue
        if spec.core:
            sections[0].entries += entries
        else:
            sections.append(MenuSection(str(spec.name), entries))
    return sections


def _entry(item: MenuItem, user, current_path: str) -> MenuEntry | None:
    if item.permission and not has_permission(user, item.permission):
        return None
    children = [c for c in (_entry(child, user, current_path) for child in item.children) if c]
    if item.children and not children:
        return None  # a group none of whose pages the user may open
    url = reverse(item.url_name)
    return MenuEntry(
        label=str(item.label),
        url=url,
        icon=item.icon,
        active=any(c.active for c in children) if children else _is_current(url, current_path),
        children=children,
    )


def _is_current(url: str, path: str) -> bool:
    # A page's sub-pages live under its URL (/manage/units/5/edit/); home matches only itself.
    return path == url or (url != reverse(HOME.url_name) and path.startswith(url))
