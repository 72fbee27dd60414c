"""The fake server's routes, one module per API area; each exposes ``register(router, backend)``."""

from __future__ import annotations

from types import ModuleType

from . import assistants, batches, chat, embeddings, files, models, responses, vector_stores, videos

__all__ = ["ROUTE_MODULES"]

ROUTE_MODULES: tuple[ModuleType, ...] = (
    chat,
    responses,
    embeddings,
    models,
    files,
    vector_stores,
    assistants,
    batches,
    videos,
)
