"""``/batches``: reads the uploaded JSONL, answers each line through the fake's own handlers,
and writes output and error files. Status: ``validating`` -> ``in_progress`` (first poll) ->
``completed`` after ``backend.polls`` more polls (or ``failed`` when the input is invalid)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from .._pages import cursor_page
from .._router import Router, run, strip_version
from .._script import json_obj
from .._state import Backend, Progress
from .._types import JSON, ApiError, Call, Reply, encode, json_reply, not_found
from .files import find_file, store_file

__all__ = ["register"]

_ENDPOINTS = ("/v1/chat/completions", "/v1/embeddings", "/v1/responses")


@dataclass
class _Batch:
    obj: JSON
    progress: Progress
    lines: list[JSON]


def _parse_lines(data: bytes, endpoint: str) -> tuple[list[JSON], list[JSON]]:
    """The request lines of a batch input file, and the validation errors found."""
    lines: list[JSON] = []
    errors: list[JSON] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json_obj(msgspec.json.decode(raw))
        except msgspec.DecodeError:
            line = {}
        problem = _line_problem(line, endpoint)
        if problem is not None:
            errors.append(
                {
                    "code": "invalid_request",
                    "message": problem[1],
                    "param": problem[0],
                    "line": number,
                }
            )
        else:
            lines.append(line)
    if not lines and not errors:
        errors.append(
            {
                "code": "empty_file",
                "message": "The input file has no requests.",
                "param": None,
                "line": None,
            }
        )
    return lines, errors


def _line_problem(line: JSON, endpoint: str) -> tuple[str, str] | None:
    for key in ("custom_id", "method", "url", "body"):
        if key not in line:
            return key, f"Each line needs '{key}'."
    if line["url"] != endpoint:
        return (
            "url",
            f"The line's url '{line['url']}' differs from the batch endpoint '{endpoint}'.",
        )
    if json_obj(line["body"]).get("stream"):
        return "body.stream", "Batch requests cannot stream."
    return None


class _Batches:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.batches: dict[str, _Batch] = {}

    def find(self, call: Call) -> _Batch:
        found = self.batches.get(call.params["batch_id"])
        if found is None:
            raise not_found("batch", call.params["batch_id"], "batch_id")
        return found

    async def poll(self, batch: _Batch) -> None:
        obj = batch.obj
        now = self.backend.now()
        if obj["status"] == "cancelling":
            obj.update(status="cancelled", cancelled_at=now)
        elif obj["status"] == "validating":
            self._validate(batch, now)
        elif obj["status"] == "in_progress":
            batch.progress.tick()
            if batch.progress.done:
                await self._finish(batch, now)

    def _validate(self, batch: _Batch, now: int) -> None:
        obj = batch.obj
        data = self.backend.files[obj["input_file_id"]].content
        batch.lines, errors = _parse_lines(data, obj["endpoint"])
        if errors:
            obj.update(status="failed", failed_at=now, errors={"object": "list", "data": errors})
            return
        obj.update(status="in_progress", in_progress_at=now)
        obj["request_counts"]["total"] = len(batch.lines)

    async def _finish(self, batch: _Batch, now: int) -> None:
        outputs: list[bytes] = []
        failures: list[bytes] = []
        for line in batch.lines:
            record, ok = await self._answer(line)
            (outputs if ok else failures).append(encode(record) + b"\n")
        obj = batch.obj
        name = obj["id"]
        if outputs:
            obj["output_file_id"] = store_file(
                self.backend, f"{name}_output.jsonl", "batch_output", b"".join(outputs)
            )["id"]
        if failures:
            obj["error_file_id"] = store_file(
                self.backend, f"{name}_error.jsonl", "batch_output", b"".join(failures)
            )["id"]
        obj["request_counts"].update(completed=len(outputs), failed=len(failures))
        obj.update(status="completed", finalizing_at=now, completed_at=now)

    async def _answer(self, line: JSON) -> tuple[JSON, bool]:
        method = str(line["method"]).upper()
        match = self.backend.router.match(method, str(line["url"]))
        request_id = self.backend.new_id("req_")
        if match is None:
            reply = Reply(
                status=404, body=encode(ApiError(404, "Unknown url.", param="url").body())
            )
        else:
            call = Call(
                method,
                strip_version(str(line["url"])),
                match.params,
                {},
                {"content-type": "application/json"},
                encode(line["body"]),
            )
            reply = await run(match, call)
        response = {
            "status_code": reply.status,
            "request_id": request_id,
            "body": msgspec.json.decode(reply.body),
        }
        record = {
            "id": self.backend.new_id("batch_req_"),
            "custom_id": line["custom_id"],
            "response": response,
            "error": None,
        }
        return record, reply.status < 400


def register(router: Router, backend: Backend) -> None:
    batches = _Batches(backend)

    async def create(call: Call) -> Reply:
        body = call.json()
        if body["endpoint"] not in _ENDPOINTS:
            raise ApiError(
                400,
                f"Unsupported endpoint '{body['endpoint']}'.",
                param="endpoint",
                code="invalid_value",
            )
        find_file(backend, body["input_file_id"], "input_file_id")
        now = backend.now()
        obj: JSON = {
            "id": backend.new_id("batch_"),
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86_400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        batches.batches[obj["id"]] = _Batch(obj, Progress(backend.polls), [])
        return json_reply(obj)

    async def retrieve(call: Call) -> Reply:
        batch = batches.find(call)
        await batches.poll(batch)
        return json_reply(batch.obj)

    async def list_batches(call: Call) -> Reply:
        return json_reply(cursor_page([b.obj for b in batches.batches.values()], call.query))

    async def cancel(call: Call) -> Reply:
        batch = batches.find(call)
        if batch.obj["status"] not in ("validating", "in_progress"):
            raise ApiError(
                409, f"Cannot cancel a batch with status '{batch.obj['status']}'.", param="batch_id"
            )
        batch.obj.update(status="cancelling", cancelling_at=backend.now())
        return json_reply(batch.obj)

    router.add("POST", "/batches", create, pollable=True)
    router.add("GET", "/batches", list_batches)
    router.add("GET", "/batches/{batch_id}", retrieve, pollable=True)
    router.add("POST", "/batches/{batch_id}/cancel", cancel, pollable=True)
