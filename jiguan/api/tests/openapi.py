"""An API test client that checks every response against the OpenAPI document served at
/api/v1/openapi.json: the operation is found by method and path, and the JSON body is validated with
jsonschema against the documented schema of its status code (or the default error schema). Objects may
carry no property the schema does not declare."""

from __future__ import annotations

import copy
import json
import re

from django.test import Client
from jsonschema import Draft202012Validator

from jiguan.core.testing import PASSWORD

API = "/api/v1"


class OpenApiDocument:
    def __init__(self, document: dict):
        self.document = document
        self.components = _closed(document.get("components", {}))
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"), operations)
            for path, operations in document["paths"].items()
        ]

    def response_schema(self, method: str, path: str, status: int) -> dict:
        """The documented schema of this response; unknown paths answer the Error schema."""
        operations = next((ops for pattern, ops in self.routes if pattern.match(path)), None)
        if operations is None or method.lower() not in operations:
            assert status in (404, 405), f"{method} {path} answered {status} but is not documented"
            return {"$ref": "#/components/schemas/Error"}
        responses = operations[method.lower()]["responses"]
        documented = responses.get(str(status)) or responses.get("default")
        assert documented is not None, f"{method} {path}: status {status} is not documented"
        content = documented.get("content")
        if content is None:
            return {}
        return content["application/json"]["schema"]

    def validate(self, method: str, path: str, status: int, body) -> None:
        schema = {**self.response_schema(method, path, status), "components": self.components}
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method} {path} -> {status} breaks its OpenAPI schema: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors
        )


def _closed(components: dict) -> dict:
    """A copy in which objects with declared properties refuse undeclared ones (no accidental leaks)."""
    closed = copy.deepcopy(components)

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(closed)
    return closed


class ApiClient:
    """``api.get("/units", token=...)``: paths are relative to /api/v1; JSON in, JSON checked out."""

    def __init__(self, client: Client, document: OpenApiDocument):
        self.client, self.document = client, document

    def call(self, method: str, path: str, payload=None, *, token: str | None = None, raw: bytes | None = None,
             params: dict | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        send = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = send(API + path, params or {}, **headers)
        else:
            body = raw if raw is not None else (json.dumps(payload) if payload is not None else "")
            response = send(API + path, body, content_type="application/json", **headers)
        self.check(method, path, response)
        return response

    def check(self, method: str, path: str, response) -> None:
        if response.status_code == 204:
            assert not response.content
            return
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        self.document.validate(method, API + path.split("?")[0], response.status_code, response.json())

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, payload=None, **kw):
        return self.call("POST", path, payload, **kw)

    def patch(self, path, payload=None, **kw):
        return self.call("PATCH", path, payload, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def token(self, account, password: str = PASSWORD) -> str:
        response = self.post("/auth/token", {"username": account.username, "password": password})
        assert response.status_code == 201, response.json()
        return response.json()["token"]
