"""Names of registry codes (business types needing approval, event types) for choices and display."""

from jiguan.core.registry import registry


def approval_type_choices() -> list[tuple[str, str]]:
    return [(t.code, str(t.label)) for spec in registry for t in spec.approval_types]


def approval_type_label(code: str) -> str:
    approval_type = registry.approval_type(code)
    return str(approval_type.label) if approval_type else code  # a module since removed: show its code


def event_type_choices() -> list[tuple[str, str]]:
    return [(t.code, str(t.label)) for spec in registry for t in spec.event_types]


def event_type_label(code: str) -> str:
    event_type = registry.event_type(code)
    return str(event_type.label) if event_type else code
