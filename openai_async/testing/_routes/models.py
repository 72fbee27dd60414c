"""``/models``: list, retrieve and delete over a fixed starting catalogue."""

from __future__ import annotations

from .._router import Router
from .._state import Backend
from .._types import ApiError, Call, Reply, json_reply

__all__ = ["MODELS", "register"]

MODELS: tuple[tuple[str, str], ...] = (
    ("gpt-4o", "system"),
    ("gpt-4o-mini", "system"),
    ("gpt-4.1", "system"),
    ("gpt-4.1-mini", "system"),
    ("o4-mini", "system"),
    ("text-embedding-3-small", "system"),
    ("text-embedding-3-large", "system"),
    ("ft:gpt-4o-mini:fake-org::abc123", "fake-org"),
)


def register(router: Router, backend: Backend) -> None:
    models = backend.table("models")
    for name, owner in MODELS:
        models[name] = {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": owner}

    def find(call: Call) -> str:
        name = call.params["model"]
        if name not in models:
            raise ApiError(
                404, f"The model '{name}' does not exist.", param="model", code="model_not_found"
            )
        return name

    async def list_models(call: Call) -> Reply:
        return json_reply({"object": "list", "data": list(models.values())})

    async def retrieve(call: Call) -> Reply:
        return json_reply(models[find(call)])

    async def delete(call: Call) -> Reply:
        name = find(call)
        del models[name]
        return json_reply({"id": name, "object": "model", "deleted": True})

    router.add("GET", "/models", list_models)
    router.add("GET", "/models/{model}", retrieve)
    router.add("DELETE", "/models/{model}", delete)
