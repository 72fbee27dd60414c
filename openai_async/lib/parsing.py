"""Structured outputs: a JSON schema from a Python type, made strict, and replies parsed into it.

Supported types: msgspec ``Struct``s, dataclasses and ``TypedDict``s (schema from
``msgspec.json.schema``, parsing with a cached ``msgspec.json.Decoder``), and pydantic models
when the program uses pydantic (schema and validation by pydantic itself).

Strict mode, as the API enforces it: every object lists all its properties as required and
sets ``additionalProperties: false``; the root is an object (a root ``$ref`` is inlined);
``$ref``s with sibling keys are inlined; ``oneOf`` becomes ``anyOf``; ``default`` is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, cast

import msgspec

from .._exceptions import OpenAIError
from ..types.chat.chat_completion import ChatCompletion, ChatCompletionChoice
from ..types.chat.chat_completion_message import ChatCompletionMessage
from ..types.chat.chat_completion_message_custom_tool_call import (
    ChatCompletionMessageCustomToolCall,
)
from ..types.responses.response import Response
from ..types.shared.chat_completion_message_tool_call import (
    ChatCompletionMessageToolCall,
    ChatCompletionMessageToolCallFunction,
)
from . import _pydantic

if TYPE_CHECKING:
    from ..types.completion_usage import CompletionUsage

__all__ = [
    "ContentFilterFinishReasonError",
    "LengthFinishReasonError",
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "ParsedFunction",
    "ParsedFunctionToolCall",
    "ParsedResponse",
    "json_schema",
    "parse_chat_completion",
    "parse_json",
    "parse_tool_arguments",
    "response_format_param",
    "schema_name",
    "strict_schema",
    "tool_argument_types",
    "struct_fields",
]

ContentT = TypeVar("ContentT")


# -- errors ------------------------------------------------------------------------------------


class LengthFinishReasonError(OpenAIError):
    """The reply was cut at the token limit, so its JSON cannot be parsed."""

    def __init__(self, *, completion: ChatCompletion | None = None) -> None:
        usage: CompletionUsage | None = completion.usage if completion is not None else None
        detail = f" (usage: {usage.completion_tokens} completion tokens)" if usage else ""
        super().__init__("Could not parse the reply: it stopped at the length limit" + detail + ".")
        self.completion = completion


class ContentFilterFinishReasonError(OpenAIError):
    """The reply was stopped by the content filter, so its JSON cannot be parsed."""

    def __init__(self, *, completion: ChatCompletion | None = None) -> None:
        super().__init__("Could not parse the reply: the content filter stopped it.")
        self.completion = completion


# -- schemas -----------------------------------------------------------------------------------

_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def schema_name(tp: Any) -> str:
    """The schema's name for the API: the type's name, limited to the allowed characters."""
    name = _NAME_CHARS.sub("_", str(getattr(tp, "__name__", "response")))
    return name[:64] or "response"


@lru_cache(maxsize=256)
def json_schema(tp: Any) -> dict[str, Any]:
    """The strict JSON schema of ``tp`` (cached per type; treat the result as read-only)."""
    raw = _pydantic.model_schema(tp) if _pydantic.is_model(tp) else msgspec.json.schema(tp)
    return strict_schema(raw)


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A strict copy of ``schema`` (see the module docstring); the input is left untouched."""
    defs = cast("dict[str, Any]", schema.get("$defs") or {})
    root = _inline_ref(dict(schema), defs)
    out: dict[str, Any] = _strict(root, defs)
    if defs:
        strict_defs = {name: _strict(node, defs) for name, node in defs.items()}
        used = _referenced(out, strict_defs)
        if used:
            out["$defs"] = {name: node for name, node in strict_defs.items() if name in used}
    return out


