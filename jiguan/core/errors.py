"""Service errors. Views and the API turn them into the one error shape (Chinese message, field at fault)."""

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A use case refused: ``message`` is for the user; ``field`` names the input at fault, if any."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(ServiceError):
    code = "validation_error"

    def __init__(self, errors: dict[str, list[str]] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "__all__": [errors]}
        self.errors = errors
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=None if first_field == "__all__" else first_field)


class StateError(ServiceError):
    status = 409
    code = "invalid_state"


class Conflict(ServiceError):
    """Someone else got there first (the other side of a race)."""

    status = 409
    code = "conflict"


class NotAllowed(PermissionDenied):
    """The user lacks the permission. Out-of-scope objects answer 404 instead (see services.base)."""
