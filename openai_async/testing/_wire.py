"""Writes a ``Reply`` to the socket, applying the body-level faults on the way."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ._faults import Fault
from ._types import Reply

__all__ = ["write_reply"]

_BROKEN_EVENT = b'data: {"id": "broken", "choices": [\n\n'


async def write_reply(
    request: web.Request,
    reply: Reply,
    headers: dict[str, str],
    fault: Fault | None,
    event_delay: float,
) -> web.StreamResponse:
    if fault is not None and fault.kind == "stall" and fault.stage == "headers":
        await asyncio.sleep(fault.delay)
    all_headers = {"content-type": reply.content_type, **headers, **reply.headers}
    if reply.events is not None:
        return await _write_stream(request, reply, all_headers, fault, event_delay)
    return await _write_body(request, reply, all_headers, fault)


async def _write_body(
    request: web.Request, reply: Reply, headers: dict[str, str], fault: Fault | None
) -> web.StreamResponse:
    body = reply.body
    kind = fault.kind if fault is not None else None
    if kind in ("malformed_json", "malformed_sse"):
        body = body[: max(1, len(body) // 2)]
    resp = web.StreamResponse(status=reply.status, headers=headers)
    resp.content_length = len(body)
    await resp.prepare(request)
    if fault is None:
        await resp.write(body)
    elif fault.kind == "stall" and fault.stage == "body":
        await asyncio.sleep(fault.delay)
        await resp.write(body)
    elif fault.kind == "trickle":
        await _trickle(resp, body, fault)
    elif fault.kind == "drop":
        cut = fault.at if fault.at is not None else len(body) // 2
        return await _drop(request, resp, body[:cut])
    else:
        await resp.write(body)
    await resp.write_eof()
    return resp


async def _write_stream(
    request: web.Request,
    reply: Reply,
    headers: dict[str, str],
    fault: Fault | None,
    event_delay: float,
) -> web.StreamResponse:
    events = list(reply.events or [])
    at = _event_index(fault, len(events))
    if fault is not None and fault.kind == "malformed_sse":
        events[at] = _BROKEN_EVENT
    elif fault is not None and fault.kind == "error_event" and reply.error_event is not None:
        events = [*events[:at], reply.error_event(at)]
    resp = web.StreamResponse(status=reply.status, headers=headers)
    await resp.prepare(request)
    if fault is not None and fault.kind == "stall" and fault.stage == "body":
        await asyncio.sleep(fault.delay)
    if fault is not None and fault.kind == "drop":
        return await _drop(request, resp, b"".join(events[:at]))
    for index, event in enumerate(events):
        if index and event_delay:
            await asyncio.sleep(event_delay)
        if fault is not None and fault.kind == "trickle":
            await _trickle(resp, event, fault)
        else:
            await resp.write(event)
    await resp.write_eof()
    return resp


def _event_index(fault: Fault | None, count: int) -> int:
    if fault is None or count == 0:
        return 0
    at = fault.at if fault.at is not None else count // 2
    return min(max(at, 0), count - 1)


async def _trickle(resp: web.StreamResponse, data: bytes, fault: Fault) -> None:
    for start in range(0, len(data), fault.chunk_size):
        if start and fault.interval:
            await asyncio.sleep(fault.interval)
        await resp.write(data[start : start + fault.chunk_size])


async def _drop(
    request: web.Request, resp: web.StreamResponse, partial: bytes
) -> web.StreamResponse:
    """Send ``partial`` and cut the TCP connection without finishing the body."""
    if partial:
        await resp.write(partial)
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError
