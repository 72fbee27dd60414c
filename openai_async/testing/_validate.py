"""Request validation for the fake server, derived from the generated request ``TypedDict``s.

Each route that takes a body names the generated shape of that body (``SHAPES`` for JSON,
``FORM_SHAPES`` for multipart forms); the shape module is imported on the route's first use.
A small walker checks the body against the shape's annotations (``typing.get_type_hints``):
required keys, JSON types, ``Literal`` values, arrays, maps, nested ``TypedDict``s, unions
(a union of objects is told apart by its ``Literal`` fields, e.g. ``role`` or ``type``) and
file fields. Unknown keys pass, as ``extra_body`` may send them. ``NON_EMPTY`` keeps the rules
the types cannot express. A failure raises the API's 400 (``invalid_request_error``) with
``param`` naming the field path, e.g. ``messages[0].role``.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import types
import typing
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import IO, Any, Literal, Union

import typing_extensions

import openai_async._types

from ._multipart import Form, Upload
from ._types import ApiError

__all__ = ["FORM_SHAPES", "NON_EMPTY", "SHAPES", "shape_of", "validate", "validate_form"]

_SHARED = "openai_async.types.shared."

SHAPES: dict[str, str] = {
    "POST /chat/completions": "create_chat_completion_request_param:CreateChatCompletionRequestParam",
    "POST /responses": "create_response_param:CreateResponseParam",
    "POST /embeddings": "create_embedding_request_param:CreateEmbeddingRequestParam",
    "POST /uploads": "create_upload_request_param:CreateUploadRequestParam",
    "POST /uploads/{upload_id}/complete": "complete_upload_request_param:CompleteUploadRequestParam",
    "POST /vector_stores": "create_vector_store_request_param:CreateVectorStoreRequestParam",
    "POST /vector_stores/{vector_store_id}": (
        "update_vector_store_request_param:UpdateVectorStoreRequestParam"
    ),
    "POST /vector_stores/{vector_store_id}/files": (
        "create_vector_store_file_request_param:CreateVectorStoreFileRequestParam"
    ),
    "POST /vector_stores/{vector_store_id}/file_batches": (
        "create_vector_store_file_batch_request_param:CreateVectorStoreFileBatchRequestParam"
    ),
    "POST /assistants": "create_assistant_request_param:CreateAssistantRequestParam",
    "POST /threads": "create_thread_request_param:CreateThreadRequestParam",
    "POST /threads/{thread_id}": "modify_thread_request_param:ModifyThreadRequestParam",
    "POST /threads/{thread_id}/messages": "create_message_request_param:CreateMessageRequestParam",
    "POST /threads/{thread_id}/runs": "create_run_request_param:CreateRunRequestParam",
    "POST /threads/runs": "create_thread_and_run_request_param:CreateThreadAndRunRequestParam",
    "POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs": (
        "submit_tool_outputs_run_request_param:SubmitToolOutputsRunRequestParam"
    ),
    "POST /batches": "create_batch_request_param:CreateBatchRequestParam",
    "POST /videos": "create_video_json_body_param:CreateVideoJsonBodyParam",
    "POST /videos/{video_id}/remix": "create_video_remix_body_param:CreateVideoRemixBodyParam",
}
"""JSON routes -> ``module:Name`` of the generated body shape in ``openai_async.types.shared``."""

FORM_SHAPES: dict[str, str] = {
    "POST /files": "create_file_request_param:CreateFileRequestParam",
    "POST /uploads/{upload_id}/parts": "add_upload_part_request_param:AddUploadPartRequestParam",
    "POST /videos": "create_video_multipart_body_param:CreateVideoMultipartBodyParam",
    "POST /videos/{video_id}/remix": "create_video_remix_body_param:CreateVideoRemixBodyParam",
}
"""Multipart routes -> the generated shape of their form."""

NON_EMPTY: dict[str, tuple[str, ...]] = {
    "POST /chat/completions": ("messages",),
    "POST /embeddings": ("input",),
}
"""Top-level fields the API refuses when empty (a rule the types do not carry)."""


class _Invalid(Exception):
    def __init__(self, param: str, message: str, code: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message
        self.code = code

    @property
    def depth(self) -> int:
        return self.param.count(".") + self.param.count("[")


def _missing(param: str) -> _Invalid:
    return _Invalid(param, f"Missing required parameter: '{param}'.", "missing_required_parameter")


# -- type introspection ---------------------------------------------------------------------

_FILE_ORIGINS: tuple[object, ...] = (os.PathLike, IO, AsyncIterable, tuple)
_UNIONS: tuple[object, ...] = (Union, types.UnionType)
_LITERALS: tuple[object, ...] = (Literal, typing_extensions.Literal)
_ARRAYS: tuple[object, ...] = (list, Iterable, typing.Sequence, typing.List)  # noqa: UP006
_MAPS: tuple[object, ...] = (dict, Mapping)


def _origin(tp: object) -> object:
    return typing.get_origin(tp)


def _args(tp: object) -> tuple[object, ...]:
    return typing.get_args(tp)


def _is_union(tp: object) -> bool:
    return _origin(tp) in _UNIONS


def _is_literal(tp: object) -> bool:
    return _origin(tp) in _LITERALS


def _is_file(tp: object) -> bool:
    return tp is bytes or _origin(tp) in _FILE_ORIGINS


def _is_typeddict(tp: object) -> bool:
    return isinstance(tp, type) and typing_extensions.is_typeddict(tp)


def _is_array(tp: object) -> bool:
    return tp in _ARRAYS or _origin(tp) in _ARRAYS


def _is_map(tp: object) -> bool:
    return tp in _MAPS or _origin(tp) in _MAPS


_REQUIRED: tuple[object, ...] = (typing_extensions.Required,)
_QUALIFIERS: tuple[object, ...] = (
    typing_extensions.Required,
    typing_extensions.NotRequired,
    typing_extensions.ReadOnly,
)


def _hints(shape: type) -> dict[str, object]:
    """``shape``'s annotations with ``Required[...]`` kept (``FileTypes`` resolved too)."""
    try:
        return typing_extensions.get_type_hints(shape, include_extras=True)
    except NameError:
        # ``FileTypes`` carries a string reference to ``os.PathLike`` from its own module.
        return typing_extensions.get_type_hints(
            shape, localns=vars(openai_async._types), include_extras=True
        )


