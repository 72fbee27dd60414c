"""A FastAPI app that relays a chat completion stream to the browser as server-sent events.

One ``AsyncOpenAI`` client is shared by the whole app: it is created in the lifespan and kept
on ``app.state``. ``GET /chat?q=...`` opens an upstream stream and forwards each piece of text
as an SSE ``data:`` line. When the browser goes away, the server stops the response generator,
and leaving ``async with stream`` drops the upstream connection at once.

Run it:

    pip install fastapi uvicorn
    python examples/fastapi_sse.py        # then open http://127.0.0.1:8000/chat?q=hello

It reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``; without a key it starts the built-in fake
server and uses that.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from openai_async import APIError, AsyncOpenAI

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with AsyncOpenAI() as client:
        app.state.openai = client
        yield


app = FastAPI(lifespan=lifespan)


def sse(event: str, payload: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n".encode()


@app.get("/chat")
async def chat(request: Request, q: str) -> StreamingResponse:
    client: AsyncOpenAI = request.app.state.openai
    # Errors before the first byte (bad key, 429 after retries) reach the handler below.
    stream = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": q}], stream=True
    )

    async def relay() -> AsyncIterator[bytes]:
        async with stream:  # however this generator ends, the upstream stream is closed
            try:
                async for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield sse("text", chunk.choices[0].delta.content)
            except APIError as error:  # the stream broke after it started
                yield sse("error", {"message": error.message})
                return
        yield sse("done", {})

    return StreamingResponse(relay(), media_type="text/event-stream")


@app.exception_handler(APIError)
async def upstream_failed(request: Request, error: Exception) -> JSONResponse:
    """The upstream call failed before streaming began: answer 502 with what went wrong."""
    status = error.status_code if isinstance(error, APIError) else None
    return JSONResponse({"error": str(error), "upstream_status": status}, status_code=502)


def main() -> None:
    import uvicorn

    if not os.environ.get("OPENAI_API_KEY"):
        from openai_async.testing import FakeOpenAI

        fake = FakeOpenAI.start_in_thread(event_delay=0.05)
        os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
        print(f"No OPENAI_API_KEY: using the built-in fake server at {fake.url}")
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))


if __name__ == "__main__":
    main()