def _referenced(root: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """Names of the definitions reachable from ``root`` through ``$ref``s."""
    used: set[str] = set()
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            fields = cast("dict[str, Any]", node)
            ref = fields.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name in defs and name not in used:
                    used.add(name)
                    todo.append(defs[name])
            todo.extend(fields.values())
        elif isinstance(node, list):
            todo.extend(cast("list[Any]", node))  # type: ignore[redundant-cast]
    return used


def _inline_ref(node: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with a ``$ref`` that has sibling keys replaced by the referenced schema."""
    ref = node.get("$ref")
    siblings = [key for key in node if key not in ("$ref", "$defs")]
    if not isinstance(ref, str) or (not siblings and "$defs" not in node):
        return node
    target = defs.get(ref.rsplit("/", 1)[-1])
    if target is None:
        return node
    merged = {**cast("dict[str, Any]", target)}
    merged.update((key, node[key]) for key in siblings)
    return merged


def _strict(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in cast("list[Any]", node)]  # type: ignore[redundant-cast]
    if not isinstance(node, dict):
        return node
    source = _inline_ref(cast("dict[str, Any]", node), defs)
    out: dict[str, Any] = {}
    for key, value in source.items():
        if key in ("default", "$defs"):
            continue
        if key == "properties":
            props = cast("dict[str, Any]", value)
            out[key] = {name: _strict(sub, defs) for name, sub in props.items()}
        elif key == "oneOf":
            out["anyOf"] = _strict(value, defs)
        else:
            out[key] = _strict(value, defs)
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(cast("list[Any]", all_of)) == 1:  # type: ignore[redundant-cast]
        del out["allOf"]
        out.update(cast("list[dict[str, Any]]", all_of)[0])
    if out.get("type") == "object" or "properties" in out:
        props = cast("dict[str, Any]", out.setdefault("properties", {}))
        out["required"] = list(props)
        if not isinstance(out.get("additionalProperties"), dict):
            out["additionalProperties"] = False
    return out


def response_format_param(tp: Any) -> dict[str, Any]:
    """The chat ``response_format`` for ``tp`` (a ``json_schema`` format, strict)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": schema_name(tp), "schema": json_schema(tp), "strict": True},
    }


# -- parsing -----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp)


def parse_json(tp: Any, data: str | bytes) -> Any:
    """``data`` (JSON text) parsed into ``tp``; raises the library's validation error."""
    if _pydantic.is_model(tp):
        return _pydantic.validate_json(tp, data)
    return _decoder(tp).decode(data)


def struct_fields(obj: msgspec.Struct) -> dict[str, Any]:
    """The declared fields of a Struct as a dict (shallow)."""
    return {name: getattr(obj, name) for name in obj.__struct_fields__}


def _copy_extras(source: msgspec.Struct, target: msgspec.Struct) -> None:
    """Carry the per-response metadata (request id, raw JSON) over to a rebuilt object."""
    extras = getattr(source, "__dict__", None)
    if extras:
        vars(target).update(extras)


# -- parsed chat types ---------------------------------------------------------------------------


class ParsedFunction(ChatCompletionMessageToolCallFunction, kw_only=True):
    """A function call whose ``arguments`` were parsed into the tool's type."""

    parsed_arguments: Any = None


class ParsedFunctionToolCall(ChatCompletionMessageToolCall, kw_only=True):
    """A tool call carrying ``function.parsed_arguments``."""

    function: ParsedFunction  # pyright: ignore[reportIncompatibleVariableOverride]


ParsedToolCall = Union[ParsedFunctionToolCall, ChatCompletionMessageCustomToolCall]


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[ContentT], kw_only=True):
    """An assistant message with ``parsed`` content (``None`` on refusal or without a format)."""

    parsed: ContentT | None = None
    tool_calls: list[ParsedToolCall] | None = None  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]


class ParsedChoice(ChatCompletionChoice, Generic[ContentT], kw_only=True):
    """A choice whose message is parsed."""

    message: ParsedChatCompletionMessage[ContentT]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]


class ParsedChatCompletion(ChatCompletion, Generic[ContentT], kw_only=True):
    """A chat completion whose choices carry parsed messages."""

    choices: list[ParsedChoice[ContentT]]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]


def tool_argument_types(tools: Iterable[Any] | None) -> dict[str, Any]:
    """Tool name -> what its arguments parse into: a type, ``object`` for plain strict tools.

    Accepts chat tool params (``{"type": "function", "function": {...}}``) and the Responses
    API's flat ones (``{"type": "function", "name": ..., "strict": true}``).
    """
    from .tools import FunctionTool

    found: dict[str, Any] = {}
    for tool in tools or ():
        if isinstance(tool, FunctionTool):
            found[tool.name] = tool.arguments_type
        elif isinstance(tool, Mapping):
            fields = cast("Mapping[str, Any]", tool)
            function = fields.get("function")
            if isinstance(function, Mapping):
                fields = cast("Mapping[str, Any]", function)
            if fields.get("strict") and isinstance(fields.get("name"), str):
                found[fields["name"]] = object
    return found


def parse_tool_arguments(
    types: Mapping[str, Any], name: str, arguments: str, *, lenient: bool = False
) -> Any:
    """Arguments of a call to ``name`` parsed per ``types`` (``None`` for unknown tools).

    Invalid arguments raise, or give ``None`` when ``lenient``.
    """
    tp = types.get(name)
    if tp is None:
        return None
    try:
        return parse_json(tp, arguments or "{}")
    except Exception:
        if lenient:
            return None
        raise