def _unwrap(tp: object) -> tuple[object, bool | None]:
    """The type under ``Required``/``NotRequired``/``ReadOnly``, and whether it is required."""
    required: bool | None = None
    while _origin(tp) in _QUALIFIERS:
        if required is None and _origin(tp) is not typing_extensions.ReadOnly:
            required = _origin(tp) in _REQUIRED
        tp = _args(tp)[0]
    return tp, required


@functools.cache
def _fields(shape: type) -> tuple[dict[str, object], frozenset[str]]:
    """The field types and required keys of a ``TypedDict`` (unresolvable types become Any).

    Required keys come from the ``Required[...]`` markers: with postponed annotations the
    class's own ``__required_keys__`` cannot see them.
    """
    total = bool(getattr(shape, "__total__", True))
    try:
        raw = _hints(shape)
    except (NameError, TypeError, AttributeError):
        raw = dict.fromkeys(getattr(shape, "__annotations__", {}), Any)
    hints: dict[str, object] = {}
    required: set[str] = set()
    for key, annotation in raw.items():
        hints[key], marked = _unwrap(annotation)
        if marked or (marked is None and total):
            required.add(key)
    return hints, frozenset(required)


@functools.cache
def shape_of(ref: str) -> type:
    """The generated ``TypedDict`` named by a ``module:Name`` entry of ``SHAPES``."""
    module_name, _, name = ref.partition(":")
    shape: type = getattr(importlib.import_module(_SHARED + module_name), name)
    return shape


# -- describing types and values ------------------------------------------------------------

_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _describe_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Upload):
        return "a file"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _describe(tp: object) -> str:
    if isinstance(tp, type) and tp in _KIND_NAMES:
        return _KIND_NAMES[tp]
    if _is_literal(tp):
        return "one of " + ", ".join(repr(v) for v in _args(tp))
    if _is_file(tp):
        return "a file"
    if _is_array(tp):
        return "an array"
    if _is_union(tp):
        return _describe_members(_args(tp))
    return "an object"


def _describe_members(members: tuple[object, ...]) -> str:
    return " or ".join(dict.fromkeys(_describe(member) for member in members))


