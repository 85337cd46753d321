"""Module registry: what each module (and the kernel itself) brings to the platform.

Portals, the API, the monitor and the datahub find modules only through ``registry``; a module
registers its ``ModuleSpec`` in ``AppConfig.ready()``. Removing a module from INSTALLED_APPS removes
its spec and nothing else breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.functional import Promise

Text = str | Promise  # a plain or lazily translated string


@dataclass(frozen=True)
class MenuItem:
    label: Text
    url_name: str
    icon: str = "circle"
    permission: str | None = None  # shown only to holders of this permission
    children: tuple[MenuItem, ...] = ()


@dataclass(frozen=True)
class Permission:
    code: str  # "<module>.<action>", e.g. "core.manage_units"
    label: Text
    # Used only in the service portal (bidding, say): holding it alone opens no door to the management portal.
    service_only: bool = False


@dataclass(frozen=True)
class EventType:
    code: str
    label: Text
    sla_hours: int | None = None  # default time to resolve


@dataclass(frozen=True)
class ApprovalType:
    """A business type that goes through approval flows; callbacks receive the ApprovalRequest."""

    code: str
    label: Text
    on_approved: Callable | None = None
    on_rejected: Callable | None = None
    on_returned: Callable | None = None
    on_resubmitted: Callable | None = None  # the applicant sent a returned request back into the flow
    on_withdrawn: Callable | None = None


@dataclass(frozen=True)
class KPI:
    code: str
    label: Text
    unit: Text
    compute: Callable  # (region, unit) -> number
    # Optionally the same figure for many agencies in one grouped query, ``(agency ids) -> {id: value}``: the
    # hourly pass covers every agency of a province, thousands of them, rather than querying each in turn.
    per_agency: Callable | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    label: Text
    evaluate: Callable  # () -> iterable of offending objects
    # Event types the module itself opens about the same objects (an overdue loan's own event): the monitor
    # links an alert to such an open event instead of opening a second work item for one problem.
    work_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    code: str
    label: Text
    model: str  # "app_label.ModelName"
    sensitivity: str = "internal"  # public · internal · personal (rows name people)


@dataclass(frozen=True)
class OwnRequest:
    """One of a staff member's requests that a module keeps in its own workflow (a housing application, an
    office adjustment), as the service portal lists it under "my applications" beside the approval requests."""

    title: str
    state: str  # the state as the user reads it
    colour: str  # Tabler colour of the state's badge
    at: datetime
    url: str

    @classmethod
    def of(cls, request, title: str, url: str) -> OwnRequest:
        """A request kept as a row with a ``state`` choice field, ``state_color`` and ``created_at``."""
        return cls(title=title, state=request.get_state_display(), colour=request.state_color,
                   at=request.created_at, url=url)


@dataclass(frozen=True, eq=False)
class ModuleSpec:
    code: str
    name: Text
    description: Text = ""
    icon: str = "box"
    core: bool = False  # kernel features cannot be disabled per region
    default_enabled: bool = True
    permissions: tuple[Permission, ...] = ()
    manage_menu: tuple[MenuItem, ...] = ()
    service_menu: tuple[MenuItem, ...] = ()  # tiles on the service portal home
    event_types: tuple[EventType, ...] = ()
    approval_types: tuple[ApprovalType, ...] = ()
    kpis: tuple[KPI, ...] = ()
    rules: tuple[Rule, ...] = ()
    datasets: tuple[Dataset, ...] = ()
    manage_urls: str | None = None  # dotted path of a urls module mounted at /manage/<code>/
    service_urls: str | None = None  # mounted at /service/<code>/
    api_router: str | None = None  # dotted path "pkg.api.router", mounted at /api/v1/<code>/
    # Dotted path of ``seed_demo(scale: str, rng: random.Random, progress) -> str`` filling the module's
    # demo data after the kernel's (units, people, accounts exist); returns a one-line summary.
    demo_seeder: str | None = None
    # Dotted path of ``own_requests(user) -> list[OwnRequest]``: the staff member's requests the module keeps.
    own_requests: str | None = None
    # Permissions this module adds to the built-in roles: {"unit_admin": ("housing.view", ...)}
    role_grants: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, ModuleSpec] = {}

    def register(self, spec: ModuleSpec) -> ModuleSpec:
        existing = self._specs.get(spec.code)
        if existing is not None and existing is not spec:
            raise ValueError(f"module code {spec.code!r} is registered twice")
        self._specs[spec.code] = spec
        return spec

    def unregister(self, code: str) -> None:
        self._specs.pop(code, None)

    def __iter__(self) -> Iterator[ModuleSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (not s.core, s.code)))

    def get(self, code: str) -> ModuleSpec | None:
        return self._specs.get(code)

    def business_modules(self) -> list[ModuleSpec]:
        return [s for s in self if not s.core]

    def permissions(self) -> dict[str, Permission]:
        return {p.code: p for s in self for p in s.permissions}

    def event_type(self, code: str) -> EventType | None:
        return next((t for s in self for t in s.event_types if t.code == code), None)

    def approval_type(self, code: str) -> ApprovalType | None:
        return next((t for s in self for t in s.approval_types if t.code == code), None)


registry = Registry()
