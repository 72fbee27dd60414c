"""Request validation for the fake server: required fields and basic JSON types per route.

One table, one entry point (``validate(route_key, body)``), so the rules can later be derived
from the generated request types without touching the handlers. A failure raises the API's 400
(``invalid_request_error``) with ``param`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._types import ApiError

__all__ = ["RULES", "Rule", "validate"]

Kind = Literal["string", "integer", "number", "boolean", "array", "object", "null"]


@dataclass(frozen=True)
class Rule:
    name: str
    kinds: tuple[Kind, ...]
    required: bool = False
    non_empty: bool = False
    choices: tuple[str, ...] = ()
    items: tuple[Rule, ...] = ()


def _req(name: str, *kinds: Kind, non_empty: bool = False, items: tuple[Rule, ...] = ()) -> Rule:
    return Rule(name, kinds, required=True, non_empty=non_empty, items=items)


def _opt(name: str, *kinds: Kind, choices: tuple[str, ...] = ()) -> Rule:
    return Rule(name, (*kinds, "null"), choices=choices)


_MESSAGE = (_req("role", "string"),)
_TOOL_OUTPUT = (_req("tool_call_id", "string"), _req("output", "string"))

RULES: dict[str, tuple[Rule, ...]] = {
    "POST /chat/completions": (
        _req("model", "string"),
        _req("messages", "array", non_empty=True, items=_MESSAGE),
        _opt("stream", "boolean"),
        _opt("stream_options", "object"),
        _opt("n", "integer"),
        _opt("tools", "array"),
        _opt("temperature", "number"),
        _opt("max_tokens", "integer"),
        _opt("max_completion_tokens", "integer"),
    ),
    "POST /responses": (
        _req("model", "string"),
        _opt("input", "string", "array"),
        _opt("instructions", "string"),
        _opt("stream", "boolean"),
        _opt("tools", "array"),
        _opt("previous_response_id", "string"),
    ),
    "POST /embeddings": (
        _req("model", "string"),
        _req("input", "string", "array", non_empty=True),
        _opt("dimensions", "integer"),
        _opt("encoding_format", "string", choices=("float", "base64")),
    ),
    "POST /vector_stores": (
        _opt("name", "string"),
        _opt("file_ids", "array"),
        _opt("metadata", "object"),
    ),
    "POST /vector_stores/{vector_store_id}": (_opt("name", "string"), _opt("metadata", "object")),
    "POST /vector_stores/{vector_store_id}/files": (
        _req("file_id", "string"),
        _opt("attributes", "object"),
    ),
    "POST /vector_stores/{vector_store_id}/file_batches": (
        _opt("file_ids", "array"),
        _opt("files", "array"),
    ),
    "POST /assistants": (
        _req("model", "string"),
        _opt("name", "string"),
        _opt("instructions", "string"),
        _opt("tools", "array"),
    ),
    "POST /threads": (_opt("messages", "array"), _opt("metadata", "object")),
    "POST /threads/{thread_id}/messages": (
        _req("role", "string"),
        _req("content", "string", "array"),
    ),
    "POST /threads/{thread_id}/runs": (
        _req("assistant_id", "string"),
        _opt("stream", "boolean"),
        _opt("additional_messages", "array"),
        _opt("instructions", "string"),
    ),
    "POST /threads/runs": (
        _req("assistant_id", "string"),
        _opt("stream", "boolean"),
        _opt("thread", "object"),
    ),
    "POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs": (
        _req("tool_outputs", "array", items=_TOOL_OUTPUT),
        _opt("stream", "boolean"),
    ),
    "POST /batches": (
        _req("input_file_id", "string"),
        _req("endpoint", "string"),
        _req("completion_window", "string"),
        _opt("metadata", "object"),
    ),
    "POST /uploads": (
        _req("bytes", "integer"),
        _req("filename", "string"),
        _req("mime_type", "string"),
        _req("purpose", "string"),
    ),
    "POST /uploads/{upload_id}/complete": (
        _req("part_ids", "array"),
        _opt("md5", "string"),
    ),
}

_ARTICLE = {"integer": "an integer", "array": "an array", "object": "an object"}


def _kind_of(value: Any) -> Kind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _name(kind: Kind) -> str:
    return _ARTICLE.get(kind, f"a {kind}")


def _check(rule: Rule, value: Any, param: str) -> None:
    kind = _kind_of(value)
    if kind not in rule.kinds and not (kind == "integer" and "number" in rule.kinds):
        raise ApiError(
            400,
            f"Invalid type for '{param}': expected {_name(rule.kinds[0])}, "
            f"but got {_name(kind)} instead.",
            param=param,
            code="invalid_type",
        )
    if rule.choices and value is not None and value not in rule.choices:
        raise ApiError(
            400,
            f"Invalid value for '{param}': expected one of {', '.join(rule.choices)}.",
            param=param,
            code="invalid_value",
        )
    if rule.non_empty and value in ("", []):
        raise ApiError(400, f"'{param}' must not be empty.", param=param, code="empty_array")
    if rule.items and isinstance(value, list):
        for index, item in enumerate(value):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            _check_object(rule.items, item, f"{param}[{index}]")


def _check_object(rules: tuple[Rule, ...], value: Any, prefix: str) -> None:
    if not isinstance(value, Mapping):
        raise ApiError(
            400,
            f"Invalid type for '{prefix}': expected an object, but got {_name(_kind_of(value))} instead.",
            param=prefix,
            code="invalid_type",
        )
    fields: Mapping[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    for rule in rules:
        param = f"{prefix}.{rule.name}" if prefix else rule.name
        if rule.name not in fields:
            if rule.required:
                raise ApiError(
                    400,
                    f"Missing required parameter: '{param}'.",
                    param=param,
                    code="missing_required_parameter",
                )
            continue
        _check(rule, fields[rule.name], param)


def validate(route_key: str, body: Mapping[str, Any]) -> None:
    """Raise the API's 400 for the first problem in ``body``; routes without rules pass."""
    rules = RULES.get(route_key)
    if rules:
        _check_object(rules, body, "")
