"""The type model of the spec: every generated declaration, its file, and annotations for it.

``TypeMap`` walks the whole spec once.  It names every object schema (component or inline),
decides which unions are tagged, groups declarations that refer to each other into one file
(import cycles cannot happen), and answers "which annotation and imports does this schema
need" for both sides: decoded responses (msgspec Structs) and request parameters (TypedDicts).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from codegen.spec import ref_name, resolve, schemas
from codegen.type_extensions import extension_for
from codegen.type_names import TypeNames, official_returns, pascal

__all__ = ["Decl", "Field", "TypeMap", "TypeRef", "Unit"]

Side = Literal["response", "param"]
Kind = Literal["struct", "typeddict", "alias", "enum"]

TAG_FIELDS = ("type", "object", "event", "role")
RESERVED_FIELDS = frozenset({"to_dict", "to_json", "raw_json"})
BASE_MODEL = ("openai_async._models", "BaseModel")
FILE_TYPES = ("openai_async._types", "FileTypes")


@dataclass(frozen=True)
class TypeRef:
    """A Python annotation and the (module, name) pairs it needs imported."""

    annotation: str
    imports: frozenset[tuple[str, str]]


@dataclass
class Ann:
    """An annotation under construction: text, declarations and plain imports it uses."""

    text: str
    decls: set[Decl] = field(default_factory=lambda: set[Decl]())
    imports: set[tuple[str, str]] = field(default_factory=lambda: set[tuple[str, str]]())

    def merge(self, other: Ann) -> None:
        self.decls |= other.decls
        self.imports |= other.imports


@dataclass
class Field:
    """One field of a Struct or TypedDict."""

    name: str  # the Python name
    wire: str  # the JSON name
    ann: Ann
    required: bool
    nullable: bool


@dataclass(eq=False)
class Decl:
    """One generated declaration: a Struct, a TypedDict, or a type alias."""

    name: str
    kind: Kind
    side: Side
    schema: dict[str, Any]
    unit: Unit
    spec_name: str
    public: bool
    fields: list[Field] = field(default_factory=lambda: list[Field]())
    alias: Ann | None = None
    tag: tuple[str, str] | None = None  # (tag field, this class's tag value)
    tag_values: tuple[str, ...] = ()  # every value the tag may take on this type
    base: Decl | None = None  # set on the extra subclasses of a multi-valued tag
    variants: list[Decl] = field(default_factory=lambda: list[Decl]())

    def ref(self) -> Ann:
        """Annotation naming this type (with its tag subclasses, if any)."""
        names = [self.name, *(variant.name for variant in self.variants)]
        return Ann(" | ".join(names), decls={self, *self.variants})

    def __hash__(self) -> int:
        return id(self)


@dataclass(eq=False)
class Unit:
    """Declarations generated for one component schema (or one operation) on one side."""

    key: str
    package: str
    decls: list[Decl] = field(default_factory=lambda: list[Decl]())
    file_module: str = ""

    def __hash__(self) -> int:
        return id(self)


def snake(name: str) -> str:
    """``ChatCompletionChunk`` -> ``chat_completion_chunk``."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return text.lower()


def python_field_name(wire: str) -> str:
    """A valid, non-keyword Python identifier for a JSON property name."""
    name = re.sub(r"\W", "_", wire)
    if not name or name[0].isdigit():
        name = f"field_{name}"
    name = name.lstrip("_") or "field"
    if keyword.iskeyword(name) or name in RESERVED_FIELDS:
        name += "_"
    return name


def singular(name: str) -> str:
    """Name for the items of a list called ``name`` (``Choices`` -> ``Choice``)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name + "Item"


def split_union(text: str) -> list[str]:
    """The top-level members of a ``A | B[C | D]`` annotation."""
    parts: list[str] = []
    depth, start = 0, 0
    for position, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return parts


def union_text(parts: list[str]) -> str:
    """``A | B | None`` with duplicates removed and ``None`` last."""
    unique = list(dict.fromkeys(parts))
    if "Any" in unique:
        return "Any"
    if "None" in unique:
        unique = [part for part in unique if part != "None"] + ["None"]
    return " | ".join(unique)


def fold_lists(parts: list[str]) -> list[str]:
    """``list[A] | list[B]`` members folded into one ``list[A | B]`` (msgspec allows one array type)."""
    lists = [part for part in parts if part.startswith("list[") and part.endswith("]")]
    if len(lists) < 2:
        return parts
    inner = [item for part in lists for item in split_union(part[5:-1])]
    folded = f"list[{union_text(fold_lists(inner))}]"
    rest = [part for part in parts if part not in lists]
    return [folded, *rest]


def mergeable_tags(values: list[tuple[str, ...]]) -> bool:
    """Whether tag values are distinct, or shared only by variants allowing just that value."""
    counts: dict[str, int] = {}
    for group in values:
        for value in group:
            counts[value] = counts.get(value, 0) + 1
    return all(len(group) == 1 for group in values if any(counts[v] > 1 for v in group))


def literal_text(values: list[Any]) -> str:
    return "Literal[" + ", ".join(repr(value) for value in values) + "]"


def const_value(schema: dict[str, Any]) -> str | None:
    """The single string value a property schema allows, if it allows exactly one."""
    if isinstance(schema.get("const"), str):
        return str(schema["const"])
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):  # pyright: ignore[reportUnknownArgumentType]
        return enum[0]
    return None


def non_null_variants(schema: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The oneOf/anyOf variants that are not ``{type: null}``, and whether null was one."""
    variants: list[dict[str, Any]] = schema.get("oneOf") or schema.get("anyOf") or []
    kept = [variant for variant in variants if variant.get("type") != "null"]
    return kept, len(kept) != len(variants)


