"""The base of every response type: a msgspec Struct with plain-data helpers."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["BaseModel"]


class BaseModel(msgspec.Struct, kw_only=True, dict=True):
    """Base of generated response Structs.

    ``dict=True`` lets the core attach per-response metadata (``_request_id``, the raw JSON)
    to top-level objects without declaring fields for them.
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of this object (fields set to ``None`` by default are left out)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def to_json(self) -> str:
        """JSON text of ``to_dict()``."""
        return msgspec.json.encode(self.to_dict()).decode()
