"""The OpenAPI document (`/openapi.json`) with the errors the server really answers.

FastAPI documents only the success status and a 422 shaped as a list of validation errors. OpenSCG answers every
error as `{"detail": "<reason>"}` (docs/protocol.md), with the statuses listed here; the fuzz tests check the
server against this document (tests/fuzz).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What is wrong, in a sentence."}},
    "required": ["detail"],
}
REASONS = {
    "401": "Token missing or wrong",
    "403": "A viewer token on a patient-only action",
    "404": "No such session (also a malformed id)",
    "409": "Conflicting state",
    "413": "Request body too large",
    "422": "Invalid body or parameters, with the reason",
    "429": "Too many requests from this address; see Retry-After",
    "503": "Storage, broker or a capacity limit unavailable; try again later",
}
SAMPLE = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 4,
    "maxItems": 4,
    "description": "[t_ms, ax, ay, az]",
}
SESSION_DOCUMENT = {  # what POST /api/v1/sessions/import reads (docs/format.md); older versions are accepted too
    "type": "object",
    "required": ["samples"],
    "properties": {
        "format": {"type": "string", "const": "openscg"},
        "version": {"type": "string", "enum": ["1.0", "2.0", "0.2", "0.1"]},
        "label": {"type": "string"},
        "device": {"type": "object"},
        "startedAt": {"type": ["string", "null"]},
        "endedAt": {"type": ["string", "null"]},
        "samples": {"type": "array", "minItems": 1, "items": SAMPLE},
    },
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` list OpenSCG's error answers for every operation."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _add_errors(default_openapi())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, method):
                responses[status] = _error_response(status)
            if path == "/health":  # answered with the checks, not an error
                responses["503"]["content"]["application/json"]["schema"] = {"type": "object"}
            if path.endswith("/import") and "requestBody" not in operation:  # read by hand from the raw body
                content = {"application/json": {"schema": SESSION_DOCUMENT}}
                operation["requestBody"] = {"required": True, "content": content}
            if path.endswith("/data") and "200" in responses:  # ?format=csv
                responses["200"].setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}


def _statuses(path: str, method: str) -> list[str]:
    if path == "/health":
        return ["503"]
    statuses = ["413", "422", "503"]
    if "{session_id}" in path:
        statuses += ["401", "403", "404", "409"]
    if method == "post" and not path.endswith(("/end", "/viewer-token")):
        statuses.append("429")  # creating and importing sessions, and the demo, are rate-limited
    return statuses


def _error_response(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": REASONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == "429":
        response["headers"] = RETRY_AFTER
    return response
