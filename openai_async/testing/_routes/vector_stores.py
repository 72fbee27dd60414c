"""``/vector_stores`` with files and file batches; each file is ``in_progress`` until polled
``backend.polls`` times (by retrieving it, its batch, its store, or listing it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._pages import cursor_page
from .._router import Router
from .._script import json_list, json_obj
from .._state import Backend, Progress
from .._types import JSON, Call, Reply, json_reply, not_found
from .files import find_file

__all__ = ["register"]


@dataclass
class _File:
    obj: JSON
    progress: Progress

    def poll(self) -> JSON:
        self.progress.tick()
        if self.progress.done and self.obj["status"] == "in_progress":
            self.obj["status"] = "completed"
        return self.obj


@dataclass
class _Store:
    obj: JSON
    files: dict[str, _File] = field(default_factory=dict[str, _File])
    batches: dict[str, tuple[JSON, list[str]]] = field(
        default_factory=dict[str, tuple[JSON, list[str]]]
    )


def _counts(files: list[_File]) -> JSON:
    counts = {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": len(files)}
    for item in files:
        counts[item.obj["status"]] += 1
    return counts


class _VectorStores:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.stores: dict[str, _Store] = {}

    def store(self, call: Call) -> _Store:
        found = self.stores.get(call.params["vector_store_id"])
        if found is None:
            raise not_found("vector store", call.params["vector_store_id"], "vector_store_id")
        return found

    def view(self, store: _Store, poll: bool) -> JSON:
        files = list(store.files.values())
        if poll:
            for item in files:
                item.poll()
        counts = _counts(files)
        store.obj["file_counts"] = counts
        store.obj["status"] = "in_progress" if counts["in_progress"] else "completed"
        store.obj["usage_bytes"] = sum(f.obj["usage_bytes"] for f in files)
        return store.obj

    def attach(self, store: _Store, file_id: str, attributes: object = None) -> _File:
        size = find_file(self.backend, file_id).meta["bytes"]
        obj: JSON = {
            "id": file_id,
            "object": "vector_store.file",
            "usage_bytes": size,
            "created_at": self.backend.now(),
            "vector_store_id": store.obj["id"],
            "status": "in_progress",
            "last_error": None,
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
            },
            "attributes": attributes or {},
        }
        item = _File(obj, Progress(self.backend.polls))
        store.files[file_id] = item
        return item

    def batch_view(self, store: _Store, batch_id: str, poll: bool) -> JSON:
        found = store.batches.get(batch_id)
        if found is None:
            raise not_found("file batch", batch_id, "batch_id")
        obj, file_ids = found
        files = [store.files[f] for f in file_ids if f in store.files]
        if poll:
            for item in files:
                item.poll()
        counts = _counts(files)
        obj["file_counts"] = counts
        if obj["status"] == "in_progress" and not counts["in_progress"]:
            obj["status"] = "completed"
        return obj


def _register_stores(router: Router, vs: _VectorStores) -> None:
    backend = vs.backend

    async def create(call: Call) -> Reply:
        body = call.json()
        now = backend.now()
        obj: JSON = {
            "id": backend.new_id("vs_"),
            "object": "vector_store",
            "created_at": now,
            "name": body.get("name") or "",
            "usage_bytes": 0,
            "file_counts": {},
            "status": "completed",
            "expires_after": body.get("expires_after"),
            "expires_at": None,
            "last_active_at": now,
            "metadata": body.get("metadata") or {},
        }
        store = _Store(obj)
        for file_id in json_list(body.get("file_ids")):
            vs.attach(store, str(file_id))
        vs.stores[obj["id"]] = store
        return json_reply(vs.view(store, poll=False))

    async def list_stores(call: Call) -> Reply:
        return json_reply(cursor_page([vs.view(s, False) for s in vs.stores.values()], call.query))

    async def retrieve(call: Call) -> Reply:
        return json_reply(vs.view(vs.store(call), poll=True))

    async def update(call: Call) -> Reply:
        store = vs.store(call)
        body = call.json()
        for key in ("name", "metadata", "expires_after"):
            if key in body:
                store.obj[key] = body[key]
        return json_reply(vs.view(store, poll=False))

    async def delete(call: Call) -> Reply:
        store_id = vs.store(call).obj["id"]
        del vs.stores[store_id]
        return json_reply({"id": store_id, "object": "vector_store.deleted", "deleted": True})

    router.add("POST", "/vector_stores", create)
    router.add("GET", "/vector_stores", list_stores)
    router.add("GET", "/vector_stores/{vector_store_id}", retrieve)
    router.add("POST", "/vector_stores/{vector_store_id}", update)
    router.add("DELETE", "/vector_stores/{vector_store_id}", delete)


def _register_files(router: Router, vs: _VectorStores) -> None:
    def find(call: Call) -> tuple[_Store, _File]:
        store = vs.store(call)
        item = store.files.get(call.params["file_id"])
        if item is None:
            raise not_found("vector store file", call.params["file_id"], "file_id")
        return store, item

    async def create(call: Call) -> Reply:
        body = call.json()
        return json_reply(vs.attach(vs.store(call), body["file_id"], body.get("attributes")).obj)

    async def list_files(call: Call) -> Reply:
        status = call.query.get("filter")
        polled = [f.poll() for f in vs.store(call).files.values()]
        return json_reply(
            cursor_page([o for o in polled if status in (None, o["status"])], call.query)
        )

    async def retrieve(call: Call) -> Reply:
        return json_reply(find(call)[1].poll())

    async def delete(call: Call) -> Reply:
        store, item = find(call)
        del store.files[item.obj["id"]]
        return json_reply(
            {"id": item.obj["id"], "object": "vector_store.file.deleted", "deleted": True}
        )

    base = "/vector_stores/{vector_store_id}/files"
    router.add("POST", base, create, pollable=True)
    router.add("GET", base, list_files)
    router.add("GET", base + "/{file_id}", retrieve, pollable=True)
    router.add("DELETE", base + "/{file_id}", delete)


def _register_batches(router: Router, vs: _VectorStores) -> None:
    backend = vs.backend

    async def create(call: Call) -> Reply:
        store = vs.store(call)
        body = call.json()
        ids = [str(f) for f in json_list(body.get("file_ids"))]
        ids += [str(json_obj(f).get("file_id")) for f in json_list(body.get("files"))]
        for file_id in ids:
            vs.attach(store, file_id, body.get("attributes"))
        obj: JSON = {
            "id": backend.new_id("vsfb_"),
            "object": "vector_store.files_batch",
            "created_at": backend.now(),
            "vector_store_id": store.obj["id"],
            "status": "in_progress",
            "file_counts": {},
        }
        store.batches[obj["id"]] = (obj, ids)
        return json_reply(vs.batch_view(store, obj["id"], poll=False))

    async def retrieve(call: Call) -> Reply:
        return json_reply(vs.batch_view(vs.store(call), call.params["batch_id"], poll=True))

    async def cancel(call: Call) -> Reply:
        store = vs.store(call)
        obj = vs.batch_view(store, call.params["batch_id"], poll=False)
        for file_id in store.batches[obj["id"]][1]:
            item = store.files.get(file_id)
            if item is not None and item.obj["status"] == "in_progress":
                item.obj["status"] = "cancelled"
        obj["status"] = "cancelled"
        return json_reply(vs.batch_view(store, obj["id"], poll=False))

    async def list_files(call: Call) -> Reply:
        store = vs.store(call)
        obj = vs.batch_view(store, call.params["batch_id"], poll=False)
        files = [store.files[f].obj for f in store.batches[obj["id"]][1] if f in store.files]
        return json_reply(cursor_page(files, call.query))

    base = "/vector_stores/{vector_store_id}/file_batches"
    router.add("POST", base, create, pollable=True)
    router.add("GET", base + "/{batch_id}", retrieve, pollable=True)
    router.add("POST", base + "/{batch_id}/cancel", cancel, pollable=True)
    router.add("GET", base + "/{batch_id}/files", list_files)


def register(router: Router, backend: Backend) -> None:
    vs = _VectorStores(backend)
    _register_stores(router, vs)
    _register_files(router, vs)
    _register_batches(router, vs)
