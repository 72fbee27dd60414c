"""Writes ``openai_async/types/**`` from the type model of ``codegen.typemap``.

One file per group of declarations that refer to each other (usually one schema per file);
each package ``__init__`` re-exports its public names lazily through ``__getattr__`` so that
importing a package costs one small module.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from keyword import iskeyword
from pathlib import Path
from typing import Any

from codegen.render import format_tree, import_lines, module_path, write_file
from codegen.type_extensions import extension_for
from codegen.typemap import BASE_MODEL, Decl, Field, TypeMap, decl_anns, split_union

__all__ = ["TYPES_PACKAGE", "generate_types", "render_files"]

TYPES_PACKAGE = "openai_async.types"


def generate_types(spec: dict[str, Any], out_dir: Path, *, typemap: TypeMap | None = None) -> None:
    """Write the types tree; ``out_dir`` is the folder holding the ``openai_async`` package."""
    files = render_files(typemap or TypeMap(spec))
    target = module_path(out_dir, TYPES_PACKAGE, package=True).parent
    if target.exists():
        shutil.rmtree(target)
    for module, (body, package) in sorted(files.items()):
        write_file(module_path(out_dir, module, package=package), body)
    format_tree(target)


def render_files(typemap: TypeMap) -> dict[str, tuple[str, bool]]:
    """Module name -> (source without header, is-a-package) for the whole types tree."""
    by_file: dict[str, list[Decl]] = {}
    for unit in typemap.units():
        by_file.setdefault(unit.file_module, []).extend(unit.decls)
    files = {
        module: (render_module(module, decls, typemap), False) for module, decls in by_file.items()
    }
    for package, exports in package_exports(by_file, typemap).items():
        files[package] = (render_package(package, exports), True)
    return files


# ----- packages -----------------------------------------------------------------------------


Exports = dict[str, tuple[str, str]]


def package_exports(by_file: dict[str, list[Decl]], typemap: TypeMap) -> dict[str, Exports]:
    """Package -> {public name: (defining module, name there)}, every parent package present."""
    packages: dict[str, Exports] = {TYPES_PACKAGE: {}}
    for module, decls in by_file.items():
        for decl in decls:
            if decl.public:
                packages.setdefault(decl.unit.package, {})[decl.name] = (module, decl.name)
        for parent in parents(module.rsplit(".", 1)[0]):
            packages.setdefault(parent, {})
    for package, name, decl in typemap.official_aliases():
        exports = packages.setdefault(package, {})
        exports.setdefault(name, (decl.unit.file_module, decl.name))
        for parent in parents(package):
            packages.setdefault(parent, {})
    return packages


def parents(package: str) -> Iterator[str]:
    """``openai_async.types.a.b`` -> itself and every parent down to ``openai_async.types``."""
    parts = package.split(".")
    for end in range(len(parts), 2, -1):
        yield ".".join(parts[:end])


def render_package(package: str, exports: Exports) -> str:
    names = sorted(exports)
    lines = [
        f'"""Types of ``{package}``, each imported on first use."""',
        "",
        "from __future__ import annotations",
        "",
        "import importlib",
        "from typing import TYPE_CHECKING, Any" if names else "from typing import Any",
        "",
    ]
    if names:
        lines.append("if TYPE_CHECKING:")
        lines.extend(
            f"    from {exports[name][0]} import {exports[name][1]} as {name}" for name in names
        )
        lines.append("")
    lines.append("__all__ = [" + ", ".join(repr(name) for name in names) + "]")
    lines.append("")
    lines.append("_EXPORTS: dict[str, tuple[str, str]] = {")
    lines.extend(f"    {name!r}: {exports[name]!r}," for name in names)
    lines.append("}")
    lines.extend(GETATTR)
    return "\n".join(lines)


GETATTR = [
    "",
    "",
    "def __getattr__(name: str) -> Any:",
    "    source = _EXPORTS.get(name)",
    "    if source is None:",
    '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
    "    value = getattr(importlib.import_module(source[0]), source[1])",
    "    globals()[name] = value",
    "    return value",
    "",
    "",
    "def __dir__() -> list[str]:",
    "    return sorted([*globals(), *_EXPORTS])",
]


# ----- modules ------------------------------------------------------------------------------


def render_module(module: str, decls: list[Decl], typemap: TypeMap) -> str:
    classes = [decl for decl in decls if decl.kind in ("struct", "typeddict")]
    aliases = ordered_aliases([decl for decl in decls if decl.kind in ("alias", "enum")])
    imports = module_imports(module, decls, typemap)
    names = sorted(decl.name for decl in decls)
    public = ", ".join(f"``{decl.name}``" for decl in decls if decl.public) or "helpers"
    lines = [f'"""Generated types: {public}."""', "", "from __future__ import annotations", ""]
    lines.extend(import_lines(imports, here=module))
    lines.append("")
    lines.append("__all__ = [" + ", ".join(repr(name) for name in names) + "]")
    for decl in classes:
        lines.extend(["", ""])
        lines.extend(render_struct(decl) if decl.kind == "struct" else render_typeddict(decl))
    for decl in aliases:
        lines.extend(["", ""])
        assert decl.alias is not None
        lines.append(f"{decl.name}: TypeAlias = {decl.alias.text}")
    return "\n".join(lines)


def module_imports(module: str, decls: list[Decl], typemap: TypeMap) -> set[tuple[str, str]]:
    imports: set[tuple[str, str]] = set()
    for decl in decls:
        for ann in decl_anns(decl):
            imports |= typemap.imports_of(ann)
        if decl.kind == "struct":
            imports.add(BASE_MODEL)
            mixin = struct_mixin(decl)
            if mixin is not None:
                imports.add(mixin)
            if decl.tag is not None:
                imports.add(("typing", "Literal"))
            if any(item.name != item.wire for item in decl.fields):
                imports.add(("msgspec", "field"))
        elif decl.kind == "typeddict":
            imports.add(("typing_extensions", "TypedDict"))
            if any(item.required for item in decl.fields):
                imports.add(("typing_extensions", "Required"))
        else:
            imports.add(("typing", "TypeAlias"))
    return {(source, name) for source, name in imports if source != module}


def ordered_aliases(aliases: list[Decl]) -> list[Decl]:
    """Aliases ordered so each one follows the aliases of the same file it names."""
    local = {decl.name: decl for decl in aliases}
    done: dict[str, Decl] = {}

    def visit(decl: Decl) -> None:
        if decl.name in done:
            return
        done[decl.name] = decl
        assert decl.alias is not None
        for used in sorted(decl.alias.decls, key=lambda item: item.name):
            if used.name in local and used is local[used.name]:
                done.pop(decl.name)
                visit(used)
                done[decl.name] = decl

    for decl in aliases:
        visit(decl)
    return list(done.values())


def field_default(item: Field, side_required: bool) -> str:
    if item.name != item.wire:
        if side_required:
            return f" = field(name={item.wire!r})"
        return f" = field(default=None, name={item.wire!r})"
    return "" if side_required else " = None"


def struct_mixin(decl: Decl) -> tuple[str, str] | None:
    """The ``(module, class)`` of the helper mixin a public Struct inherits, if any."""
    if not decl.public or decl.base is not None:
        return None
    extension = extension_for(decl.unit.package, decl.name)
    return None if extension is None else extension.mixin


def render_struct(decl: Decl) -> list[str]:
    if decl.base is not None:
        return render_tag_variant(decl, decl.base)
    mixin = struct_mixin(decl)
    bases = "BaseModel" if mixin is None else f"{mixin[1]}, BaseModel"
    header = f"class {decl.name}({bases}, kw_only=True"
    if decl.tag is not None:
        header += f", tag_field={decl.tag[0]!r}, tag={decl.tag[1]!r}"
    lines = [
        header + "):",
        f'    """Response type ``{decl.name}`` (spec: ``{decl.spec_name}``)."""',
    ]
    for item in decl.fields:
        text = item.ann.text
        if not item.required and "None" not in split_union(text) and text != "Any":
            text = f"{text} | None"
        lines.append(f"    {item.name}: {text}{field_default(item, item.required)}")
    lines.extend(tag_property(decl))
    return lines


def tag_property(decl: Decl) -> list[str]:
    """The read-only property that keeps ``obj.type`` (the tag field) readable."""
    if decl.tag is None:
        return []
    tag_field, value = decl.tag
    allowed = ", ".join(repr(item) for item in decl.tag_values)
    return [
        "",
        "    @property",
        f"    def {tag_field}(self) -> Literal[{allowed}]:",
        f'        """The ``{tag_field}`` tag of this variant."""',
        f"        return {value!r}",
    ]


def render_tag_variant(decl: Decl, base: Decl) -> list[str]:
    """A subclass carrying one more of the tag values the base type allows."""
    assert decl.tag is not None
    lines = [
        f"class {decl.name}({base.name}, kw_only=True, tag={decl.tag[1]!r}):",
        f'    """``{base.name}`` whose ``{decl.tag[0]}`` is ``{decl.tag[1]}``."""',
    ]
    return lines + tag_property(decl)


def render_typeddict(decl: Decl) -> list[str]:
    doc = f'    """Request shape ``{decl.name}`` (spec: ``{decl.spec_name}``)."""'
    entries = [
        (item.wire, f"Required[{item.ann.text}]" if item.required else item.ann.text)
        for item in decl.fields
    ]
    if all(wire.isidentifier() and not iskeyword(wire) for wire, _ in entries):
        lines = [f"class {decl.name}(TypedDict, total=False):", doc]
        lines.extend(f"    {wire}: {text}" for wire, text in entries)
        return lines
    body = ", ".join(f"{wire!r}: {text}" for wire, text in entries)
    return [f"{decl.name} = TypedDict({decl.name!r}, {{{body}}}, total=False)"]
