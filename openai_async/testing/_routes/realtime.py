"""WebSocket endpoints of the fake server: ``/realtime`` and the Responses WebSocket mode.

``/realtime?model=...`` greets with ``session.created`` and answers client events the way the
API does, in text only: ``response.create`` streams a reply that echoes the last user message
(``You said: ...``), and unknown or malformed events get an ``error`` event. ``/responses``
answers each ``response.create`` with the same events that ``POST /responses`` streams (through
the fake's own route, so scripted answers apply), tagged with the message's ``stream_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import WSMsgType, web

from .._router import run, strip_version
from .._script import json_list, json_obj, split_tokens, text_of
from .._types import JSON, ApiError, Call, RecordedRequest, encode

if TYPE_CHECKING:
    from .._server import FakeOpenAI
    from .._state import Backend

__all__ = ["is_websocket", "serve_websocket"]

_PATHS = ("/realtime", "/responses")


def is_websocket(request: web.Request) -> bool:
    """Whether ``request`` asks for a WebSocket on one of the endpoints served here."""
    upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
    return upgrade and strip_version(request.path) in _PATHS


async def serve_websocket(fake: FakeOpenAI, request: web.Request) -> web.StreamResponse:
    """Record the handshake, check the key, and run the endpoint's session."""
    path = strip_version(request.path)
    fake.requests.append(
        RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            body=b"",
            route=f"GET {path}",
        )
    )
    if fake.api_key is not None and request.headers.get("Authorization") != (
        f"Bearer {fake.api_key}"
    ):
        error = ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        return web.Response(status=401, body=encode(error.body()), content_type="application/json")
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    if path == "/realtime":
        session: _Session = _RealtimeSession(
            fake.backend, request.query.get("model", "gpt-realtime")
        )
    else:
        session = _ResponsesSession(fake.backend)
    await session.start(ws)
    async for msg in ws:
        if msg.type is not WSMsgType.TEXT:
            continue
        try:
            data: object = msgspec.json.decode(msg.data)
        except msgspec.DecodeError:
            data = None
        if not isinstance(data, dict):
            await _send(ws, _error(fake.backend, "The message is not a JSON object.", None))
            continue
        await session.handle(ws, json_obj(data))
    return ws


async def _send(ws: web.WebSocketResponse, event: JSON) -> None:
    await ws.send_str(encode(event).decode())


def _error(backend: Backend, message: str, event_id: object, code: str | None = None) -> JSON:
    return {
        "type": "error",
        "event_id": backend.new_id("event_"),
        "error": {
            "type": "invalid_request_error",
            "code": code,
            "message": message,
            "param": None,
            "event_id": event_id,
        },
    }


class _Session:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def start(self, ws: web.WebSocketResponse) -> None:
        return None

    async def handle(self, ws: web.WebSocketResponse, event: JSON) -> None:
        raise NotImplementedError


