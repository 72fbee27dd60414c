"""A scriptable, recording aiohttp server on loopback: the stand-in for the API in unit tests.

Every request is recorded (method, path, query, headers, body bytes). Answers are scripted: queue
one-shot handlers with ``add``/``json``/``sse``, or set ``default``. ``accepts`` counts TCP
connections the server accepted, so tests can prove connection reuse.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy, MultiMapping

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: MultiMapping[str]
    headers: CIMultiDictProxy[str]
    body: bytes
    raw_path: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class TestServer:
    """Start with ``await server.start()``; stop with ``await server.stop()``."""

    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list[RecordedRequest])
    accepts: int = 0
    default: Handler | None = None
    _queue: deque[Handler] = field(default_factory=deque[Handler])
    _runner: web.AppRunner | None = None
    _server: asyncio.Server | None = None
    port: int = 0

    __test__ = False  # not a pytest test class

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> TestServer:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        handler_factory = self._runner.server
        assert handler_factory is not None

        def factory() -> asyncio.Protocol:
            self.accepts += 1
            return handler_factory()

        loop = asyncio.get_running_loop()
        # Load tests open 1,000 connections at once: a backlog above that (asyncio's default is
        # 100) keeps connects from waiting on SYN retransmits when the loop is slow to accept.
        self._server = await loop.create_server(factory, self.host, 0, backlog=2048)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- scripting ---------------------------------------------------------------------------

    def add(self, *handlers: Handler) -> None:
        """Queue handlers; each answers exactly one request, in order."""
        self._queue.extend(handlers)

    def json(
        self, data: Any, status: int = 200, headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """Queue ``times`` JSON answers."""
        body = json.dumps(data).encode()

        async def handler(request: web.Request) -> web.StreamResponse:
            hdrs = {"content-type": "application/json", "x-request-id": "req_test"}
            hdrs.update(headers or {})
            return web.Response(body=body, status=status, headers=hdrs)

        for _ in range(times):
            self.add(handler)

    def raw(
        self,
        body: bytes,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue ``times`` answers with exactly these body bytes."""

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(body=body, status=status, headers=headers or {})

        for _ in range(times):
            self.add(handler)

    def sse(
        self,
        chunks: Iterable[bytes],
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue one ``text/event-stream`` answer written chunk by chunk (each ``write`` as given)."""
        parts = list(chunks)

        async def handler(request: web.Request) -> web.StreamResponse:
            hdrs = {"content-type": "text/event-stream", "x-request-id": "req_stream"}
            hdrs.update(headers or {})
            resp = web.StreamResponse(status=200, headers=hdrs)
            await resp.prepare(request)
            for part in parts:
                await resp.write(part)
                if delay:
                    await asyncio.sleep(delay)
            await resp.write_eof()
            return resp

        self.add(handler)

    # -- serving -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=body,
                raw_path=request.raw_path,
            )
        )
        if self._queue:
            return await self._queue.popleft()(request)
        if self.default is not None:
            return await self.default(request)
        return web.json_response(
            {"error": {"message": "no scripted answer", "type": "test_error"}}, status=599
        )

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]


class ThreadedTestServer:
    """The same server on its own event loop in a daemon thread, for blocking-client tests.

    Scripting calls (``json``, ``add``, ...) are safe from the test thread: they only append to
    a deque that the server thread pops from.
    """

    def __init__(self) -> None:
        self.server = TestServer()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> TestServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self.server

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
