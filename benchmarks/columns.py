"""One class per benchmark column: the same operations, spelled the way each client's users write them.

A column opens a fresh async client (``open``), runs one operation per method, and can open a
blocking client (``open_blocking``). Results are returned as the client gives them; the
``summary`` helpers read them back (dicts for the floor, attributes for typed clients) so the
worker can check every result against the expected payload values after the timed loop.
"""

from __future__ import annotations

import abc
import array
import base64
import importlib
from typing import Any

from benchmarks.floor import BlockingFloor, FloorClient
from benchmarks.payloads import Sizes, chat_request, embed_inputs

API_KEY = "sk-bench-0000000000000000000000000000000000000000"

CHAT = chat_request()
STREAMS = {False: chat_request(stream=True), True: chat_request(stream=True, paced=True)}
STREAM = STREAMS[False]
LOGPROBS = chat_request(logprobs=True)
EMBED_MODEL = "text-embedding-3-small"


class Unavailable(Exception):
    """The column's client cannot be built in this environment (reason in the message)."""


class Column(abc.ABC):
    """Base: the operations every column implements."""

    name = ""
    has_blocking = True

    def __init__(self, base_url: str, sizes: Sizes) -> None:
        self.base_url = base_url
        self.inputs = embed_inputs(sizes)

    def describe(self) -> str:
        """How this column calls its client (shown in the report)."""
        return "resource methods"

    @abc.abstractmethod
    async def open(self) -> None:
        """Build a fresh async client."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the async client."""

    @abc.abstractmethod
    async def chat(self) -> Any:
        """One chat completion."""

    @abc.abstractmethod
    async def logprobs(self) -> Any:
        """One chat completion carrying logprobs."""

    @abc.abstractmethod
    async def stream(self, paced: bool = False) -> tuple[int, str]:
        """Consume one streamed chat: (chunks, text); ``paced``: the server's paced stream."""

    @abc.abstractmethod
    async def embeddings(self, encoding_format: str | None) -> Any:
        """One embeddings call (``None``: the client's default format)."""

    @abc.abstractmethod
    def open_blocking(self) -> None:
        """Build a blocking client."""

    @abc.abstractmethod
    def close_blocking(self) -> None:
        """Close the blocking client."""

    @abc.abstractmethod
    def chat_blocking(self) -> Any:
        """One blocking chat completion."""

    @abc.abstractmethod
    def stream_blocking(self) -> tuple[int, str]:
        """Consume one streamed chat from the blocking client."""


class FloorColumn(Column):
    name = "floor"

    def describe(self) -> str:
        return "aiohttp + `msgspec.json.decode` to dicts; blocking cells through an anyio portal"

    def __init__(self, base_url: str, sizes: Sizes) -> None:
        super().__init__(base_url, sizes)
        self.client = FloorClient(base_url, API_KEY)
        self.blocking: BlockingFloor | None = None

    async def open(self) -> None:
        self.client = FloorClient(self.base_url, API_KEY)

    async def close(self) -> None:
        await self.client.close()

    async def chat(self) -> Any:
        return await self.client.chat(CHAT)

    async def logprobs(self) -> Any:
        return await self.client.chat(LOGPROBS)

    async def stream(self, paced: bool = False) -> tuple[int, str]:
        count = 0
        parts: list[str] = []
        async for chunk in self.client.stream(STREAMS[paced]):
            count += 1
            choices = chunk["choices"]
            if choices and (text := choices[0]["delta"].get("content")):
                parts.append(text)
        return count, "".join(parts)

    async def embeddings(self, encoding_format: str | None) -> Any:
        return await self.client.embeddings(self.inputs, encoding_format)

    def open_blocking(self) -> None:
        self.blocking = BlockingFloor(self.base_url, API_KEY)

    def close_blocking(self) -> None:
        if self.blocking is not None:
            self.blocking.close()
            self.blocking = None

    def chat_blocking(self) -> Any:
        assert self.blocking is not None
        return self.blocking.chat(CHAT)

    def stream_blocking(self) -> tuple[int, str]:
        assert self.blocking is not None
        count = 0
        parts: list[str] = []
        for chunk in self.blocking.stream(STREAM):
            count += 1
            choices = chunk["choices"]
            if choices and (text := choices[0]["delta"].get("content")):
                parts.append(text)
        return count, "".join(parts)


class SdkColumn(Column):
    """A client with the official call shape: ``client.chat.completions.create(...)``."""

    module = "openai"

    def __init__(self, base_url: str, sizes: Sizes) -> None:
        super().__init__(base_url, sizes)
        try:
            self.sdk: Any = importlib.import_module(self.module)
        except ImportError as exc:
            raise Unavailable(f"cannot import {self.module}: {exc}") from exc
        self.client: Any = None
        self.blocking: Any = None

    def _async_client(self) -> Any:
        return self.sdk.AsyncOpenAI(base_url=self.base_url, api_key=API_KEY)

    def _blocking_client(self) -> Any:
        return self.sdk.OpenAI(base_url=self.base_url, api_key=API_KEY)

    async def open(self) -> None:
        self.client = self._async_client()

    async def close(self) -> None:
        await self.client.close()

    async def chat(self) -> Any:
        return await self.client.chat.completions.create(**CHAT)

    async def logprobs(self) -> Any:
        return await self.client.chat.completions.create(**LOGPROBS)

    async def stream(self, paced: bool = False) -> tuple[int, str]:
        count = 0
        parts: list[str] = []
        async for chunk in await self.client.chat.completions.create(**STREAMS[paced]):
            count += 1
            if chunk.choices and (text := chunk.choices[0].delta.content):
                parts.append(text)
        return count, "".join(parts)

    async def embeddings(self, encoding_format: str | None) -> Any:
        if encoding_format is None:
            return await self.client.embeddings.create(model=EMBED_MODEL, input=self.inputs)
        return await self.client.embeddings.create(
            model=EMBED_MODEL, input=self.inputs, encoding_format=encoding_format
        )

    def open_blocking(self) -> None:
        self.blocking = self._blocking_client()

    def close_blocking(self) -> None:
        if self.blocking is not None:
            self.blocking.close()
            self.blocking = None

    def chat_blocking(self) -> Any:
        return self.blocking.chat.completions.create(**CHAT)

    def stream_blocking(self) -> tuple[int, str]:
        count = 0
        parts: list[str] = []
        for chunk in self.blocking.chat.completions.create(**STREAM):
            count += 1
            if chunk.choices and (text := chunk.choices[0].delta.content):
                parts.append(text)
        return count, "".join(parts)