class _RealtimeSession(_Session):
    """One ``/realtime`` conversation: the session config, items, the audio buffer size."""

    def __init__(self, backend: Backend, model: str) -> None:
        super().__init__(backend)
        self.config: JSON = {
            "id": backend.new_id("sess_"),
            "object": "realtime.session",
            "type": "realtime",
            "model": model,
            "output_modalities": ["text"],
        }
        self.items: dict[str, JSON] = {}
        self.audio_bytes = 0
        self.handlers: dict[str, Callable[[JSON], list[JSON]]] = {
            "session.update": self.session_update,
            "conversation.item.create": self.item_create,
            "conversation.item.retrieve": self.item_retrieve,
            "conversation.item.delete": self.item_delete,
            "conversation.item.truncate": self.item_truncate,
            "input_audio_buffer.append": self.audio_append,
            "input_audio_buffer.commit": self.audio_commit,
            "input_audio_buffer.clear": self.audio_clear,
            "output_audio_buffer.clear": self.output_clear,
            "response.create": self.response_create,
            "response.cancel": self.response_cancel,
        }

    def out(self, kind: str, **fields: object) -> JSON:
        return {"type": kind, "event_id": self.backend.new_id("event_"), **fields}

    async def start(self, ws: web.WebSocketResponse) -> None:
        await _send(ws, self.out("session.created", session=self.config))

    async def handle(self, ws: web.WebSocketResponse, event: JSON) -> None:
        handler = self.handlers.get(str(event.get("type")))
        if handler is None:
            message = f"Invalid value: {event.get('type')!r}. Unknown client event type."
            await _send(ws, _error(self.backend, message, event.get("event_id")))
            return
        try:
            replies = handler(event)
        except ApiError as exc:
            replies = [_error(self.backend, exc.message, event.get("event_id"), exc.code)]
        for reply in replies:
            await _send(ws, reply)

    # -- handlers: each returns the server events to send ------------------------------------

    def session_update(self, event: JSON) -> list[JSON]:
        self.config.update(json_obj(event.get("session")))
        return [self.out("session.updated", session=self.config)]

    def find(self, event: JSON) -> JSON:
        item_id = str(event.get("item_id"))
        item = self.items.get(item_id)
        if item is None:
            raise ApiError(400, f"Item with item_id not found: {item_id}", code="item_not_found")
        return item

    def item_create(self, event: JSON) -> list[JSON]:
        item = dict(json_obj(event.get("item")))
        item.setdefault("id", self.backend.new_id("item_"))
        item.setdefault("object", "realtime.item")
        item.setdefault("status", "completed")
        self.items[item["id"]] = item
        previous = event.get("previous_item_id")
        return [
            self.out("conversation.item.added", previous_item_id=previous, item=item),
            self.out("conversation.item.done", previous_item_id=previous, item=item),
        ]

    def item_retrieve(self, event: JSON) -> list[JSON]:
        return [self.out("conversation.item.retrieved", item=self.find(event))]

    def item_delete(self, event: JSON) -> list[JSON]:
        item = self.find(event)
        del self.items[item["id"]]
        return [self.out("conversation.item.deleted", item_id=item["id"])]

    def item_truncate(self, event: JSON) -> list[JSON]:
        item = self.find(event)
        return [
            self.out(
                "conversation.item.truncated",
                item_id=item["id"],
                content_index=event.get("content_index", 0),
                audio_end_ms=event.get("audio_end_ms", 0),
            )
        ]

    def audio_append(self, event: JSON) -> list[JSON]:
        self.audio_bytes += len(str(event.get("audio", ""))) * 3 // 4
        return []

    def audio_commit(self, event: JSON) -> list[JSON]:
        if not self.audio_bytes:
            raise ApiError(
                400,
                "Error committing input audio buffer: the buffer is empty.",
                code="input_audio_buffer_commit_empty",
            )
        self.audio_bytes = 0
        item_id = self.backend.new_id("item_")
        return [self.out("input_audio_buffer.committed", previous_item_id=None, item_id=item_id)]

    def audio_clear(self, event: JSON) -> list[JSON]:
        self.audio_bytes = 0
        return [self.out("input_audio_buffer.cleared")]

    def output_clear(self, event: JSON) -> list[JSON]:
        return [self.out("output_audio_buffer.cleared", response_id=self.backend.new_id("resp_"))]

    def response_cancel(self, event: JSON) -> list[JSON]:
        raise ApiError(
            400, "Cancellation failed: no active response found.", code="response_cancel_not_active"
        )

    def reply_text(self) -> str:
        for item in reversed(list(self.items.values())):
            if item.get("role") == "user":
                parts = json_list(item.get("content"))
                return "You said: " + " ".join(text_of(json_obj(p).get("text")) for p in parts)
        return "Hello from the fake OpenAI realtime server."

    def response_create(self, event: JSON) -> list[JSON]:
        text = self.reply_text()
        response_id = self.backend.new_id("resp_")
        item_id = self.backend.new_id("item_")
        ids = {
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 0,
            "content_index": 0,
        }
        part = {"type": "text", "text": text}
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text}],
        }
        started: JSON = {
            "id": response_id,
            "object": "realtime.response",
            "status": "in_progress",
            "output": [],
        }
        done = {**started, "status": "completed", "output": [item]}
        events = [
            self.out("response.created", response=started),
            self.out(
                "response.output_item.added",
                response_id=response_id,
                output_index=0,
                item={**item, "status": "in_progress", "content": []},
            ),
            self.out("response.content_part.added", **ids, part={"type": "text", "text": ""}),
        ]
        events += [
            self.out("response.output_text.delta", **ids, delta=piece)
            for piece in split_tokens(text)
        ]
        events += [
            self.out("response.output_text.done", **ids, text=text),
            self.out("response.content_part.done", **ids, part=part),
            self.out(
                "response.output_item.done", response_id=response_id, output_index=0, item=item
            ),
            self.out("response.done", response=done),
        ]
        self.items[item_id] = item
        return events


class _ResponsesSession(_Session):
    """The Responses WebSocket mode: ``response.create`` runs ``POST /responses`` streamed."""

    async def handle(self, ws: web.WebSocketResponse, event: JSON) -> None:
        if event.get("type") != "response.create":
            message = f"Invalid value: {event.get('type')!r}. Supported: 'response.create'."
            await _send(ws, _ws_error(400, message, None))
            return
        body: dict[str, Any] = {k: v for k, v in event.items() if k not in ("type", "stream_id")}
        body["stream"] = True
        lane = event.get("stream_id")
        match = self.backend.router.match("POST", "/responses")
        assert match is not None
        call = Call(
            method="POST",
            path="/responses",
            params={},
            query={},
            headers={"content-type": "application/json"},
            body=encode(body),
        )
        reply = await run(match, call)
        if reply.events is None:
            error = json_obj(msgspec.json.decode(reply.body)).get("error")
            await _send(ws, _ws_error(reply.status, json_obj(error), lane))
            return
        for chunk in reply.events:
            data = json_obj(msgspec.json.decode(chunk.split(b"data: ", 1)[1]))
            if lane is not None:
                data["stream_id"] = lane
            await _send(ws, data)


def _ws_error(status: int, error: object, lane: object) -> JSON:
    payload: JSON = (
        json_obj(error)
        if isinstance(error, dict)
        else {
            "type": "invalid_request_error",
            "code": None,
            "message": str(error),
            "param": None,
        }
    )
    event: JSON = {"type": "error", "status": status, "error": payload}
    if lane is not None:
        event["stream_id"] = lane
    return event
