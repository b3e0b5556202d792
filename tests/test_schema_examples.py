"""Every API operation shows an integrator what to send and what comes back.

Each success response with a JSON body, and each request body, carries at least one example
in /api/schema/, and every example is valid against its own schema (the schemathesis run sends
the request examples as they are). An endpoint added without examples fails here.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "put", "patch", "post", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def as_json_schema(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: inline $refs, ``nullable`` as a null alternative."""
    if isinstance(node, list):
        return [as_json_schema(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        assert name not in seen, f"recursive schema {name}"
        return as_json_schema(components[name], components, (*seen, name))
    converted = {key: as_json_schema(value, components, seen) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_every_success_response_and_request_body_has_an_example(schema):
    missing = []
    for name, operation in operations(schema):
        for status, response in operation["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if status.startswith("2") and json_body is not None and not json_body.get("examples"):
                missing.append(f"{name} -> {status}")
        body = operation.get("requestBody")
        if body is not None and not any(
            media.get("examples") for media in body.get("content", {}).values()
        ):
            missing.append(f"{name} request body")

    assert missing == []


def test_every_operation_with_a_json_answer_is_covered(schema):
    """The check above cannot pass by finding nothing: most operations answer JSON."""
    with_json = [
        name
        for name, operation in operations(schema)
        if any(
            "application/json" in response.get("content", {})
            for status, response in operation["responses"].items()
            if status.startswith("2")
        )
    ]

    assert len(with_json) >= 20
    assert "POST /api/generate" in with_json and "GET /api/preferences" in with_json


def test_every_example_is_valid_against_its_schema(schema):
    components = schema["components"]["schemas"]
    checked = 0
    for name, operation in operations(schema):
        bodies = [
            (f"{status}", response.get("content", {}))
            for status, response in operation["responses"].items()
        ]
        bodies.append(("request", operation.get("requestBody", {}).get("content", {})))
        for label, content in bodies:
            for media_type, media in content.items():
                for example_name, example in (media.get("examples") or {}).items():
                    target = as_json_schema(media["schema"], components)
                    try:
                        jsonschema.validate(example["value"], target)
                    except jsonschema.ValidationError as error:
                        pytest.fail(f"{name} {label} {media_type} {example_name!r}: {error}")
                    checked += 1

    assert checked >= 30
