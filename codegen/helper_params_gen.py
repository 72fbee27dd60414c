"""Keyword-argument types of the hand-written helpers that pass ``**params`` on to a method.

``client.chat.completions.stream(model=..., messages=..., temperature=0.2)`` takes the keywords
of ``create`` that it does not handle itself. Those keywords are spec facts, so they are
generated: each entry of ``HELPER_PARAMS`` becomes a ``TypedDict`` in
``openai_async/resources/_helper_params.py`` holding the parameters of one generated method
minus the ones the helper names in its own signature. The helpers annotate
``**params: Unpack[...]`` with it, so a type checker checks every keyword they pass on.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.render import HEADER, import_lines
from codegen.resources_model import EXTRAS, Import, Method, Resource, iter_methods

__all__ = ["HELPER_PARAMS", "MODULE", "HelperParams", "render_helper_params"]

MODULE = "_helper_params"
# The per-call options, typed as keys: a key that is not given is the NOT_GIVEN of a signature.
_EXTRAS = tuple((name, annotation.replace(" | NotGiven", "")) for name, annotation, _ in EXTRAS)
_EXTRA_IMPORTS = {
    ("openai_async._types", name) for name in ("Body", "Headers", "Query", "TimeoutTypes")
}


@dataclass(frozen=True)
class HelperParams:
    """One ``TypedDict``: the parameters of ``method`` (dotted) without ``without``."""

    name: str
    method: str
    without: frozenset[str]
    used_by: str


HELPER_PARAMS = (
    HelperParams(
        "ChatCompletionHelperParams",
        "chat.completions.create",
        frozenset({"model", "messages", "response_format", "tools", "stream"}),
        "``chat.completions.stream()`` and ``parse()``",
    ),
    HelperParams(
        "ChatCompletionToolRunnerParams",
        "chat.completions.create",
        frozenset({"model", "messages", "tools", "stream"}),
        "``chat.completions.run_tools()``",
    ),
    HelperParams(
        "ResponseHelperParams",
        "responses.create",
        frozenset({"tools", "stream"}),
        "``responses.stream()`` and ``parse()``",
    ),
)


def _base(entry: HelperParams) -> HelperParams | None:
    """An earlier entry of the same method that leaves out more: ``entry`` extends it."""
    for earlier in HELPER_PARAMS[: HELPER_PARAMS.index(entry)]:
        if earlier.method == entry.method and earlier.without > entry.without:
            return earlier
    return None


def _class(entry: HelperParams, method: Method) -> list[str]:
    known = {param.name for param in method.params}
    unknown = entry.without - known
    if unknown:
        raise ValueError(f"{entry.name}: {method.dotted} has no parameters {sorted(unknown)}")
    base = _base(entry)
    skip = entry.without if base is None else known - (base.without - entry.without)
    lines = [
        f"class {entry.name}({'TypedDict' if base is None else base.name}, total=False):",
        f'    """Keywords of ``{method.dotted}`` passed on by {entry.used_by}."""',
        "",
    ]
    for param in method.params:
        if param.name in skip:
            continue
        annotation = param.type.annotation
        if param.required:
            annotation = f"Required[{annotation}]"
        lines.append(f"    {param.name}: {annotation}")
    if base is None:
        lines += [f"    {name}: {annotation}" for name, annotation in _EXTRAS]
    return [*lines, "", ""]


def render_helper_params(root: Resource) -> str:
    """The text of the generated module."""
    methods = {method.dotted: method for method in iter_methods(root)}
    imports: set[Import] = set(_EXTRA_IMPORTS)
    body: list[str] = []
    for entry in HELPER_PARAMS:
        method = methods.get(entry.method)
        if method is None:
            raise ValueError(f"{entry.name}: no generated method {entry.method}")
        imports.update(imp for param in method.params for imp in param.type.imports)
        body += _class(entry, method)
    runtime = "Required, TypedDict" if any("Required[" in line for line in body) else "TypedDict"
    head = [
        HEADER,
        '"""Keyword-argument types of the helpers that pass ``**params`` on to a generated method."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING",
        "",
        f"from typing_extensions import {runtime}",
        "",
        "if TYPE_CHECKING:",
        *(f"    {line}" for line in import_lines(imports)),
        "",
        "__all__ = [" + ", ".join(f'"{entry.name}"' for entry in HELPER_PARAMS) + "]",
        "",
        "",
    ]
    return "\n".join([*head, *body]).rstrip("\n") + "\n"