def _wrong_type(tp: object, value: object, param: str, expected: str | None = None) -> _Invalid:
    return _Invalid(
        param,
        f"Invalid type for '{param}': expected {expected or _describe(tp)}, "
        f"but got {_describe_value(value)} instead.",
        "invalid_type",
    )


# -- the walker -----------------------------------------------------------------------------


def _at(param: str, key: str) -> str:
    return f"{param}.{key}" if param else key


def _scalar(tp: type, value: object, param: str, form: bool) -> None:
    """``value`` checked as ``str``/``int``/``float``/``bool`` (form fields arrive as text)."""
    if form and isinstance(value, str) and tp is not str:
        value = _from_text(tp, value)
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp) and not isinstance(value, bool)
    if not ok:
        raise _wrong_type(tp, value, param)


def _from_text(tp: type, text: str) -> object:
    if tp is bool:
        return {"true": True, "false": False}.get(text, text)
    try:
        return tp(text)
    except ValueError:
        return text


def _check(tp: object, value: object, param: str, form: bool) -> None:
    if tp is Any or tp is object or isinstance(tp, (str, typing.ForwardRef, typing.TypeVar)):
        return
    if tp is type(None):
        if value is not None:
            raise _wrong_type(tp, value, param)
    elif _origin(tp) is typing_extensions.Annotated:
        _check(_args(tp)[0], value, param, form)
    elif _is_union(tp):
        _check_union(_args(tp), value, param, form)
    elif _is_literal(tp):
        _check_literal(_args(tp), value, param)
    elif isinstance(tp, type) and tp in _KIND_NAMES:
        _scalar(tp, value, param, form)
    elif _is_file(tp):
        if not isinstance(value, Upload):
            raise _wrong_type(tp, value, param)
    elif _is_typeddict(tp):
        _check_object(typing.cast(type, tp), value, param, form)
    elif _is_array(tp):
        _check_array(tp, value, param, form)
    elif _is_map(tp):
        _check_map(tp, value, param, form)


def _check_literal(allowed: tuple[object, ...], value: object, param: str) -> None:
    if value in allowed and type(value) in {type(a) for a in allowed}:
        return
    if not isinstance(value, (str, int, float, bool)):
        raise _wrong_type(None, value, param, "one of " + ", ".join(repr(a) for a in allowed))
    raise _Invalid(
        param,
        f"Invalid value for '{param}': {value!r}. Supported values are: "
        + ", ".join(repr(a) for a in allowed)
        + ".",
        "invalid_value",
    )


def _check_array(tp: object, value: object, param: str, form: bool) -> None:
    if not isinstance(value, list):
        raise _wrong_type(tp, value, param)
    item_args = _args(tp)
    if not item_args:
        return
    items: list[object] = value  # pyright: ignore[reportUnknownVariableType]
    for index, item in enumerate(items):
        _check(item_args[0], item, f"{param}[{index}]", form)


def _check_map(tp: object, value: object, param: str, form: bool) -> None:
    if not isinstance(value, dict):
        raise _wrong_type(tp, value, param)
    map_args = _args(tp)
    if len(map_args) != 2:
        return
    entries: dict[object, object] = value  # pyright: ignore[reportUnknownVariableType]
    for key, item in entries.items():
        _check(map_args[1], item, _at(param, str(key)), form)


def _check_object(shape: type, value: object, param: str, form: bool) -> None:
    if not isinstance(value, dict):
        raise _wrong_type(shape, value, param)
    hints, required = _fields(shape)
    fields: dict[str, object] = value  # pyright: ignore[reportUnknownVariableType]
    # What was sent is checked first (in the body's order), then what is missing.
    for key, item in fields.items():
        if key in hints:
            _check(hints[key], item, _at(param, key), form)
    for key in hints:
        if key in required and key not in fields:
            raise _missing(_at(param, key))


def _literals(tp: object) -> tuple[object, ...]:
    """The values of a ``Literal`` (or ``Literal | None``) field; empty for other types."""
    if _is_literal(tp):
        return _args(tp)
    if _is_union(tp):
        return tuple(v for member in _args(tp) if _is_literal(member) for v in _args(member))
    return ()


