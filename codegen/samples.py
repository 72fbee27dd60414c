"""Sample argument values for every operation of the spec, valid against its schemas.

For each operation two argument sets are built: one with only the required arguments and one
with every optional argument set too. Values are derived from the schemas alone (types,
enums, formats, bounds, lengths, patterns), never from the spec's examples, and are the same on
every run. The conformance generator turns them into calls; the spec mock checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "openapi" / "openapi.yaml"

Mode = Literal["required", "full"]
Schema = Mapping[str, Any]
FileTuple = tuple[str, bytes, str]

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
MULTIPART = "multipart/form-data"
JSON = "application/json"
SSE = "text/event-stream"
MAX_DEPTH = 14
SAMPLE_FILE: FileTuple = ("sample.bin", b"sample file content\n", "application/octet-stream")

# Values for the few string patterns the spec uses; each is checked against its pattern.
PATTERN_VALUES = {
    "^tunnel_[a-z0-9]{32}$": "tunnel_" + "0" * 32,
}
FORMAT_VALUES = {
    "uri": "https://example.com/sample",
    "date": "2024-01-02",
    "date-time": "2024-01-02T03:04:05Z",
    "email": "sample@example.com",
}
DEFAULT_STRING = "sample"
DEFAULT_TIMESTAMP = 1_700_000_000


class SampleError(Exception):
    """A schema that no sample value can satisfy (or one this module does not know)."""


class _Cycle(Exception):
    """The schema recurses (or nests too deep) here; the caller picks another branch."""


@dataclass(frozen=True)
class CallArgs:
    """One argument set of an operation, split by where each value goes on the wire."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: dict[str, Any] | str | None
    files: dict[str, Any]


@dataclass(frozen=True)
class OperationSamples:
    method: str
    path: str
    operation_id: str
    content_type: str | None
    streams: bool
    required: CallArgs
    full: CallArgs


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        spec: dict[str, Any] = yaml.load(fh, Loader=loader)
    return spec


def iter_operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the spec, in spec order."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def all_samples(spec: Mapping[str, Any]) -> list[OperationSamples]:
    sampler = Sampler(spec)
    return [sampler.operation(m, p, op) for m, p, op in iter_operations(spec)]


def request_content_type(operation: Mapping[str, Any]) -> str | None:
    """The body encoding used for an operation: multipart when the spec offers it."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    return MULTIPART if MULTIPART in content else next(iter(content))


def streams(operation: Mapping[str, Any]) -> bool:
    """True when the operation's success response can be an event stream."""
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2") and SSE in response.get("content", {}):
            return True
    return False


def is_file(value: object) -> bool:
    if isinstance(value, list):
        return bool(value) and all(is_file(v) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], bytes)  # pyright: ignore[reportUnknownArgumentType]


