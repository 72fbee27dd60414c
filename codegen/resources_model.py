"""The resource model: every row of the naming table resolved against the spec.

``build_tree(spec, typemap)`` turns every row of ``codegen.method_names.METHODS`` into a
``Method`` (what to send, what comes back, with which Python types) and groups them into a
tree of ``Resource`` nodes. ``codegen.resources_gen`` renders the tree as Python modules and
``codegen.reference_gen`` as reference pages.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from codegen.method_names import DEPRECATED_METHODS, METHODS, Name
from codegen.spec import resolve

__all__ = [
    "Method",
    "Param",
    "Resource",
    "TypeMapLike",
    "build_tree",
    "is_binary",
    "iter_operations",
    "iter_methods",
]

HTTP_VERBS = ("get", "post", "put", "patch", "delete")
JSON = "application/json"
MULTIPART = "multipart/form-data"
SSE = "text/event-stream"
# The per-call options every method takes after its own parameters: (name, type, default).
EXTRAS = (
    ("extra_headers", "Headers | None", "None"),
    ("extra_query", "Query | None", "None"),
    ("extra_body", "Body | None", "None"),
    ("timeout", "TimeoutTypes | NotGiven", "NOT_GIVEN"),
)
RESERVED = frozenset({"self", *(name for name, _, _ in EXTRAS)})
PAGE_KINDS = ("Page", "CursorPage", "ConversationCursorPage", "NextCursorPage")

Import = tuple[str, str]


class TypeRefLike(Protocol):
    @property
    def annotation(self) -> str: ...
    @property
    def imports(self) -> frozenset[Import]: ...


class TypeMapLike(Protocol):
    def response_type(self, schema: dict[str, Any], method: str = "") -> TypeRefLike: ...
    def param_type(self, schema: dict[str, Any]) -> TypeRefLike: ...
    def stream_event_type(self, operation: dict[str, Any]) -> TypeRefLike | None: ...


@dataclass(frozen=True)
class Type:
    """A Python type expression and the ``(module, name)`` imports it needs."""

    annotation: str
    imports: frozenset[Import] = frozenset()

    @classmethod
    def of(cls, ref: TypeRefLike) -> Type:
        return cls(ref.annotation, frozenset(ref.imports))


@dataclass(frozen=True)
class Param:
    """One method parameter: its Python name, wire name, where it goes and its type."""

    name: str
    key: str
    location: str  # "path", "query", "body", "file" or "header"
    required: bool
    type: Type


@dataclass(frozen=True)
class Method:
    """One client method: the request it sends and the result it returns."""

    name: str
    resource: tuple[str, ...]
    verb: str
    route: str
    path: str
    fixed_query: tuple[tuple[str, str], ...]
    positional: str
    params: tuple[Param, ...]
    multipart: bool
    result: str  # "model", "binary", "none", "str" or "page"
    returns: Type
    page: str = ""
    item: Type | None = None
    stream: Type | None = None
    stream_location: str = ""
    deprecated: bool = False

    @property
    def dotted(self) -> str:
        return ".".join((*self.resource, self.name))


@dataclass
class Resource:
    """A node of the resource tree (``client.beta.threads``) with its methods and children."""

    path: tuple[str, ...]
    methods: list[Method] = field(default_factory=lambda: [])
    children: dict[str, Resource] = field(default_factory=lambda: {})

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def module(self) -> str:
        """Module path below ``resources`` (``chat.completions.completions`` or ``files``)."""
        if self.children:
            return ".".join((*self.path, self.path[-1]))
        return ".".join(self.path)

    def walk(self) -> Iterator[Resource]:
        yield self
        for child in self.children.values():
            yield from child.walk()


# ---------------------------------------------------------------------------------------------
# The model: spec + naming table -> methods


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every operation of the spec as ``("VERB /path", operation)``."""
    for path, item in spec["paths"].items():
        for verb in HTTP_VERBS:
            if verb in item:
                yield f"{verb.upper()} {path}", item[verb]