@functools.cache
def _tags(members: tuple[object, ...]) -> dict[str, dict[object, list[object]]]:
    """For a union of ``TypedDict``s: each ``Literal`` field -> value -> the members using it.

    ``type`` comes first, so ``{"type": "function_call_output", ...}`` picks its own variant.
    """
    tags: dict[str, dict[object, list[object]]] = {}
    for member in members:
        if _is_typeddict(member):
            hints, _ = _fields(typing.cast(type, member))
            for key, tp in hints.items():
                for literal in _literals(tp):
                    tags.setdefault(key, {}).setdefault(literal, []).append(member)
    return dict(sorted(tags.items(), key=lambda item: item[0] != "type"))


def _in_every(by_value: dict[object, list[object]], members: tuple[object, ...]) -> bool:
    seen = {id(m) for chosen in by_value.values() for m in chosen}
    return all(id(m) in seen for m in members if _is_typeddict(m))


def _check_union(members: tuple[object, ...], value: object, param: str, form: bool) -> None:
    if value is None and type(None) in members:
        return
    fields = _as_fields(value)
    # The members a tag field names are tried first: one lookup instead of trying them all.
    named = _named(members, fields) if fields is not None else ()
    problems: list[_Invalid] = []
    for member in (*named, *(m for m in members if m not in named)):
        try:
            _check(member, value, param, form)
        except _Invalid as problem:
            problems.append(problem)
        else:
            return
    if named:
        raise max(problems[: len(named)], key=lambda p: p.depth)
    if fields is not None:
        _check_tag_values(members, fields, param)
    if all(p.param == param and p.code == "invalid_type" for p in problems):
        raise _wrong_type(None, value, param, _describe_members(members))
    raise max(problems, key=lambda p: (p.param != param, p.depth))


def _as_fields(value: object) -> dict[str, object] | None:
    return typing.cast("dict[str, object]", value) if isinstance(value, dict) else None


def _named(members: tuple[object, ...], value: dict[str, object]) -> tuple[object, ...]:
    """The members picked by the first tag field (``type``, ``role``) ``value`` carries."""
    for key, by_value in _tags(members).items():
        tag = value.get(key)
        if isinstance(tag, (str, int, float, bool)) and tag in by_value:
            return tuple(by_value[tag])
    return ()


def _check_tag_values(members: tuple[object, ...], value: dict[str, object], param: str) -> None:
    """A tag field every member carries, with a value none of them accepts: name that field."""
    for key, by_value in _tags(members).items():
        if key in value and _in_every(by_value, members):
            _check_literal(tuple(by_value), value[key], _at(param, key))


# -- entry points ---------------------------------------------------------------------------


def _raise(problem: _Invalid) -> ApiError:
    return ApiError(400, problem.message, param=problem.param, code=problem.code)


def _check_non_empty(route_key: str, body: Mapping[str, Any]) -> None:
    for name in NON_EMPTY.get(route_key, ()):
        if body.get(name) in ("", []):
            raise ApiError(400, f"'{name}' must not be empty.", param=name, code="empty_array")


def validate(route_key: str, body: Mapping[str, Any]) -> None:
    """Raise the API's 400 for the first problem in a JSON ``body``; unknown routes pass."""
    ref = SHAPES.get(route_key)
    if ref is None:
        return
    try:
        _check_object(shape_of(ref), dict(body), "", form=False)
    except _Invalid as problem:
        raise _raise(problem) from None
    _check_non_empty(route_key, body)


def validate_form(route_key: str, form: Form) -> None:
    """Raise the API's 400 for the first problem in a multipart ``form``."""
    ref = FORM_SHAPES.get(route_key)
    if ref is None:
        return
    try:
        _check_object(shape_of(ref), unflatten(form), "", form=True)
    except _Invalid as problem:
        raise _raise(problem) from None


_SEGMENT = re.compile(r"\[([^\]]*)\]")


def unflatten(form: Form) -> dict[str, object]:
    """Form fields in the API's bracket style (``a[b]``, ``a[]``) back into nested data."""
    root: dict[str, object] = {}
    for name, value in form.parts:
        base, _, rest = name.partition("[")
        keys = [base, *_SEGMENT.findall("[" + rest)] if rest else [base]
        _put(root, keys, value)
    return root


def _put(node: dict[str, object], keys: list[str], value: object) -> None:
    for index, key in enumerate(keys[:-1]):
        if keys[index + 1] == "" and index + 2 == len(keys):
            items = node.setdefault(key, [])
            if isinstance(items, list):
                typing.cast("list[object]", items).append(value)
            return
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            return
        node = typing.cast("dict[str, object]", child)
    node[keys[-1]] = value
