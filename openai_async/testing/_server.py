"""``FakeOpenAI``: the fake OpenAI server, on aiohttp, on a random loopback port.

Async: ``async with FakeOpenAI() as fake:`` (runs on the current event loop).
Blocking: ``with FakeOpenAI() as fake:`` or ``fake = FakeOpenAI.start_in_thread()`` (runs on an
event loop in a daemon thread; ``fake.close()`` or leaving the ``with`` stops it).
``fake.url`` is the base URL to give a client (it ends in ``/v1``; the root works too).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web
from typing_extensions import Self

from ._faults import Fault, Faults
from ._router import Match, run, strip_version
from ._routes import ROUTE_MODULES
from ._routes.assistants import echo_run
from ._routes.chat import echo_chat
from ._routes.realtime import is_websocket, serve_websocket
from ._routes.responses import echo_response
from ._script import Script
from ._state import Backend
from ._types import ApiError, Call, RecordedRequest, Reply, encode, error_reply
from ._wire import write_reply

__all__ = ["FakeOpenAI", "RateLimits"]


@dataclass
class RateLimits:
    """What the ``x-ratelimit-*`` headers report; counts down as requests arrive."""

    requests: int = 10_000
    tokens: int = 2_000_000
    used_requests: int = 0
    used_tokens: int = 0

    def consume(self, tokens: int) -> dict[str, str]:
        self.used_requests += 1
        self.used_tokens += tokens
        left_requests = max(0, self.requests - self.used_requests)
        left_tokens = max(0, self.tokens - self.used_tokens)
        return {
            "x-ratelimit-limit-requests": str(self.requests),
            "x-ratelimit-limit-tokens": str(self.tokens),
            "x-ratelimit-remaining-requests": str(left_requests),
            "x-ratelimit-remaining-tokens": str(left_tokens),
            "x-ratelimit-reset-requests": _reset(self.requests - left_requests, self.requests),
            "x-ratelimit-reset-tokens": _reset(self.tokens - left_tokens, self.tokens),
        }


def _reset(used: int, limit: int) -> str:
    """Time until the per-minute window refills, in the API's ``6ms`` / ``1.5s`` style."""
    ms = 60_000 * used // max(limit, 1)
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:g}s"


class FakeOpenAI:
    """A fake OpenAI API. Script it (``chat``, ``responses``, ``runs``, ``faults``), point a
    client at ``url``, and assert on ``requests``.

    ``polls``: how many polls a job (vector store file, batch, run, video) takes to finish.
    ``file_polls``: how many retrieves an uploaded file stays ``uploaded`` before it is
    ``processed`` (0, the default: processed at once). ``poll_after_ms``: the value of the
    ``openai-poll-after-ms`` header on long-running objects (None, the default: no header).
    Both can be changed on a running fake. ``event_delay``: seconds between SSE events.
    ``api_key``: when set, other keys get a 401.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        polls: int = 2,
        event_delay: float = 0.0,
        clock: Callable[[], float] = time.time,
        api_key: str | None = None,
        file_polls: int = 0,
        poll_after_ms: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.event_delay = event_delay
        self.api_key = api_key
        self.chat = Script(echo_chat)
        self.responses = Script(echo_response)
        self.runs = Script(echo_run)
        self.backend = Backend(
            chat=self.chat,
            responses=self.responses,
            runs=self.runs,
            clock=clock,
            polls=polls,
            file_polls=file_polls,
            poll_after_ms=poll_after_ms,
        )
        for module in ROUTE_MODULES:
            module.register(self.backend.router, self.backend)
        self.faults = Faults()
        self.rate_limits = RateLimits()
        self.requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # -- settings a test may change while the fake runs --------------------------------------

    @property
    def poll_after_ms(self) -> int | None:
        """The ``openai-poll-after-ms`` header sent with long-running objects (None: not sent)."""
        return self.backend.poll_after_ms

    @poll_after_ms.setter
    def poll_after_ms(self, value: int | None) -> None:
        self.backend.poll_after_ms = value

    @property
    def file_polls(self) -> int:
        """How many retrieves a new upload stays ``uploaded`` before it is ``processed``."""
        return self.backend.file_polls

    @file_polls.setter
    def file_polls(self, value: int) -> None:
        self.backend.file_polls = value

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL for a client, e.g. ``http://127.0.0.1:54321/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    async def start(self) -> Self:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @classmethod
    def start_in_thread(cls, **options: Any) -> Self:
        """Build and start a fake on its own event loop thread (for blocking code)."""
        fake = cls(**options)
        return fake.__enter__()

    def __enter__(self) -> Self:
        if self._thread is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="FakeOpenAI", daemon=True)
            thread.start()
            self._thread_loop, self._thread = loop, thread
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(30)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop a fake started with ``with`` / ``start_in_thread()``."""
        loop, thread = self._thread_loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
        self._thread_loop = self._thread = None

    # -- assertions helpers ------------------------------------------------------------------

    @property
    def last_request(self) -> RecordedRequest:
        return self.requests[-1]

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Recorded requests whose route is ``route`` (``"POST /chat/completions"``)."""
        return [r for r in self.requests if r.route == route]

    # -- serving -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if is_websocket(request):
            return await serve_websocket(self, request)
        started = time.perf_counter()
        body = await request.read()
        match = self.backend.router.match(request.method, request.path)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=body,
                route=match.key if match else None,
            )
        )
        fault = self.faults.take(request.method, match.key if match else None, request.path)
        headers = {"x-request-id": self.backend.new_id("req_"), "openai-version": "2020-10-01"}
        headers.update(self.rate_limits.consume(len(body) // 4))
        reply = await self._answer(request, body, match, fault)
        if reply.status == 429:
            headers["x-ratelimit-remaining-requests"] = "0"
        if match is not None and match.pollable:
            headers.update(self._poll_after(reply))
        headers["openai-processing-ms"] = str(int((time.perf_counter() - started) * 1000))
        body_fault = fault if fault is not None and fault.kind != "status" else None
        return await write_reply(request, reply, headers, body_fault, self.event_delay)

    async def _answer(
        self, request: web.Request, body: bytes, match: Match | None, fault: Fault | None
    ) -> Reply:
        if fault is not None and fault.kind == "status":
            reply = Reply(status=fault.status, body=encode(fault.error_body()))
            reply.headers.update(fault.status_headers())
            return reply
        denied = self._check_key(request)
        if denied is not None:
            return error_reply(denied)
        if match is None:
            return error_reply(
                ApiError(
                    404,
                    f"Invalid URL ({request.method} {request.path})",
                    type="invalid_request_error",
                )
            )
        call = Call(
            method=request.method,
            path=strip_version(request.path),
            params=match.params,
            query=request.query,
            headers=request.headers,
            body=body,
        )
        return await run(match, call)

    def _poll_after(self, reply: Reply) -> dict[str, str]:
        after = self.backend.poll_after_ms
        if after is None or reply.status >= 400 or reply.is_stream:
            return {}
        return {"openai-poll-after-ms": str(after)}

    def _check_key(self, request: web.Request) -> ApiError | None:
        if self.api_key is None:
            return None
        if request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return ApiError(
            401, "Incorrect API key provided.", type="invalid_request_error", code="invalid_api_key"
        )
