"""The bare floor: one aiohttp session and ``msgspec.json.decode`` to dicts. No types, no retries.

It is the least work an aiohttp client can do for each cell, so it bounds what openai_async can
reach. ``BlockingFloor`` runs the same client behind an anyio ``BlockingPortal`` (the floor for
the blocking cells): one portal hop per call, and one hop per socket read for streams.
"""

from __future__ import annotations

import array
import base64
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import aiohttp
import msgspec
from anyio.from_thread import BlockingPortal, start_blocking_portal

_decode = msgspec.json.decode
_encode = msgspec.json.encode


class FloorError(Exception):
    """A non-2xx answer: the status and the body bytes."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status
        self.body = body


class SseSplitter:
    """Splits SSE bytes into decoded ``data`` payloads; ``done`` turns true at ``[DONE]``."""

    def __init__(self) -> None:
        self._buffer = b""
        self.done = False

    def feed(self, data: bytes) -> list[Any]:
        *events, self._buffer = (self._buffer + data).split(b"\n\n")
        out: list[Any] = []
        for event in events:
            if not event.startswith(b"data: "):
                continue
            payload = event[6:]
            if payload == b"[DONE]":
                self.done = True
                break
            out.append(_decode(payload))
        return out


class FloorClient:
    """Async floor client; the session is created on first use inside the running loop."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self._client().post(
            self._base + path, data=_encode(body), headers=self._headers
        ) as resp:
            data = await resp.read()
            if resp.status >= 300:
                raise FloorError(resp.status, data)
            return _decode(data)

    async def chat(self, params: dict[str, Any]) -> Any:
        return await self.post("/chat/completions", params)

    async def stream(self, params: dict[str, Any]) -> AsyncIterator[Any]:
        async with self._client().post(
            self._base + "/chat/completions", data=_encode(params), headers=self._headers
        ) as resp:
            if resp.status >= 300:
                raise FloorError(resp.status, await resp.read())
            splitter = SseSplitter()
            async for data in resp.content.iter_any():
                for event in splitter.feed(data):
                    yield event
                if splitter.done:
                    return

    async def embeddings(self, inputs: list[str], encoding_format: str | None) -> Any:
        """``None`` means the default: ask for base64 and unpack float32 values to lists."""
        body = {
            "model": "text-embedding-3-small",
            "input": inputs,
            "encoding_format": encoding_format or "base64",
        }
        out = await self.post("/embeddings", body)
        if encoding_format is None:
            for item in out["data"]:
                item["embedding"] = array.array("f", base64.b64decode(item["embedding"])).tolist()
        return out

    async def open_stream(self, params: dict[str, Any]) -> FloorStream:
        resp = await self._client().post(
            self._base + "/chat/completions", data=_encode(params), headers=self._headers
        )
        if resp.status >= 300:
            body = await resp.read()
            resp.release()
            raise FloorError(resp.status, body)
        return FloorStream(resp)


class FloorStream:
    """An open SSE response read one socket read at a time (a batch of events per call)."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self._splitter = SseSplitter()

    async def next_batch(self) -> list[Any] | None:
        if self._splitter.done:
            return None
        data = await self._resp.content.readany()
        if not data:
            return None
        return self._splitter.feed(data)

    async def close(self) -> None:
        self._resp.release()


class BlockingFloor(AbstractContextManager["BlockingFloor"]):
    """The floor client driven from a blocking caller through an anyio portal thread."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self._portal_cm = start_blocking_portal()
        self._portal: BlockingPortal = self._portal_cm.__enter__()
        self._async = FloorClient(base_url, api_key)

    def chat(self, params: dict[str, Any]) -> Any:
        return self._portal.call(self._async.chat, params)

    def stream(self, params: dict[str, Any]) -> Iterator[Any]:
        stream = self._portal.call(self._async.open_stream, params)
        try:
            while (batch := self._portal.call(stream.next_batch)) is not None:
                yield from batch
        finally:
            self._portal.call(stream.close)

    def close(self) -> None:
        self._portal.call(self._async.close)
        self._portal_cm.__exit__(None, None, None)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
