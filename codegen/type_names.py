"""The naming table for types: spec schema -> (module, official name), plus its overrides.

Names and modules are the official Python client's public ones (facts from
``../shared/naming/official-python-surface.json``).  A spec schema whose name equals exactly one
official type name is matched automatically; the tables below map the rest.  Schemas with no
official name keep the spec's own name in ``openai_async.types.shared``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

__all__ = [
    "NAMING_PATH",
    "SHARED_MODULE",
    "TypeNames",
    "official_types",
]

NAMING_PATH = Path(__file__).resolve().parent.parent.parent / "shared" / "naming"
NAMING_FILE = NAMING_PATH / "official-python-surface.json"
ROOT_MODULE = "openai_async.types"
SHARED_MODULE = "openai_async.types.shared"

# Spec schema -> (module, name) of its response-side type (a Struct, union alias or enum alias).
RESPONSE_NAMES: dict[str, tuple[str, str]] = {
    "CreateChatCompletionResponse": ("openai_async.types.chat", "ChatCompletion"),
    "CreateChatCompletionStreamResponse": ("openai_async.types.chat", "ChatCompletionChunk"),
    "OpenAIFile": (ROOT_MODULE, "FileObject"),
}

# Spec schema -> (module, name) of its request-side TypedDict or alias, where the official
# name is not simply the response-side name plus ``Param``.
PARAM_NAMES: dict[str, tuple[str, str]] = {}

# operationId -> (module, name) for operations whose response schema is written inline.
OPERATION_RESPONSE_NAMES: dict[str, tuple[str, str]] = {}


@functools.cache
def official_types() -> dict[str, tuple[str, ...]]:
    """Official module -> the type names it exports (``openai_async.pagination`` left out)."""
    with NAMING_FILE.open("rb") as handle:
        data: dict[str, Any] = json.load(handle)
    types: dict[str, list[str]] = data["types"]
    return {module: tuple(names) for module, names in types.items() if ".types" in module}


def pascal(text: str) -> str:
    """``create_chat-completion`` / ``createChatCompletion`` -> ``CreateChatCompletion``."""
    parts = re.split(r"[^0-9A-Za-z]+", text)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


class TypeNames:
    """Where each generated type lives and what it is called."""

    def __init__(self, schema_names: list[str]) -> None:
        self._auto = self._match_official(schema_names)

    @staticmethod
    def _match_official(schema_names: list[str]) -> dict[str, tuple[str, str]]:
        homes: dict[str, list[str]] = {}
        for module, names in official_types().items():
            for name in names:
                homes.setdefault(name, []).append(module)
        taken = {home for home in RESPONSE_NAMES.values()} | set(PARAM_NAMES.values())
        matched: dict[str, tuple[str, str]] = {}
        for schema in schema_names:
            modules = homes.get(schema, [])
            if len(modules) == 1 and (modules[0], schema) not in taken:
                matched[schema] = (modules[0], schema)
        return matched

    def response_home(self, schema: str) -> tuple[str, str]:
        """(module, name) of the response-side type of a component schema."""
        if schema in RESPONSE_NAMES:
            return RESPONSE_NAMES[schema]
        return self._auto.get(schema, (SHARED_MODULE, schema))

    def param_home(self, schema: str) -> tuple[str, str]:
        """(module, name) of the request-side TypedDict/alias of a component schema."""
        if schema in PARAM_NAMES:
            return PARAM_NAMES[schema]
        module, name = self.response_home(schema)
        return module, name if name.endswith("Param") else f"{name}Param"

    def operation_response_home(self, operation_id: str) -> tuple[str, str]:
        """(module, name) of an operation's inline response object."""
        default = (SHARED_MODULE, f"{pascal(operation_id)}Response")
        return OPERATION_RESPONSE_NAMES.get(operation_id, default)

    def operation_param_home(self, operation_id: str) -> tuple[str, str]:
        """(module, name) of an operation's inline request body TypedDict."""
        return SHARED_MODULE, f"{pascal(operation_id)}Params"
