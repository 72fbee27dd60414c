"""``/files`` (multipart upload, cursor list, retrieve, content, delete) and ``/uploads``."""

from __future__ import annotations

from .._multipart import read_form
from .._pages import cursor_page
from .._router import Router
from .._state import Backend, Progress, StoredFile
from .._types import JSON, ApiError, Call, Reply, json_reply, not_found

__all__ = ["find_file", "register", "store_file"]


def store_file(backend: Backend, filename: str, purpose: str, data: bytes, polls: int = 0) -> JSON:
    """Keep ``data`` as a new file, ``uploaded`` for ``polls`` retrieves (0: ``processed``)."""
    meta: JSON = {
        "id": backend.new_id("file-"),
        "object": "file",
        "bytes": len(data),
        "created_at": backend.now(),
        "expires_at": None,
        "filename": filename,
        "purpose": purpose,
        "status": "uploaded" if polls > 0 else "processed",
        "status_details": None,
    }
    progress = Progress(polls) if polls > 0 else None
    backend.files[meta["id"]] = StoredFile(meta, data, progress)
    return meta


def find_file(backend: Backend, file_id: str, param: str = "file_id") -> StoredFile:
    stored = backend.files.get(file_id)
    if stored is None:
        raise not_found("file", file_id, param)
    return stored


def _register_files(router: Router, backend: Backend) -> None:
    async def create(call: Call) -> Reply:
        form = await read_form(call)
        upload = form.require_file("file")
        purpose = form.require_field("purpose")
        meta = store_file(backend, upload.filename, purpose, upload.data, backend.file_polls)
        return json_reply(meta)

    async def list_files(call: Call) -> Reply:
        purpose = call.query.get("purpose")
        metas = [f.meta for f in backend.files.values() if purpose in (None, f.meta["purpose"])]
        return json_reply(cursor_page(metas, call.query, default_limit=10_000, max_limit=10_000))

    async def retrieve(call: Call) -> Reply:
        return json_reply(find_file(backend, call.params["file_id"]).poll())

    async def content(call: Call) -> Reply:
        stored = find_file(backend, call.params["file_id"])
        return Reply(body=stored.content, content_type="application/octet-stream")

    async def delete(call: Call) -> Reply:
        file_id = find_file(backend, call.params["file_id"]).meta["id"]
        del backend.files[file_id]
        return json_reply({"id": file_id, "object": "file", "deleted": True})

    router.add("POST", "/files", create, pollable=True)
    router.add("GET", "/files", list_files)
    router.add("GET", "/files/{file_id}", retrieve, pollable=True)
    router.add("GET", "/files/{file_id}/content", content)
    router.add("DELETE", "/files/{file_id}", delete)


def _register_uploads(router: Router, backend: Backend) -> None:
    uploads = backend.table("uploads")
    parts: dict[str, bytes] = {}

    def find(call: Call, status: str = "pending") -> JSON:
        upload = uploads.get(call.params["upload_id"])
        if upload is None:
            raise not_found("upload", call.params["upload_id"], "upload_id")
        if upload["status"] != status:
            raise ApiError(
                400, f"The upload is {upload['status']}, not {status}.", param="upload_id"
            )
        return upload

    async def create(call: Call) -> Reply:
        body = call.json()
        now = backend.now()
        upload: JSON = {
            "id": backend.new_id("upload_"),
            "object": "upload",
            "bytes": body["bytes"],
            "created_at": now,
            "filename": body["filename"],
            "purpose": body["purpose"],
            "status": "pending",
            "expires_at": now + 3600,
            "file": None,
            "part_ids": [],
        }
        uploads[upload["id"]] = upload
        return json_reply(_public(upload))

    async def add_part(call: Call) -> Reply:
        upload = find(call)
        data = (await read_form(call)).require_file("data").data
        part: JSON = {
            "id": backend.new_id("part_"),
            "object": "upload.part",
            "created_at": backend.now(),
            "upload_id": upload["id"],
        }
        parts[part["id"]] = data
        upload["part_ids"].append(part["id"])
        return json_reply(part)

    async def complete(call: Call) -> Reply:
        upload = find(call)
        order: list[str] = call.json()["part_ids"]
        unknown = [p for p in order if p not in upload["part_ids"]]
        if unknown:
            raise ApiError(
                400, f"Part '{unknown[0]}' is not part of this upload.", param="part_ids"
            )
        data = b"".join(parts[p] for p in order)
        if len(data) != upload["bytes"]:
            raise ApiError(
                400,
                f"The parts add up to {len(data)} bytes, but the upload declared {upload['bytes']}.",
                param="bytes",
            )
        upload["file"] = store_file(
            backend, upload["filename"], upload["purpose"], data, backend.file_polls
        )
        upload["status"] = "completed"
        return json_reply(_public(upload))

    async def cancel(call: Call) -> Reply:
        upload = find(call)
        upload["status"] = "cancelled"
        return json_reply(_public(upload))

    router.add("POST", "/uploads", create)
    router.add("POST", "/uploads/{upload_id}/parts", add_part)
    router.add("POST", "/uploads/{upload_id}/complete", complete)
    router.add("POST", "/uploads/{upload_id}/cancel", cancel)


def _public(upload: JSON) -> JSON:
    return {k: v for k, v in upload.items() if k != "part_ids"}


def register(router: Router, backend: Backend) -> None:
    _register_files(router, backend)
    _register_uploads(router, backend)
