"""The benchmark server: aiohttp in its own process, answering from pre-built payloads.

Run: ``python -m benchmarks.server [--port 0] [--smoke]``. It prints ``READY <port>`` once
listening. Routes (under ``/v1``): ``POST /chat/completions`` (a completion; an SSE stream when
the body has ``"stream": true``; the logprobs completion when it has ``"logprobs": true``),
``POST /embeddings`` (float JSON, or base64 when asked). ``GET /__stats`` reports the server's
own CPU seconds and request count so the runner can show the server's share.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sys
import time
from typing import Any

import msgspec
from aiohttp import web

from benchmarks.payloads import FULL, PACED_MODEL, SMOKE, Payloads, Sizes


class _ChatBody(msgspec.Struct):
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    logprobs: bool = False


class _EmbedBody(msgspec.Struct):
    model: str
    input: list[str]
    encoding_format: str = "float"


# Stream events go out this many per write. One per write makes the server (aiohttp's write path,
# a send() per event) slower than the fastest clients, so the stream cells would time the server
# and how its writes happen to coalesce; ten per write keeps it well under the clients' pace.
EVENTS_PER_WRITE = 10
# The paced stream (model PACED_MODEL) waits this long before each event after the first: like
# tokens from a model, each event reaches the client in a read of its own.
PACE_SECONDS = 0.001

_CHAT_DECODER = msgspec.json.Decoder(_ChatBody)
_EMBED_DECODER = msgspec.json.Decoder(_EmbedBody)

_BASE_HEADERS = {
    "openai-organization": "bench-org",
    "openai-version": "2020-10-01",
    "openai-processing-ms": "412",
    "x-ratelimit-limit-requests": "30000",
    "x-ratelimit-limit-tokens": "150000000",
    "x-ratelimit-remaining-requests": "29999",
    "x-ratelimit-remaining-tokens": "149999985",
    "x-ratelimit-reset-requests": "2ms",
    "x-ratelimit-reset-tokens": "0s",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "alt-svc": 'h3=":443"; ma=86400',
}


class BenchServer:
    """Holds the payloads and answers requests; counts requests for the stats route."""

    def __init__(self, payloads: Payloads) -> None:
        self.payloads = payloads
        events = payloads.stream_events
        self.stream_writes = [
            b"".join(events[i : i + EVENTS_PER_WRITE])
            for i in range(0, len(events), EVENTS_PER_WRITE)
        ]
        self.requests = 0
        self._ids = itertools.count(1)

    def _headers(self, content_type: str) -> dict[str, str]:
        headers = dict(_BASE_HEADERS)
        headers["content-type"] = content_type
        headers["x-request-id"] = f"req_{next(self._ids):032x}"
        return headers

    def _json(self, body: bytes) -> web.Response:
        return web.Response(body=body, headers=self._headers("application/json"))

    def _error(self, status: int, message: str) -> web.Response:
        body = msgspec.json.encode(
            {"error": {"message": message, "type": "invalid_request_error", "param": None}}
        )
        return web.Response(body=body, status=status, headers=self._headers("application/json"))

    async def chat(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        try:
            body = _CHAT_DECODER.decode(await request.read())
        except msgspec.DecodeError as exc:
            return self._error(400, f"bad chat body: {exc}")
        if body.stream and body.model == PACED_MODEL:
            return await self._paced_stream(request)
        if body.stream:
            return await self._stream(request)
        if body.logprobs:
            return self._json(self.payloads.logprobs)
        return self._json(self.payloads.chat)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers=self._headers("text/event-stream; charset=utf-8"))
        await resp.prepare(request)
        for data in self.stream_writes:
            await resp.write(data)
        await resp.write_eof()
        return resp

    async def _paced_stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers=self._headers("text/event-stream; charset=utf-8"))
        await resp.prepare(request)
        for i, event in enumerate(self.payloads.stream_events):
            if i:  # none after the last: a client may hang up once it has [DONE]
                await asyncio.sleep(PACE_SECONDS)
            await resp.write(event)
        await resp.write_eof()
        return resp

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        try:
            body = _EMBED_DECODER.decode(await request.read())
        except msgspec.DecodeError as exc:
            return self._error(400, f"bad embeddings body: {exc}")
        if len(body.input) != self.payloads.sizes.embed_count:
            return self._error(400, f"expected {self.payloads.sizes.embed_count} inputs")
        if body.encoding_format == "base64":
            return self._json(self.payloads.embeddings_base64)
        if body.encoding_format != "float":
            return self._error(400, f"unknown encoding_format {body.encoding_format!r}")
        return self._json(self.payloads.embeddings_float)

    async def stats(self, request: web.Request) -> web.StreamResponse:
        body = msgspec.json.encode({"cpu": time.process_time(), "requests": self.requests})
        return web.Response(body=body, content_type="application/json")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_get("/__stats", self.stats)
        return app


async def serve(sizes: Sizes, host: str, port: int) -> None:
    server = BenchServer(Payloads(sizes))
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sys.stdout.write(f"READY {bound}\n")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="small payloads")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(SMOKE if args.smoke else FULL, args.host, args.port))


if __name__ == "__main__":
    main()