class OpenAIHttpxColumn(SdkColumn):
    name = "openai"

    def describe(self) -> str:
        return "official client, default httpx2 transport"


class OpenAIAiohttpColumn(SdkColumn):
    name = "openai-aiohttp"
    has_blocking = False

    def describe(self) -> str:
        return "official client, `http_client=DefaultAioHttpClient()` (async only)"

    def _async_client(self) -> Any:
        try:
            http_client = self.sdk.DefaultAioHttpClient()
        except RuntimeError as exc:
            raise Unavailable(str(exc)) from exc
        return self.sdk.AsyncOpenAI(
            base_url=self.base_url, api_key=API_KEY, http_client=http_client
        )


class OpenAIAsyncColumn(SdkColumn):
    """openai_async through its resource methods; through the low-level ``post`` verb (decoded
    to builtins) while the generated resources cannot be imported."""

    name = "openai_async"
    module = "openai_async"

    def __init__(self, base_url: str, sizes: Sizes) -> None:
        super().__init__(base_url, sizes)
        try:
            probe = self._async_client()
        except ImportError as exc:
            raise Unavailable(f"openai_async client not importable yet: {exc}") from exc
        try:
            probe.chat.completions.create  # noqa: B018 - lazy: imports the resource modules
            probe.embeddings.create  # noqa: B018
            self.low_level = ""
        except (ImportError, AttributeError) as exc:
            self.low_level = f"{type(exc).__name__}: {exc}"

    def describe(self) -> str:
        if self.low_level:
            return f"low-level `post(..., cast_to=object)` (resources not importable: {self.low_level})"
        return "resource methods (`client.chat.completions.create`, ...)"

    async def close(self) -> None:
        await self.client.aclose()

    async def chat(self) -> Any:
        if self.low_level:
            return await self.client.post("/chat/completions", body=CHAT, cast_to=object)
        return await super().chat()

    async def logprobs(self) -> Any:
        if self.low_level:
            return await self.client.post("/chat/completions", body=LOGPROBS, cast_to=object)
        return await super().logprobs()

    async def stream(self, paced: bool = False) -> tuple[int, str]:
        if not self.low_level:
            return await super().stream(paced)
        count = 0
        parts: list[str] = []
        events = await self.client.post(
            "/chat/completions",
            body=STREAMS[paced],
            cast_to=object,
            stream=True,
            stream_type=object,
        )
        async for chunk in events:
            count += 1
            choices = chunk["choices"]
            if choices and (text := choices[0]["delta"].get("content")):
                parts.append(text)
        return count, "".join(parts)

    async def embeddings(self, encoding_format: str | None) -> Any:
        if not self.low_level:
            return await super().embeddings(encoding_format)
        body = {"model": EMBED_MODEL, "input": self.inputs, "encoding_format": encoding_format}
        if encoding_format is None:
            body["encoding_format"] = "base64"
            out = await self.client.post("/embeddings", body=body, cast_to=object)
            for item in out["data"]:
                item["embedding"] = array.array("f", base64.b64decode(item["embedding"])).tolist()
            return out
        return await self.client.post("/embeddings", body=body, cast_to=object)

    def chat_blocking(self) -> Any:
        if self.low_level:
            return self.blocking.post("/chat/completions", body=CHAT, cast_to=object)
        return super().chat_blocking()

    def stream_blocking(self) -> tuple[int, str]:
        if not self.low_level:
            return super().stream_blocking()
        count = 0
        parts: list[str] = []
        events = self.blocking.post(
            "/chat/completions", body=STREAM, cast_to=object, stream=True, stream_type=object
        )
        for chunk in events:
            count += 1
            choices = chunk["choices"]
            if choices and (text := choices[0]["delta"].get("content")):
                parts.append(text)
        return count, "".join(parts)


COLUMNS: dict[str, type[Column]] = {
    "openai_async": OpenAIAsyncColumn,
    "openai": OpenAIHttpxColumn,
    "openai-aiohttp": OpenAIAiohttpColumn,
    "floor": FloorColumn,
}

# --- reading results back (outside the timed loops) -------------------------------------------


def field(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def chat_summary(result: Any) -> tuple[str, int]:
    message = field(field(result, "choices")[0], "message")
    return field(message, "content"), field(field(result, "usage"), "total_tokens")


def embeddings_summary(result: Any) -> tuple[int, int, float, float]:
    data = field(result, "data")
    first = field(data[0], "embedding")
    last = field(data[-1], "embedding")
    return len(data), len(first), float(first[0]), float(last[-1])


def logprobs_summary(result: Any) -> tuple[int, str]:
    content = field(field(field(result, "choices")[0], "logprobs"), "content")
    return len(content), field(content[-1], "token")
