"""The one-pass response path (``responses.validated_once``): the same JSON as ninja's own path, every
response still validated against the declared schema, and schemas it cannot honour refused up front."""

import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from ninja import Field, Schema
from pydantic import TypeAdapter, ValidationError

from jiguan.api.pagination import Page
from jiguan.api.responses import CONTENT_TYPE, dict_twin, validated_once
from jiguan.api.routers.people import PersonOut
from jiguan.api.schemas import AccountRef, Row

pytestmark = pytest.mark.django_db

ROW = {"id": 7, "name": "张三", "gender": "M", "title": "科员", "status": {"code": "active", "label": "在职"},
       "unit": {"id": 3, "name": "南昌市财政局"}, "department": None, "rank": {"id": 5, "name": "一级主任科员"}}


def page(*items, total=None) -> dict:
    return {"items": list(items), "page": 1, "page_size": 20, "has_next": False, "total": total}


def operation_declaring(response_type):
    """What ninja hands the decorator: the declared type as the ``response`` field of a model per status."""
    return SimpleNamespace(response_models={200: type("R", (Schema,), {"__annotations__": {"response": response_type}})})


def served(handler, response_type=Page[PersonOut]):
    for contribute in handler._ninja_contribute_to_operation:
        contribute(operation_declaring(response_type))
    return handler(RequestFactory().get("/"))


def ninja_json(response_type, data):
    """What ninja's path makes of ``data``: validated into models, dumped for JSON."""
    adapter = TypeAdapter(response_type)
    return adapter.dump_python(adapter.validate_python(data), mode="json")


def test_the_json_equals_what_ninjas_own_path_writes():
    data = page(ROW, {**ROW, "id": 8, "department": {"id": 4, "name": "办公室"}, "rank": None}, total=2)
    response = served(validated_once(lambda request: data))
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    assert json.loads(response.content) == ninja_json(Page[PersonOut], data)
    assert list(json.loads(response.content)["items"][0]) == list(PersonOut.model_fields)  # declared order


def test_output_breaking_the_schema_is_refused_not_written():
    for broken in ({**ROW, "id": "seven"}, {k: v for k, v in ROW.items() if k != "title"},
                   {**ROW, "unit": {"id": 3}}, {**ROW, "status": None}):
        with pytest.raises(ValidationError):
            served(validated_once(lambda request, row=broken: page(row)))


def test_undeclared_keys_are_left_out_as_ninja_leaves_them_out():
    response = served(validated_once(lambda request: page({**ROW, "id_number": "360102198503010011"})))
    assert "id_number" not in response.content.decode()


class Measured(Row):
    area: float = Field(ge=0, description="面积")
    code: str = Field(max_length=4)


def test_field_constraints_are_kept():
    twin = TypeAdapter(dict_twin(list[Measured]))
    assert twin.validate_python([{"area": 1.5, "code": "ab"}]) == [{"area": 1.5, "code": "ab"}]
    for bad in ({"area": -1, "code": "ab"}, {"area": 1, "code": "abcde"}):
        with pytest.raises(ValidationError):
            twin.validate_python([bad])


def test_schemas_with_resolvers_or_validators_are_refused_up_front():
    with pytest.raises(ImproperlyConfigured):
        dict_twin(list[AccountRef])  # its name is resolved by a method, which a dict would skip
