"""``POST /embeddings``: deterministic unit vectors derived from each input, float or base64."""

from __future__ import annotations

import base64
import hashlib
import math
import random
import struct
from typing import Any

from .._router import Router
from .._script import count_tokens
from .._state import Backend
from .._types import JSON, ApiError, Call, Reply, json_reply

__all__ = ["embed", "register"]

_DIMENSIONS = {"text-embedding-3-large": 3072}
_DEFAULT_DIMENSIONS = 1536


def embed(text: str, dimensions: int) -> list[float]:
    """A unit vector that depends only on ``text`` and ``dimensions``."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    rng = random.Random(seed)
    values = [rng.uniform(-1.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    # Round through float32 so the float and base64 forms carry the same numbers.
    return list(
        struct.unpack(
            f"<{dimensions}f", struct.pack(f"<{dimensions}f", *(v / norm for v in values))
        )
    )


def _inputs(raw: Any) -> list[str]:
    """Each input as text (token arrays become their JSON text)."""
    if isinstance(raw, str):
        return [raw]
    items: list[Any] = raw
    if items and all(isinstance(i, int) for i in items):
        return [str(items)]
    return [i if isinstance(i, str) else str(i) for i in items]


def _dimensions(body: JSON) -> int:
    size = body.get("dimensions")
    if size is None:
        return _DIMENSIONS.get(body["model"], _DEFAULT_DIMENSIONS)
    if size < 1:
        raise ApiError(
            400, "'dimensions' must be at least 1.", param="dimensions", code="invalid_value"
        )
    return int(size)


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


def register(router: Router, backend: Backend) -> None:
    async def create(call: Call) -> Reply:
        body = call.json()
        texts = _inputs(body["input"])
        size = _dimensions(body)
        encoding = body.get("encoding_format") or "float"
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(embed(text, size), encoding)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(count_tokens(text) for text in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return json_reply({"object": "list", "data": data, "model": body["model"], "usage": usage})

    router.add("POST", "/embeddings", create)