class Sampler:
    """Builds sample values from the spec's schemas (component refs resolved on the way)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.schemas: Mapping[str, Schema] = spec["components"]["schemas"]
        self.parameters: Mapping[str, Any] = spec["components"].get("parameters", {})

    # -- operations -------------------------------------------------------------------------

    def operation(self, method: str, path: str, op: Mapping[str, Any]) -> OperationSamples:
        content_type = request_content_type(op)
        return OperationSamples(
            method=method,
            path=path,
            operation_id=op.get("operationId", f"{method} {path}"),
            content_type=content_type,
            streams=streams(op),
            required=self.call_args(op, content_type, "required"),
            full=self.call_args(op, content_type, "full"),
        )

    def call_args(self, op: Mapping[str, Any], content_type: str | None, mode: Mode) -> CallArgs:
        by_place: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for param in op.get("parameters", []):
            param = self.resolve_param(param)
            if param["in"] == "path" or param.get("required") or mode == "full":
                by_place[param["in"]][param["name"]] = self.value(param["schema"], mode)
        body, files = self.body(op, content_type, mode)
        for values in (by_place["query"], body):
            if isinstance(values, dict) and "stream" in values and mode == "full":
                values["stream"] = False  # the full set asks for the plain result
        return CallArgs(by_place["path"], by_place["query"], by_place["header"], body, files)

    def resolve_param(self, param: Mapping[str, Any]) -> Mapping[str, Any]:
        if "$ref" in param:
            resolved: Mapping[str, Any] = self.parameters[param["$ref"].rsplit("/", 1)[-1]]
            return resolved
        return param

    def body(
        self, op: Mapping[str, Any], content_type: str | None, mode: Mode
    ) -> tuple[dict[str, Any] | str | None, dict[str, Any]]:
        if content_type is None:
            return None, {}
        schema = op["requestBody"]["content"][content_type]["schema"]
        value = (
            self.form_value(schema, mode) if content_type == MULTIPART else self.value(schema, mode)
        )
        if content_type != MULTIPART:
            return value, {}
        if not isinstance(value, dict):
            raise SampleError(f"multipart body is not an object: {schema!r}")
        fields = {k: v for k, v in value.items() if not is_file(v)}  # pyright: ignore[reportUnknownVariableType]
        files = {k: v for k, v in value.items() if is_file(v)}  # pyright: ignore[reportUnknownVariableType]
        return fields, files

    def form_value(self, schema: Schema, mode: Mode) -> dict[str, Any]:
        """A multipart body: top-level fields per `mode`, nested values required-only.

        Form values arrive as text; the mock cannot type them inside nested unions, so nested
        objects in form fields carry their required properties only.
        """
        schema = self.flatten(schema)
        props: Mapping[str, Schema] = schema.get("properties", {})
        return {name: self.form_field(props[name]) for name in self.wanted_properties(schema, mode)}

    def form_field(self, schema: Schema) -> Any:
        """A form field's value; a field that may be a file is sent as a file."""
        schema = self.flatten(schema)
        for variant in schema.get("anyOf", schema.get("oneOf", [])):
            if self.is_binary(variant):
                return self.value(variant, "required")
        return self.value(schema, "required")

    def is_binary(self, schema: Schema) -> bool:
        schema = self.flatten(schema)
        if schema.get("type") == "array":
            return self.is_binary(schema.get("items", {}))
        return schema.get("type") == "string" and schema.get("format") == "binary"

    # -- schemas ----------------------------------------------------------------------------

    def value(self, schema: Schema, mode: Mode, stack: tuple[str, ...] = ()) -> Any:
        if len(stack) > MAX_DEPTH:
            raise _Cycle
        if "$ref" in schema or "$recursiveRef" in schema:
            return self.ref_value(schema, mode, stack)
        if "allOf" in schema:
            return self.value(self.merge_all_of(schema), mode, stack)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), None)
        variants = schema.get("oneOf") or schema.get("anyOf")
        if variants and not all(is_constraint(v) for v in variants):
            return self.union_value(variants, mode, stack)
        return self.typed_value(schema, mode, stack)

    def ref_value(self, schema: Schema, mode: Mode, stack: tuple[str, ...]) -> Any:
        name = stack[-1] if "$recursiveRef" in schema else schema["$ref"].rsplit("/", 1)[-1]
        if name in stack:
            raise _Cycle
        target = self.schemas[name]
        extra = {
            k: v for k, v in schema.items() if k not in ("$ref", "$recursiveRef", "description")
        }
        if extra:
            target = {"allOf": [target, extra]}
        return self.value(target, mode, (*stack, name))

    def merge_all_of(self, schema: Schema) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.flatten(part)
            for key, val in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **val}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *val]
                else:
                    merged.setdefault(key, val)
        return merged

    def flatten(self, schema: Schema) -> Schema:
        """A schema with its top-level `$ref` and `allOf` resolved (for merging)."""
        while "$ref" in schema:
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self.schemas[schema["$ref"].rsplit("/", 1)[-1]], **extra}
        if "allOf" in schema:
            return self.merge_all_of(schema)
        return schema

    def union_value(self, variants: list[Schema], mode: Mode, stack: tuple[str, ...]) -> Any:
        for variant in variants:
            if variant.get("type") == "null":
                continue
            try:
                return self.value(variant, mode, stack)
            except _Cycle:
                continue
        if any(v.get("type") == "null" for v in variants):
            return None
        raise _Cycle

    def typed_value(self, schema: Schema, mode: Mode, stack: tuple[str, ...]) -> Any:
        kind = schema_type(schema)
        if kind == "object":
            return self.object_value(schema, mode, stack)
        if kind == "array":
            return self.array_value(schema, mode, stack)
        if kind == "string":
            return string_value(schema)
        if kind == "integer":
            return int(number_value(schema, integer=True))
        if kind == "number":
            return number_value(schema, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return DEFAULT_STRING

    def object_value(self, schema: Schema, mode: Mode, stack: tuple[str, ...]) -> dict[str, Any]:
        props: Mapping[str, Schema] = schema.get("properties", {})
        wanted = self.wanted_properties(schema, mode)
        out: dict[str, Any] = {}
        for name in wanted:
            try:
                out[name] = self.value(props.get(name, {}), mode, stack)
            except _Cycle:
                if name in schema.get("required", []):
                    raise
        if not props:
            out.update(self.map_value(schema, mode, stack))
        return out

    def wanted_properties(self, schema: Schema, mode: Mode) -> list[str]:
        props: Mapping[str, Schema] = schema.get("properties", {})
        required = list(schema.get("required", []))
        alternatives = [v for v in schema.get("anyOf", schema.get("oneOf", [])) if is_constraint(v)]
        if alternatives:
            required += [n for n in alternatives[0].get("required", []) if n not in required]
        if mode == "required":
            return required
        names = required + [n for n in props if n not in required]
        exclusive = schema.get("not", {}).get("required", [])
        if exclusive:
            keep = exclusive[:1] if exclusive[0] in names else []
            names = [n for n in names if n not in exclusive or n in keep]
        if schema.get("oneOf") and alternatives:
            others = {n for alt in alternatives[1:] for n in alt.get("required", [])}
            names = [n for n in names if n in required or n not in others]
        return names

    def map_value(self, schema: Schema, mode: Mode, stack: tuple[str, ...]) -> dict[str, Any]:
        extra = schema.get("additionalProperties")
        if extra is False or (mode == "required" and not isinstance(extra, dict)):
            return {}
        value_schema: Schema = extra if isinstance(extra, dict) else {"type": "string"}
        try:
            return {"key": self.value(value_schema, mode, stack)}
        except _Cycle:
            return {}

    def array_value(self, schema: Schema, mode: Mode, stack: tuple[str, ...]) -> list[Any]:
        count = max(int(schema.get("minItems", 0)), 1)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        try:
            item = self.value(schema.get("items", {}), mode, stack)
        except _Cycle:
            if schema.get("minItems", 0):
                raise
            return []
        return [item] * count


def is_constraint(schema: Schema) -> bool:
    """An `anyOf`/`oneOf` branch that only lists required properties (no shape of its own)."""
    return bool(schema) and set(schema) <= {"required", "description", "title"}


def schema_type(schema: Schema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]  # pyright: ignore[reportUnknownVariableType]
        return str(kinds[0]) if kinds else "null"  # pyright: ignore[reportUnknownArgumentType]
    if kind is None and ("properties" in schema or "additionalProperties" in schema):
        return "object"
    if kind is None and "items" in schema:
        return "array"
    return kind if isinstance(kind, str) else None


def string_value(schema: Schema) -> Any:
    fmt = schema.get("format")
    if fmt == "binary":
        return SAMPLE_FILE
    pattern = schema.get("pattern")
    if pattern is not None:
        return pattern_value(pattern)
    text = FORMAT_VALUES.get(fmt or "", DEFAULT_STRING)
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > int(high):
        text = text[: int(high)]
    return text


def pattern_value(pattern: str) -> str:
    value = PATTERN_VALUES.get(pattern, DEFAULT_STRING)
    if not re.search(pattern, value):
        raise SampleError(f"no sample value for pattern {pattern!r}: add one to PATTERN_VALUES")
    return value


def number_value(schema: Schema, *, integer: bool) -> float:
    preferred: float = DEFAULT_TIMESTAMP if schema.get("format") == "unixtime" else 1
    low, high = bounds(schema, integer=integer)
    if low is not None and preferred < low:
        preferred = low
    if high is not None and preferred > high:
        preferred = high
    return preferred


def bounds(schema: Schema, *, integer: bool) -> tuple[float | None, float | None]:
    step = 1 if integer else 0.5
    low = schema.get("minimum")
    if isinstance(schema.get("exclusiveMinimum"), (int, float)):
        low = schema["exclusiveMinimum"] + step
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMaximum"), (int, float)):
        high = schema["exclusiveMaximum"] - step
    return low, high
