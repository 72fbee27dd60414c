"""Optional pydantic support: recognised only when the caller's program has imported pydantic.

A type can only be a pydantic model if pydantic is already imported (the model's class was
built by it), so nothing here imports pydantic itself.
"""

from __future__ import annotations

import sys
from typing import Any, cast

__all__ = ["is_model", "model_schema", "validate_json"]


def is_model(tp: object) -> bool:
    """Whether ``tp`` is a pydantic ``BaseModel`` subclass."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(tp, type):
        return False
    base: type = pydantic.BaseModel
    return issubclass(tp, base)


def model_schema(tp: Any) -> dict[str, Any]:
    """The model's JSON schema as pydantic builds it (before strictifying)."""
    return cast("dict[str, Any]", tp.model_json_schema())


def validate_json(tp: Any, data: str | bytes) -> Any:
    """An instance of the model validated from JSON text."""
    return tp.model_validate_json(data)