def parsed_tool_call(
    call: ChatCompletionMessageToolCall | ChatCompletionMessageCustomToolCall,
    types: Mapping[str, Any],
    *,
    lenient: bool = False,
) -> ParsedFunctionToolCall | ChatCompletionMessageCustomToolCall:
    """``call`` with ``function.parsed_arguments`` (custom tool calls pass through)."""
    if not isinstance(call, ChatCompletionMessageToolCall):
        return call
    function = call.function
    parsed = parse_tool_arguments(types, function.name, function.arguments, lenient=lenient)
    return ParsedFunctionToolCall(
        id=call.id,
        function=ParsedFunction(
            name=function.name, arguments=function.arguments, parsed_arguments=parsed
        ),
    )


def check_finish_reason(choice: ChatCompletionChoice, completion: ChatCompletion) -> None:
    """Raise when a choice ended in a way that leaves no parseable reply."""
    if choice.finish_reason == "length":
        raise LengthFinishReasonError(completion=completion)
    if choice.finish_reason == "content_filter":
        raise ContentFilterFinishReasonError(completion=completion)


def parse_message(
    message: ChatCompletionMessage,
    response_format: Any,
    types: Mapping[str, Any],
    *,
    lenient: bool = False,
) -> ParsedChatCompletionMessage[Any]:
    """``message`` with ``parsed`` content and parsed tool call arguments."""
    fields = struct_fields(message)
    parsed = None
    if _is_type(response_format) and message.content and not message.refusal:
        parsed = parse_json(response_format, message.content)
    if message.tool_calls:
        fields["tool_calls"] = [
            parsed_tool_call(call, types, lenient=lenient) for call in message.tool_calls
        ]
    return ParsedChatCompletionMessage[Any](**fields, parsed=parsed)


def parse_chat_completion(
    completion: ChatCompletion,
    response_format: Any,
    tools: Iterable[Any] | None,
    *,
    check: bool = True,
) -> ParsedChatCompletion[Any]:
    """A ``ParsedChatCompletion`` built from ``completion``.

    Raises ``LengthFinishReasonError`` / ``ContentFilterFinishReasonError`` when a choice was
    cut short, and the validation error when the content or strict tool arguments do not
    match their types. With ``check`` false (the tool runner) neither happens: a call whose
    arguments do not parse gets ``parsed_arguments=None``.
    """
    types = tool_argument_types(tools)
    choices: list[ParsedChoice[Any]] = []
    for choice in completion.choices:
        if check:
            check_finish_reason(choice, completion)
        fields = struct_fields(choice)
        fields["message"] = parse_message(choice.message, response_format, types, lenient=not check)
        choices.append(ParsedChoice[Any](**fields))
    fields = struct_fields(completion)
    fields["choices"] = choices
    parsed = ParsedChatCompletion[Any](**fields)
    _copy_extras(completion, parsed)
    return parsed


def _is_type(response_format: Any) -> bool:
    """Whether ``response_format`` is a Python type to parse into (not a format dict)."""
    return isinstance(response_format, type) or _is_typed_dict_alias(response_format)


def _is_typed_dict_alias(value: Any) -> bool:
    return hasattr(value, "__origin__") and isinstance(value.__origin__, type)


def is_type_format(response_format: Any) -> bool:
    """Public form of the check used by the mixins: a type (parse into it) or a param dict."""
    return _is_type(response_format) and not isinstance(response_format, dict)


# -- parsed Responses types ----------------------------------------------------------------------


class ParsedResponse(Response, Generic[ContentT], kw_only=True):
    """A ``Response`` with ``output_parsed``: its ``output_text`` decoded into ``text_format``."""

    output_parsed: ContentT | None = None


def parse_response(
    response: Response, text_format: Any, tools: Iterable[Any] | None
) -> ParsedResponse[Any]:
    """A ``ParsedResponse`` built from ``response`` (validation errors propagate).

    Function calls to strict tools get a ``parsed_arguments`` attribute.
    """
    types = tool_argument_types(tools)
    for item in response.output:
        _attach_parsed_arguments(item, types)
    fields = struct_fields(response)
    text = response.output_text
    parsed = None
    if is_type_format(text_format) and text:
        parsed = parse_json(text_format, text)
    result = ParsedResponse[Any](**fields, output_parsed=parsed)
    _copy_extras(response, result)
    return result


def _attach_parsed_arguments(item: Any, types: Mapping[str, Any]) -> None:
    """Set ``item.parsed_arguments`` on a function call item of a strict tool."""
    if getattr(item, "type", None) != "function_call":
        return
    name = getattr(item, "name", None)
    if isinstance(name, str) and name in types and hasattr(item, "__dict__"):
        vars(item)["parsed_arguments"] = parse_tool_arguments(types, name, item.arguments)


def text_format_param(tp: Any) -> dict[str, Any]:
    """The Responses ``text.format`` for ``tp`` (a ``json_schema`` format, strict)."""
    return {
        "type": "json_schema",
        "name": schema_name(tp),
        "schema": json_schema(tp),
        "strict": True,
    }
