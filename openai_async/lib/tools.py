"""``function_tool``: a strict function tool from a type or from a typed Python function.

``function_tool(GetWeather)`` (a Struct, dataclass, TypedDict or pydantic model) describes a tool
whose arguments parse into ``GetWeather``. ``function_tool(get_weather)`` builds the arguments
type from the function's signature (a msgspec Struct with one field per parameter) and keeps the
function so the tool runner can call it.

The result is a ``FunctionTool``: a ``dict`` holding exactly the tool param the API expects
(``{"type": "function", "function": {...}}``), so it can be passed anywhere ``tools=`` is.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

import msgspec

from .parsing import json_schema, parse_json, schema_name

__all__ = ["FunctionTool", "function_tool"]


class FunctionTool(dict[str, Any]):
    """A strict function tool param, plus what parses and runs its calls."""

    __slots__ = ("arguments_type", "function")

    def __init__(
        self, param: dict[str, Any], arguments_type: Any, function: Callable[..., Any] | None
    ) -> None:
        super().__init__(param)
        self.arguments_type = arguments_type
        self.function = function

    @property
    def name(self) -> str:
        """The function name the model calls."""
        return str(self["function"]["name"])

    def responses_param(self) -> dict[str, Any]:
        """The same tool in the Responses API's flat form."""
        return {"type": "function", **self["function"]}

    def parse_arguments(self, arguments: str) -> Any:
        """The call's JSON arguments parsed into ``arguments_type`` (raises on bad input)."""
        return parse_json(self.arguments_type, arguments or "{}")

    def call_kwargs(self, parsed: Any) -> dict[str, Any]:
        """Keyword arguments for ``function`` from parsed arguments."""
        if isinstance(parsed, msgspec.Struct):
            return {name: getattr(parsed, name) for name in parsed.__struct_fields__}
        return {"arguments": parsed}


def function_tool(
    target: Any, *, name: str | None = None, description: str | None = None
) -> FunctionTool:
    """A strict tool for a type (arguments only) or a typed function (arguments and callable)."""
    if inspect.isfunction(target) or inspect.ismethod(target) or _is_callable_object(target):
        arguments_type = _arguments_struct(target)
        function: Callable[..., Any] | None = target
    else:
        arguments_type = target
        function = None
    tool_name = name or schema_name(target)
    text = description if description is not None else _doc(target)
    spec: dict[str, Any] = {"name": tool_name, "parameters": json_schema(arguments_type)}
    if text:
        spec["description"] = text
    spec["strict"] = True
    return FunctionTool({"type": "function", "function": spec}, arguments_type, function)


def _is_callable_object(target: Any) -> bool:
    return callable(target) and not isinstance(target, type)


def _doc(target: Any) -> str | None:
    doc = inspect.getdoc(target)
    if not doc or (isinstance(target, type) and doc == inspect.getdoc(type(target))):
        return None
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or None


_SKIPPED = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _arguments_struct(function: Callable[..., Any]) -> type[msgspec.Struct]:
    """A Struct type with one field per parameter of ``function`` (built once per tool)."""
    hints = get_type_hints(function)
    fields: list[tuple[str, Any, Any] | tuple[str, Any]] = []
    for param in inspect.signature(function).parameters.values():
        if param.kind in _SKIPPED:
            raise TypeError(f"function_tool: *args/**kwargs are not supported ({param.name})")
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError(f"function_tool: positional-only parameter {param.name!r}")
        annotation = hints.get(param.name, Any)
        if param.default is inspect.Parameter.empty:
            fields.append((param.name, annotation))
        else:
            fields.append((param.name, annotation, param.default))
    name = getattr(function, "__name__", "function")
    return msgspec.defstruct(f"{name}_arguments", fields, kw_only=True)
