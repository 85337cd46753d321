"""A response path for the busiest lists: the handler's plain-dict output is validated against the
operation's declared response schema and written as JSON in one pass of pydantic-core.

ninja's own path validates the output through per-object Python getters into model instances, dumps those
back to Python objects and encodes them with the ``json`` module. Here the declared schema is validated
through its *dict twin* — the same fields, types and constraints as ``TypedDict`` s, so no model instance
is built — and dumped straight to JSON. The contract is unchanged: the operation keeps its ``response=``
schema (and so its OpenAPI document), and every response is still validated against it before it is
written. Only the JSON text differs: spacing, Chinese written as UTF-8 instead of ``\\u`` escapes, and
datetimes keep their microseconds (ninja's encoder cuts them to milliseconds).
"""

from __future__ import annotations

import inspect
import types
from functools import cache, wraps
from typing import Annotated, Literal, Union, get_args, get_origin

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

CONTENT_TYPE = "application/json; charset=utf-8"  # what ninja's renderer sends
# ninja's Schema wraps validation to read objects through getters; on a dict it changes nothing.
NINJA_GETTER_VALIDATOR = "_run_root_validator"


def validated_once(view_func):
    """Decorate a handler (under ``@router.get(..., response=...)``) that builds its output as plain dicts
    with every declared key. The operation must declare one response status."""
    declared: dict = {}

    def contribute(operation) -> None:
        # ninja wraps the declared type as the ``response`` field of a model per status code.
        ((status, wrapper_model),) = operation.response_models.items()
        declared["status"] = status
        declared["adapter"] = TypeAdapter(dict_twin(wrapper_model.model_fields["response"].annotation))

    @wraps(view_func)
    def handler(request, *args, **kwargs):
        adapter = declared["adapter"]
        body = adapter.dump_json(adapter.validate_python(view_func(request, *args, **kwargs)))
        return HttpResponse(body, status=declared["status"], content_type=CONTENT_TYPE)

    # ninja reads the handler's annotations in its own module's namespace: resolve them here, in the view's.
    handler.__signature__ = inspect.signature(view_func, eval_str=True)
    handler._ninja_contribute_to_operation = [*getattr(view_func, "_ninja_contribute_to_operation", ()), contribute]
    return handler


def dict_twin(annotation):
    """``annotation`` with every pydantic model in it replaced by a ``TypedDict`` of the same fields (all
    required), types and constraints."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _typed_dict(annotation)
    origin = get_origin(annotation)
    if origin is None or origin is Literal:
        return annotation
    args = get_args(annotation)
    if origin is Annotated:
        return Annotated[(dict_twin(args[0]), *annotation.__metadata__)]
    twins = tuple(dict_twin(arg) for arg in args)
    if origin in (Union, types.UnionType):
        return Union[twins]  # noqa: UP007 (built from a tuple of types)
    return origin[twins if len(twins) > 1 else twins[0]]


@cache
def _typed_dict(model: type[BaseModel]):
    decorators = model.__pydantic_decorators__
    behaviour = [
        *decorators.validators, *decorators.field_validators, *decorators.field_serializers,
        *decorators.model_serializers, *decorators.computed_fields,
        *(name for name in decorators.model_validators if name != NINJA_GETTER_VALIDATOR),
        *getattr(model, "_ninja_resolvers", {}),
        *(name for name, field in model.model_fields.items() if field.alias or field.serialization_alias),
    ]
    if behaviour:
        raise ImproperlyConfigured(f"{model.__name__} has validators, resolvers or aliases ({behaviour}): "
                                   "its output cannot be validated as plain dicts.")
    fields = {
        name: Annotated[(dict_twin(field.annotation), *field.metadata)] if field.metadata
        else dict_twin(field.annotation)
        for name, field in model.model_fields.items()
    }
    return TypedDict(model.__name__, fields)
