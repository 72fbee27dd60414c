"""Loading the OpenAPI spec and resolving references inside it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DEFAULT_SPEC_PATH", "REPO_ROOT", "load_spec", "ref_name", "resolve", "schemas"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "openapi" / "openapi.yaml"
SCHEMA_PREFIX = "#/components/schemas/"


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    return data


def load_spec(path: Path | None = None) -> dict[str, Any]:
    """The parsed spec (cached per path); defaults to ``../shared/openapi/openapi.yaml``."""
    return _load((path or DEFAULT_SPEC_PATH).resolve())


def schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The component schemas by name."""
    found: dict[str, dict[str, Any]] = spec["components"]["schemas"]
    return found


def ref_name(schema: dict[str, Any]) -> str | None:
    """The component name a ``$ref`` schema points at, or ``None`` for inline schemas."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
        return ref[len(SCHEMA_PREFIX) :]
    return None


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` links (components/schemas or components/responses) to the target."""
    seen: set[str] = set()
    while "$ref" in schema:
        ref: str = schema["$ref"]
        if ref in seen:
            raise ValueError(f"reference loop at {ref}")
        seen.add(ref)
        node: Any = spec
        for raw in ref.removeprefix("#/").split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        schema = node
    return schema