_SHAPE_KEYS = frozenset(
    {"$ref", "properties", "type", "allOf", "anyOf", "oneOf", "enum", "const", "items"}
)


def lone_all_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The one part of an ``allOf`` whose other parts only annotate it (``nullable``,
    ``description``, ...), as in ``allOf: [{$ref: X}, {nullable: true}]``; else ``None``."""
    if "allOf" not in schema or "properties" in schema:
        return None
    shaped = [part for part in schema["allOf"] if _SHAPE_KEYS & part.keys()]
    return shaped[0] if len(shaped) == 1 else None


class TypeMap:
    """The spec's types, named and placed; the interface the resource generator calls."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec
        self._schemas = schemas(spec)
        self._names = TypeNames(spec)
        self._units: dict[str, Unit] = {}
        self._inline: dict[tuple[Side, int], Decl] = {}
        self._component_decls: dict[tuple[Side, str], Decl] = {}
        self._taken: dict[str, set[str]] = {}
        self._pending: list[tuple[Side, str]] = []
        self._expanding: list[str] = []
        self._operation_decls: dict[str, Decl] = {}
        self._merged_decls: dict[tuple[str, str, tuple[str, ...]], Decl] = {}
        self._exported: dict[str, set[str]] | None = None
        self._named_returns = {
            method: (module, name) for method, module, name in official_returns(spec)
        }
        self._frozen = False
        self._kinds = {name: self._component_kind(schema) for name, schema in self._schemas.items()}
        self._tags = self._plan_tags()
        self._reserve_public_names()
        self._pointer_decls: dict[str, Decl] = {}
        self._declare_pointers()
        for name in self._schemas:
            self._component_decl("response", name)
        for name in self._names.param_named():
            if name in self._schemas:
                self._component_decl("param", name)
        self._walk_operations()
        self._drain()
        self._frozen = True
        self._place_files()

    # ----- public interface -------------------------------------------------------------

    def response_type(self, schema: dict[str, Any], method: str = "") -> TypeRef:
        """Annotation for a decoded response value of this schema.

        Given the method (``evals.retrieve``) whose answer (or page item) ``schema`` is, the
        answer is named as the official method names it, when that name is exported
        (``EvalRetrieveResponse``, a re-export of the type).
        """
        found = self._type_ref(self._ann(schema, "response", self._op_context(schema)))
        named = self._named_returns.get(method) if method else None
        if named is None or found.annotation == named[1]:
            return found
        if named[1] in self._exports().get(named[0], ()):
            return TypeRef(named[1], frozenset({named}))
        return found

    def _exports(self) -> dict[str, set[str]]:
        """Package -> the public names it exports (declarations and official re-exports)."""
        if self._exported is None:
            exported: dict[str, set[str]] = {}
            for unit in self.units():
                for decl in unit.decls:
                    if decl.public:
                        exported.setdefault(unit.package, set()).add(decl.name)
            for package, name, _ in self.official_aliases():
                exported.setdefault(package, set()).add(name)
            self._exported = exported
        return self._exported

    def param_type(self, schema: dict[str, Any]) -> TypeRef:
        """Annotation for a request parameter of this schema."""
        return self._type_ref(self._ann(schema, "param", self._op_context(schema)))

    def stream_event_type(self, operation: dict[str, Any]) -> TypeRef | None:
        """Element type of the operation's SSE stream, or ``None`` when it does not stream."""
        for response in operation.get("responses", {}).values():
            content = resolve(self._spec, response).get("content", {})
            if "text/event-stream" in content:
                return self.response_type(content["text/event-stream"]["schema"])
        fallback = STREAM_FALLBACKS.get(operation.get("operationId", ""))
        if fallback is None:
            return None
        return self.response_type({"$ref": f"#/components/schemas/{fallback}"})

    def units(self) -> list[Unit]:
        """Every unit with at least one declaration, in spec order."""
        return [unit for unit in self._units.values() if unit.decls]

    def official_aliases(self) -> list[tuple[str, str, Decl]]:
        """(package, official name, declaration) for official names that re-export a type."""
        found: list[tuple[str, str, Decl]] = []
        for package, name, target, side in self._names.aliases:
            decl = self._component_decls.get((side, target))
            if target in self._operation_decls:
                decl = self._operation_decls[target]
            if target.startswith("#/"):
                decl = self._pointer_decls.get(f"{side}:{target}")
            if decl is not None and decl.unit.file_module:
                found.append((package, name, decl))
        return found

    def decl_module(self, decl: Decl) -> str:
        """The module (file) that defines a declaration."""
        return decl.unit.file_module

    def spec(self) -> dict[str, Any]:
        return self._spec

    # ----- classification ---------------------------------------------------------------

    def _component_kind(self, schema: dict[str, Any]) -> str:
        variants, _ = non_null_variants(schema)
        if len(variants) >= 2 and "properties" not in schema:
            return "union"
        if "properties" in schema or "allOf" in schema:
            return "struct"
        if "enum" in schema or "const" in schema:
            return "enum"
        return "other"

    def _variant_leaves(
        self, schema: dict[str, Any], seen: set[str], anchor: str = ""
    ) -> Iterator[dict[str, Any]]:
        """Object-like leaves of a union (nested unions flattened), as their schemas.

        ``anchor`` is the component a ``$recursiveRef`` points back to.
        """
        if "$recursiveRef" in schema and anchor:
            schema = {"$ref": f"#/components/schemas/{anchor}"}
        name = ref_name(schema)
        if name is not None:
            if name in seen:
                return
            seen.add(name)
        target = resolve(self._spec, schema)
        variants, _ = non_null_variants(target)
        if variants and "properties" not in target:
            for variant in variants:
                yield from self._variant_leaves(variant, seen, anchor)
        elif self._is_objectish(target):
            yield schema

    def _is_objectish(self, schema: dict[str, Any]) -> bool:
        return "properties" in schema or "allOf" in schema or schema.get("type") == "object"

    def merged(self, schema: dict[str, Any]) -> dict[str, Any]:
        """An object schema with ``allOf`` parts folded into one properties/required set."""
        if "allOf" not in schema:
            return schema
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in [*schema["allOf"], {k: v for k, v in schema.items() if k != "allOf"}]:
            target = self.merged(resolve(self._spec, part))
            properties.update(target.get("properties", {}))
            required.extend(name for name in target.get("required", []) if name not in required)
        return {"type": "object", "properties": properties, "required": required}

    def _tag_values(self, schema: dict[str, Any], tag_field: str) -> tuple[str, ...]:
        """The string constants a variant's tag property allows (empty when not constant)."""
        target = self.merged(resolve(self._spec, schema))
        prop = target.get("properties", {}).get(tag_field)
        if prop is None:
            return ()
        prop = resolve(self._spec, prop)
        variants, _ = non_null_variants(prop)
        if len(variants) == 1:  # a nullable constant: ``anyOf: [{enum: [x]}, {type: null}]``
            prop = resolve(self._spec, variants[0])
        single = const_value(prop)
        if single is not None:
            return (single,)
        enum: list[Any] = prop.get("enum") or []
        if enum and all(isinstance(value, str) for value in enum):
            return tuple(enum)
        return ()

    def _union_tag_field(self, leaves: list[dict[str, Any]]) -> str | None:
        """The tag field of a union whose object variants all carry constants.

        The constants are distinct, or variants sharing one each allow only that value (such
        groups decode as one merged Struct, see ``_merged_union``).
        """
        if len(leaves) < 2:
            return None
        for tag_field in TAG_FIELDS:
            values = [self._tag_values(leaf, tag_field) for leaf in leaves]
            if all(values) and mergeable_tags(values):
                return tag_field
        return None

    def _iter_unions(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every union schema in the component tree, with its component (for the tag plan)."""
        for component, schema in self._schemas.items():
            stack: list[Any] = [schema]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    variants, _ = non_null_variants(node)  # pyright: ignore[reportUnknownArgumentType]
                    if len(variants) >= 2:
                        yield component, node  # pyright: ignore[reportReturnType]
                    stack.extend(node.values())  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
                elif isinstance(node, list):
                    stack.extend(node)  # pyright: ignore[reportUnknownArgumentType]

    def _plan_tags(self) -> dict[str | int, tuple[str, tuple[str, ...]]]:
        """Variant (component name, or id of an inline schema) -> (tag field, tag value).

        A variant gets a tag when the tagged unions it belongs to agree on the tag field.
        """
        wanted: dict[str | int, set[str]] = {}
        leaf_schemas: dict[str | int, dict[str, Any]] = {}
        for component, union in self._iter_unions():
            leaves = list(self._variant_leaves(union, set(), component))
            tag_field = self._union_tag_field(leaves)
            for leaf in leaves:
                key = ref_name(leaf) or id(leaf)
                leaf_schemas[key] = leaf
                if tag_field is not None:
                    wanted.setdefault(key, set()).add(tag_field)
        tags: dict[str | int, tuple[str, tuple[str, ...]]] = {}
        for key, fields in wanted.items():
            if len(fields) == 1:
                tag_field = next(iter(fields))
                values = self._tag_values(leaf_schemas[key], tag_field)
                if values:
                    tags[key] = (tag_field, values)
        return tags

    def _attach_tag(self, decl: Decl, key: str | int) -> None:
        """Give a response Struct its tag; each extra allowed value gets a tagged subclass."""
        planned = self._tags.get(key)
        if planned is None or decl.side != "response":
            return
        tag_field, values = planned
        decl.tag, decl.tag_values = (tag_field, values[0]), values
        for value in values[1:]:
            name = self._unique(decl.unit.package, decl.name + pascal(value))
            variant = Decl(
                name, "struct", "response", decl.schema, decl.unit, decl.spec_name, decl.public
            )
            variant.tag, variant.tag_values, variant.base = (tag_field, value), (value,), decl
            decl.variants.append(variant)
            decl.unit.decls.append(variant)

    # ----- naming and units -------------------------------------------------------------

    def _unit(self, key: str, package: str) -> Unit:
        unit = self._units.get(key)
        if unit is None:
            unit = self._units[key] = Unit(key, package)
        return unit

    def _reserve_public_names(self) -> None:
        for name in self._schemas:
            module, public = self._names.response_home(name)
            self._taken.setdefault(module, set()).add(public)

    def _unique(self, package: str, name: str) -> str:
        taken = self._taken.setdefault(package, set())
        candidate, number = name, 2
        while candidate in taken:
            candidate, number = f"{name}{number}", number + 1
        taken.add(candidate)
        return candidate

    def _declare_pointers(self) -> None:
        """Declarations for the inline schemas the naming table gives an official name."""
        made: list[tuple[Decl, dict[str, Any], str]] = []
        for side in ("response", "param"):
            for pointer, (package, public) in self._names.pointer_homes(side).items():
                node = self._names.node(pointer)
                assert node is not None, pointer
                component = self._names.pointer_context(pointer)
                kind = self._component_kind(node)
                decl_kind: Kind = {"union": "alias", "enum": "enum", "other": "alias"}.get(
                    kind, "struct" if side == "response" else "typeddict"
                )  # type: ignore[assignment]
                self._taken.setdefault(package, set()).add(public)
                unit = self._unit(f"{side}:{pointer}", package)
                decl = Decl(public, decl_kind, side, node, unit, pointer[2:], True)
                unit.decls.append(decl)
                if decl_kind in ("struct", "typeddict"):
                    self._inline[(side, id(node))] = decl
                    self._attach_tag(decl, id(node))
                self._pointer_decls[f"{side}:{pointer}"] = decl
                made.append((decl, node, component))
        for decl, node, component in made:
            self._fill(decl, node, component)

    def _component_decl(self, side: Side, name: str) -> Decl | None:
        """The top declaration of a component on a side (built lazily), or None for inlined kinds."""
        kind = self._kinds[name]
        if side == "param" and kind in ("enum", "other") and not self._names.has_param_home(name):
            return None
        found = self._component_decls.get((side, name))
        if found is not None:
            return found
        if side == "response":
            package, public = self._names.response_home(name)
        else:
            package, public = self._names.param_home(name)
            public = self._unique(package, public)
        unit = self._unit(f"{side}:{name}", package)
        decl_kind: Kind = {"union": "alias", "enum": "enum", "other": "alias"}.get(
            kind, "struct" if side == "response" else "typeddict"
        )  # type: ignore[assignment]
        decl = Decl(public, decl_kind, side, self._schemas[name], unit, name, True)
        unit.decls.append(decl)
        self._attach_tag(decl, name)
        self._component_decls[(side, name)] = decl
        self._pending.append((side, name))
        return decl

    def _drain(self) -> None:
        while self._pending:
            side, name = self._pending.pop(0)
            decl = self._component_decls[(side, name)]
            self._fill(decl, self._schemas[name], name)

    def _fill(self, decl: Decl, schema: dict[str, Any], context: str) -> None:
        """Compute a declaration's fields or aliased annotation."""
        if decl.kind in ("struct", "typeddict"):
            decl.fields = self._fields(decl, self.merged(schema), context)
        elif decl.kind == "enum":
            values = schema.get("enum") or [schema.get("const")]
            decl.alias = Ann(literal_text([value for value in values if value is not None]))
            decl.alias.imports.add(("typing", "Literal"))
        else:
            self._expanding.append(context)
            decl.alias = self._ann_inner(schema, decl.side, (decl.unit, decl.name, context))
            self._expanding.pop()

    def _fields(self, decl: Decl, schema: dict[str, Any], context: str) -> list[Field]:
        required = set(schema.get("required", []))
        fields: list[Field] = []
        used: set[str] = set()
        extension = extension_for(decl.unit.package, decl.name) if decl.public else None
        computed = extension.computed if extension is not None else ()
        for wire, prop in schema.get("properties", {}).items():
            if (decl.tag is not None and wire == decl.tag[0]) or wire in computed:
                continue
            name = python_field_name(wire)
            while name in used:
                name += "_"
            used.add(name)
            nested_name = decl.name.removesuffix("Param") + pascal(wire)
            ctx = (decl.unit, nested_name, context)
            ann = self._ann(prop, decl.side, ctx)
            nullable = "None" in split_union(ann.text)
            fields.append(Field(name, wire, ann, wire in required, nullable))
        return fields

    def _nested(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Decl:
        """The declaration of an inline object schema (registered on first sight)."""
        found = self._inline.get((side, id(schema)))
        if found is not None:
            return found
        unit, hint, context = ctx
        base = hint if side == "response" else hint.removesuffix("Param") + "Param"
        name = self._unique(unit.package, base)
        kind: Kind = "struct" if side == "response" else "typeddict"
        decl = Decl(name, kind, side, schema, unit, f"{context} (inline)", False)
        self._inline[(side, id(schema))] = decl
        unit.decls.append(decl)
        self._attach_tag(decl, id(schema))
        decl.fields = self._fields(decl, self.merged(schema), context)
        return decl

    # ----- operations -------------------------------------------------------------------

    def _walk_operations(self) -> None:
        for path_item in self._spec["paths"].values():
            for method, operation in path_item.items():
                if method == "parameters":
                    continue
                self._walk_operation(operation, path_item.get("parameters", []))

    def _walk_operation(self, operation: dict[str, Any], shared: list[dict[str, Any]]) -> None:
        op_id: str = operation["operationId"]
        package, name = self._names.operation_param_home(op_id)
        request_unit = self._unit(f"param:#op:{op_id}", package)
        for parameter in [*shared, *operation.get("parameters", [])]:
            parameter = resolve(self._spec, parameter)
            hint = name.removesuffix("Params") + pascal(parameter["name"])
            self._ann(parameter.get("schema", {}), "param", (request_unit, hint, op_id))
        body = operation.get("requestBody")
        if body is not None:
            for media in resolve(self._spec, body).get("content", {}).values():
                self._ann(media.get("schema", {}), "param", (request_unit, name, op_id))
        package, name = self._names.operation_response_home(op_id)
        response_unit = self._unit(f"response:#op:{op_id}", package)
        for response in operation.get("responses", {}).values():
            for media in resolve(self._spec, response).get("content", {}).values():
                schema = media.get("schema", {})
                named = self._names.has_operation_home(op_id)
                if (self._is_objectish(schema) or named) and "$ref" not in schema:
                    self._public_inline(schema, response_unit, name, op_id)
                self._ann(schema, "response", (response_unit, name, op_id))

    def _public_inline(self, schema: dict[str, Any], unit: Unit, name: str, op_id: str) -> None:
        if ("response", id(schema)) in self._inline:
            return
        variants, _ = non_null_variants(schema)
        if variants and "properties" not in schema:
            self._public_union(schema, unit, name, op_id)
            return
        if not self._is_objectish(schema):
            return
        self._taken.setdefault(unit.package, set()).add(name)
        decl = Decl(name, "struct", "response", schema, unit, f"{op_id} response", True)
        self._operation_decls.setdefault(op_id, decl)
        self._inline[("response", id(schema))] = decl
        unit.decls.append(decl)
        decl.fields = self._fields(decl, self.merged(schema), op_id)

    def _public_union(self, schema: dict[str, Any], unit: Unit, name: str, op_id: str) -> None:
        """An operation's inline union answer, declared as an alias under its official name."""
        if op_id in self._operation_decls:
            return
        self._taken.setdefault(unit.package, set()).add(name)
        decl = Decl(name, "alias", "response", schema, unit, f"{op_id} response", True)
        self._operation_decls[op_id] = decl
        unit.decls.append(decl)
        self._fill(decl, schema, op_id)

    def _op_context(self, schema: dict[str, Any]) -> Ctx:
        unit = self._unit("response:#unknown", "openai_async.types.shared")
        return (unit, "Inline", "inline")

    # ----- annotations ------------------------------------------------------------------

    def _ann(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Ann:
        ann = self._ann_inner(schema, side, ctx)
        if schema.get("nullable") is True and "None" not in split_union(ann.text):
            ann.text = union_text([*split_union(ann.text), "None"]) if ann.text != "Any" else "Any"
        return ann

    def _ann_inner(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Ann:
        name = ref_name(schema)
        if name is not None:
            return self._ref_ann(name, side, ctx)
        if "$recursiveRef" in schema:
            return self._ref_ann(ctx[2], side, ctx) if ctx[2] in self._schemas else Ann("Any")
        variants, nullable = non_null_variants(schema)
        if variants and "properties" not in schema:
            return self._union_ann(variants, nullable, side, ctx)
        lone = lone_all_of(schema)
        if lone is not None:
            if any(part.get("nullable") is True for part in schema["allOf"]):
                lone = {**lone, "nullable": True}
            return self._ann(lone, side, ctx)
        if "properties" in schema or "allOf" in schema:
            return self._object_ann(schema, side, ctx)
        return self._scalar_ann(schema, side, ctx)

    def _ref_ann(self, name: str, side: Side, ctx: Ctx) -> Ann:
        kind = self._kinds[name]
        target = self._schemas[name]
        if kind == "enum":
            return self._enum_ann(target, side)
        if kind == "other" and (side == "param" or name not in self._expanding):
            if name in self._expanding:
                return Ann("Any", imports={("typing", "Any")})
            self._expanding.append(name)
            unit = self._unit(f"{side}:{name}", self._names.response_home(name)[0])
            ann = self._ann(target, side, (unit, self._names.response_home(name)[1], name))
            self._expanding.pop()
            return ann
        decl = self._component_decls.get((side, name))
        if decl is None and not self._frozen:
            decl = self._component_decl(side, name)
        if decl is None:
            return Ann("Any", imports={("typing", "Any")})
        return decl.ref()

    def _union_ann(
        self, variants: list[dict[str, Any]], nullable: bool, side: Side, ctx: Ctx
    ) -> Ann:
        if side == "response":
            merged = self._merged_union(variants, nullable, ctx)
            if merged is not None:
                return merged
        unit, hint, context = ctx
        result = Ann("")
        parts: list[str] = []
        for index, variant in enumerate(variants):
            suffix = self._variant_suffix(variant, index)
            if len(variants) == 1:
                suffix = ""
            part = self._ann(variant, side, (unit, hint + suffix, context))
            result.merge(part)
            parts.extend(split_union(part.text))
        if nullable:
            parts.append("None")
        result.text = union_text(fold_lists(parts) if side == "response" else parts)
        if result.text == "Any":
            result.imports.add(("typing", "Any"))
        return result

    # ----- unions whose variants share a tag --------------------------------------------

    def _merged_union(self, variants: list[dict[str, Any]], nullable: bool, ctx: Ctx) -> Ann | None:
        """A response union whose object variants share tag values, made decodable.

        Nested unions are flattened; variants sharing a tag value become one Struct holding the
        union of their fields, so every Struct of the union is tagged (msgspec's fast path).
        ``None`` when the union needs no merging.
        """
        flat, nested_null = self._flat_variants(variants, ctx[2])
        objects = [item for item in flat if self._is_objectish(resolve(self._spec, item))]
        tag_field = self._union_tag_field(objects)
        if tag_field is None:
            return None
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in objects:
            for value in self._tag_values(item, tag_field):
                groups.setdefault(value, []).append(item)
        if all(len(members) == 1 for members in groups.values()):
            return None
        unit, hint, context = ctx
        object_ids = {id(item) for item in objects}
        result, parts, done = Ann(""), list[str](), set[str]()
        for index, item in enumerate(flat):
            values = self._tag_values(item, tag_field) if id(item) in object_ids else ()
            shared = [value for value in values if len(groups[value]) > 1]
            if shared and shared[0] in done:
                continue
            if shared:
                done.add(shared[0])
                part = self._merged_decl(tag_field, shared[0], groups[shared[0]], ctx)
                if part is None:
                    return None
                ann = part.ref()
            else:
                suffix = self._variant_suffix(item, index)
                ann = self._ann(item, "response", (unit, hint + suffix, context))
            result.merge(ann)
            parts.extend(split_union(ann.text))
        if nullable or nested_null:
            parts.append("None")
        result.text = union_text(fold_lists(parts))
        return result

    def _flat_variants(
        self, variants: list[dict[str, Any]], anchor: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """Union variants with nested unions flattened (by identity), and whether null was one."""
        flat: list[dict[str, Any]] = []
        seen: set[str] = set()
        nullable = False
        stack = list(reversed(variants))
        while stack:
            variant = stack.pop()
            if "$recursiveRef" in variant and anchor in self._schemas:
                variant = {"$ref": f"#/components/schemas/{anchor}"}
            name = ref_name(variant)
            if name is not None:
                if name in seen:
                    continue
                seen.add(name)
            target = resolve(self._spec, variant)
            inner, inner_null = non_null_variants(target)
            nullable = nullable or inner_null or target.get("type") == "null"
            if inner and "properties" not in target:
                stack.extend(reversed(inner))
            elif target.get("type") != "null":
                flat.append(variant)
        return flat, nullable

    def _merged_decl(
        self, tag_field: str, value: str, members: list[dict[str, Any]], ctx: Ctx
    ) -> Decl | None:
        """The Struct standing for the variants of a union that share one tag value."""
        key = (tag_field, value, tuple(ref_name(item) or str(id(item)) for item in members))
        found = self._merged_decls.get(key)
        if found is not None or self._frozen:
            return found
        unit, hint, context = ctx
        schema = self._merged_schema(members, tag_field, value)
        name = self._unique(unit.package, hint + pascal(value))
        spec_name = " + ".join(ref_name(item) or "inline" for item in members)
        decl = Decl(name, "struct", "response", schema, unit, spec_name, False)
        decl.tag, decl.tag_values = (tag_field, value), (value,)
        self._merged_decls[key] = decl
        unit.decls.append(decl)
        decl.fields = self._fields(decl, schema, context)
        return decl

    def _merged_schema(
        self, members: list[dict[str, Any]], tag_field: str, value: str
    ) -> dict[str, Any]:
        """One object schema with every member's properties (differing ones as ``anyOf``)."""
        shapes = [self.merged(resolve(self._spec, item)) for item in members]
        found: dict[str, list[dict[str, Any]]] = {}
        for shape in shapes:
            for wire, prop in shape.get("properties", {}).items():
                bucket = found.setdefault(wire, [])
                if prop not in bucket:
                    bucket.append(prop)
        properties = {wire: self._merged_property(bucket) for wire, bucket in found.items()}
        properties[tag_field] = {"type": "string", "enum": [value]}
        required = [
            wire for wire in found if all(wire in shape.get("required", []) for shape in shapes)
        ]
        return {"type": "object", "properties": properties, "required": required}

    def _merged_property(self, bucket: list[dict[str, Any]]) -> dict[str, Any]:
        """One schema for a property the merged variants declare differently.

        Nested unions are flattened; arrays become one array of the merged item schemas and
        inline untagged objects one object with all their properties (recursively), so the
        merged Struct has at most one array type and no untagged Structs side by side (what a
        msgspec decoder needs).  Anything else stays a union of the different schemas.
        """
        if len(bucket) == 1:
            return bucket[0]
        leaves, nullable = self._property_leaves(bucket)
        arrays = [leaf for leaf in leaves if resolve(self._spec, leaf).get("type") == "array"]
        objects = [leaf for leaf in leaves if "$ref" not in leaf and "properties" in leaf]
        if self._distinctly_tagged(objects):
            objects = []
        merged: list[dict[str, Any]] = []
        for leaf in leaves:
            if leaf in arrays:
                if leaf is arrays[0]:
                    items = [resolve(self._spec, item).get("items", {}) for item in arrays]
                    merged.append({"type": "array", "items": self._merged_property(items)})
            elif leaf in objects:
                if leaf is objects[0]:
                    merged.append(self._merged_objects(objects))
            else:
                merged.append(leaf)
        if nullable:
            merged.append({"type": "null"})
        return merged[0] if len(merged) == 1 else {"anyOf": merged}

    def _property_leaves(self, bucket: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """The distinct non-null schemas of a bucket, unions flattened, and whether null was one."""
        leaves: list[dict[str, Any]] = []
        nullable = False
        stack = list(reversed(bucket))
        while stack:
            item = stack.pop()
            target = resolve(self._spec, item)
            variants, has_null = non_null_variants(target)
            nullable = nullable or has_null or target.get("type") == "null"
            if variants and "properties" not in target:
                stack.extend(reversed(variants))
            elif target.get("type") != "null" and item not in leaves:
                leaves.append(item)
        return leaves, nullable

    def _distinctly_tagged(self, objects: list[dict[str, Any]]) -> bool:
        """Whether inline objects each carry one constant tag value, all different."""
        for tag_field in TAG_FIELDS:
            values = [self._tag_values(item, tag_field) for item in objects]
            if all(len(group) == 1 for group in values) and len(set(values)) == len(values):
                return True
        return False

    def _merged_objects(self, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """One object schema with the properties of every object (differing ones merged)."""
        if len(objects) == 1:
            return objects[0]
        shapes = [self.merged(item) for item in objects]
        found: dict[str, list[dict[str, Any]]] = {}
        for shape in shapes:
            for wire, prop in shape.get("properties", {}).items():
                bucket = found.setdefault(wire, [])
                if prop not in bucket:
                    bucket.append(prop)
        required = [
            wire for wire in found if all(wire in shape.get("required", []) for shape in shapes)
        ]
        properties = {wire: self._merged_property(bucket) for wire, bucket in found.items()}
        return {"type": "object", "properties": properties, "required": required}

    def _variant_suffix(self, variant: dict[str, Any], index: int) -> str:
        """Name part for an inline union variant: its title, its tag value, or its position."""
        title = variant.get("title")
        if isinstance(title, str):
            return pascal(title)
        properties: dict[str, Any] = variant.get("properties", {})
        for tag_field in TAG_FIELDS:
            value = const_value(properties.get(tag_field, {}))
            if value is not None:
                return pascal(value)
        return f"Variant{index}"

    def _object_ann(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Ann:
        if self._frozen and (side, id(schema)) not in self._inline:
            return self._map_ann(schema, side, ctx)
        merged = self.merged(schema)
        if not merged.get("properties"):
            return self._map_ann(merged, side, ctx)
        decl = self._nested(schema, side, ctx)
        return decl.ref()

    def _map_ann(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Ann:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            value = self._ann(extra, side, ctx)  # pyright: ignore[reportUnknownArgumentType]
            value.text = f"dict[str, {value.text}]"
            return value
        return Ann("dict[str, Any]", imports={("typing", "Any")})

    def _enum_ann(self, schema: dict[str, Any], side: Side) -> Ann:
        values = schema.get("enum") or [schema.get("const")]
        has_null = None in values
        if side == "response" or schema.get("type") not in (None, "string", "integer"):
            text = {"integer": "int", "number": "float", "boolean": "bool"}.get(
                schema.get("type", "string"), "str"
            )
            return Ann(f"{text} | None" if has_null else text)
        literal = literal_text([value for value in values if value is not None])
        return Ann(f"{literal} | None" if has_null else literal, imports={("typing", "Literal")})

    def _scalar_ann(self, schema: dict[str, Any], side: Side, ctx: Ctx) -> Ann:
        if "enum" in schema or "const" in schema:
            return self._enum_ann(schema, side)
        kind = schema.get("type")
        if kind == "string":
            if side == "param" and schema.get("format") == "binary":
                return Ann("FileTypes", imports={FILE_TYPES})
            return Ann("str")
        simple = {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}
        if kind in simple:
            return Ann(simple[kind])
        if kind == "array":
            item = self._ann(schema.get("items") or {}, side, (ctx[0], singular(ctx[1]), ctx[2]))
            if side == "param":
                item.text = f"Iterable[{item.text}]"
                item.imports.add(("collections.abc", "Iterable"))
            else:
                item.text = f"list[{item.text}]"
            return item
        if kind == "object":
            return self._map_ann(schema, side, ctx)
        return Ann("Any", imports={("typing", "Any")})

    # ----- files ------------------------------------------------------------------------

    def _place_files(self) -> None:
        """Group units into files: one file per strongly connected set of units."""
        units = self.units()
        edges = {unit: self._unit_edges(unit) for unit in units}
        used: dict[str, set[str]] = {}
        for component in strongly_connected(units, edges):
            first = component[0]
            stem = snake(first.decls[0].name)
            taken = used.setdefault(first.package, set())
            while stem in taken or stem in RESERVED_STEMS:
                stem += "_"
            taken.add(stem)
            for unit in component:
                unit.file_module = f"{first.package}.{stem}"

    def _unit_edges(self, unit: Unit) -> list[Unit]:
        targets: dict[Unit, None] = {}
        for decl in unit.decls:
            for ann in decl_anns(decl):
                for used in ann.decls:
                    if used.unit is not unit:
                        targets[used.unit] = None
        return list(targets)

    def _type_ref(self, ann: Ann) -> TypeRef:
        imports = set(ann.imports)
        imports.update((decl.unit.file_module, decl.name) for decl in ann.decls)
        return TypeRef(ann.text, frozenset(imports))

    def imports_of(self, ann: Ann) -> set[tuple[str, str]]:
        """(module, name) pairs needed by an annotation."""
        return set(self._type_ref(ann).imports)


Ctx = tuple[Unit, str, str]

# Subpackage names that files must not shadow.
RESERVED_STEMS = frozenset(
    {
        "admin",
        "alpha",
        "audio",
        "beta",
        "chat",
        "checkpoints",
        "containers",
        "conversations",
        "evals",
        "fine_tuning",
        "graders",
        "groups",
        "jobs",
        "organization",
        "projects",
        "realtime",
        "responses",
        "runs",
        "service_accounts",
        "shared",
        "skills",
        "threads",
        "uploads",
        "users",
        "vector_stores",
        "webhooks",
    }
)

# Operations that stream although the spec declares no text/event-stream content.
STREAM_FALLBACKS: dict[str, str] = {
    "createCompletion": "CreateCompletionResponse",
    "createThreadAndRun": "AssistantStreamEvent",
    "createRun": "AssistantStreamEvent",
    "submitToolOuputsToRun": "AssistantStreamEvent",
    "getResponse": "ResponseStreamEvent",
    "beta_getResponse": "BetaResponseStreamEvent",
}


def decl_anns(decl: Decl) -> list[Ann]:
    """Every annotation a declaration uses."""
    anns = [item.ann for item in decl.fields]
    if decl.alias is not None:
        anns.append(decl.alias)
    return anns


def strongly_connected(nodes: list[Unit], edges: dict[Unit, list[Unit]]) -> list[list[Unit]]:
    """Tarjan's algorithm, iterative; components come out in a deterministic order."""
    index: dict[Unit, int] = {}
    low: dict[Unit, int] = {}
    on_stack: set[Unit] = set()
    stack: list[Unit] = []
    result: list[list[Unit]] = []
    order = {node: position for position, node in enumerate(nodes)}
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[Unit, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component: list[Unit] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member is node:
                        break
                result.append(sorted(component, key=order.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result