def _split_route(route: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    verb, target = route.split(" ", 1)
    path, _, query = target.partition("?")
    fixed = tuple(tuple(pair.split("=", 1)) for pair in query.split("&") if pair)
    return verb, path, tuple((key, value) for key, value in fixed)


def _py_name(key: str) -> str:
    name = key.removesuffix("[]").replace("-", "_").replace(".", "_")
    if keyword.iskeyword(name) or name in RESERVED:
        name += "_"
    return name


def _body_fields(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Properties and required names of a request body schema, ``allOf`` parts merged."""
    node = resolve(spec, schema)
    props: dict[str, Any] = {}
    required: set[str] = set(node.get("required", ()))
    for part in node.get("allOf", ()):
        sub_props, sub_required = _body_fields(spec, part)
        props.update(sub_props)
        required |= sub_required
    props.update(node.get("properties", {}))
    return props, required


def is_binary(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a multipart field carries file content (a binary string or a list of them)."""
    node = resolve(spec, schema)
    if node.get("type") == "string" and node.get("format") == "binary":
        return True
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        return is_binary(spec, node["items"])
    variants: list[dict[str, Any]] = [*node.get("anyOf", ()), *node.get("oneOf", ())]
    return any(is_binary(spec, variant) for variant in variants)


def _success(operation: dict[str, Any]) -> dict[str, Any]:
    for code in sorted(operation.get("responses", {})):
        if code.startswith("2"):
            response: dict[str, Any] = operation["responses"][code]
            return response
    return {}


def _request_content(operation: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    content: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
    if MULTIPART in content:
        return MULTIPART, content[MULTIPART]["schema"]
    if JSON in content:
        return JSON, content[JSON]["schema"]
    return "", None


class _Builder:
    """Builds one ``Method`` from a naming-table row."""

    def __init__(self, spec: dict[str, Any], typemap: TypeMapLike) -> None:
        self.spec = spec
        self.typemap = typemap
        self.operations = dict(iter_operations(spec))

    def method(self, row: Name) -> Method:
        operation = self.operations[row.route]
        verb, path, fixed_query = _split_route(row.route)
        *resource, name = row.method.split(".")
        params, multipart = self._params(operation)
        stream_param = next((p for p in params if p.name == "stream"), None)
        event = self.typemap.stream_event_type(operation) if stream_param else None
        result, returns, page, item = self._result(row, operation)
        return Method(
            name=name,
            resource=tuple(resource),
            verb=verb,
            route=row.route,
            path=path,
            fixed_query=fixed_query,
            positional=row.positional,
            params=self._ordered(params, row.positional),
            multipart=multipart,
            result=result,
            returns=returns,
            page=page,
            item=item,
            stream=Type.of(event) if event is not None else None,
            stream_location=stream_param.location if stream_param and event else "",
            deprecated=bool(operation.get("deprecated")) or row.method in DEPRECATED_METHODS,
        )

    def _params(self, operation: dict[str, Any]) -> tuple[list[Param], bool]:
        params: list[Param] = []
        for raw in operation.get("parameters", ()):
            param = resolve(self.spec, raw)
            where: str = param["in"]
            schema: dict[str, Any] = param.get("schema", {})
            typ = Type("str") if where == "path" else Type.of(self.typemap.param_type(schema))
            name = param.get("schema", {}).get("x-stainless-param") or param["name"]
            params.append(
                Param(
                    _py_name(name),
                    param["name"],
                    where,
                    where == "path" or bool(param.get("required")),
                    typ,
                )
            )
        content_type, body = _request_content(operation)
        if body is not None:
            props, required = _body_fields(self.spec, body)
            for key, schema in props.items():
                binary = content_type == MULTIPART and is_binary(self.spec, schema)
                typ = Type.of(self.typemap.param_type(schema))
                params.append(
                    Param(_py_name(key), key, "file" if binary else "body", key in required, typ)
                )
        names = [param.name for param in params]
        if len(set(names)) != len(names):
            raise ValueError(f"parameter names clash in {operation.get('operationId')}: {names}")
        return params, content_type == MULTIPART

    @staticmethod
    def _ordered(params: list[Param], positional: str) -> tuple[Param, ...]:
        first = [p for p in params if p.name == positional]
        paths = [p for p in params if p.location == "path" and p.name != positional]
        rest = [p for p in params if p.location != "path"]
        required = [p for p in rest if p.required]
        optional = [p for p in rest if not p.required]
        return (*first, *paths, *required, *optional)

    def _result(self, row: Name, operation: dict[str, Any]) -> tuple[str, Type, str, Type | None]:
        content: dict[str, Any] = _success(operation).get("content", {})
        if row.result == "str":
            return "str", Type("str"), "", None
        if row.result == "binary":  # binary even where the spec declares no content
            return "binary", Type("BinaryResponseContent"), "", None
        if row.result == "none" or not content:
            return "none", Type("None"), "", None
        if JSON not in content:
            return "binary", Type("BinaryResponseContent"), "", None
        schema: dict[str, Any] = content[JSON]["schema"]
        if row.page:
            if row.page not in PAGE_KINDS:
                raise ValueError(f"unknown page kind {row.page!r} for {row.method}")
            items = resolve(self.spec, schema)["properties"]["data"]["items"]
            item = Type.of(self.typemap.response_type(items, row.method))
            page = f"Async{row.page}[{item.annotation}]"
            return "page", Type(f"AsyncPaginator[{item.annotation}, {page}]"), row.page, item
        return "model", Type.of(self.typemap.response_type(schema, row.method)), "", None


def build_tree(spec: dict[str, Any], typemap: TypeMapLike) -> Resource:
    """The resource tree of every method in the naming table."""
    builder = _Builder(spec, typemap)
    root = Resource(())
    for row in METHODS:
        method = builder.method(row)
        node = root
        for depth in range(len(method.resource)):
            key = method.resource[depth]
            node = node.children.setdefault(key, Resource(method.resource[: depth + 1]))
        node.methods.append(method)
    _check_tree(root)
    return root


def _check_tree(root: Resource) -> None:
    for node in root.walk():
        names = [method.name for method in node.methods]
        clashes = set(names) & set(node.children) | {n for n in names if names.count(n) > 1}
        if clashes:
            raise ValueError(f"names used twice under {'.'.join(node.path)}: {sorted(clashes)}")


def iter_methods(root: Resource) -> Iterable[Method]:
    for node in root.walk():
        yield from node.methods
