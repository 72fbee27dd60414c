"""Static types of ``create()`` with and without ``stream=True``, on both clients.

The ``_check_*`` functions are never run: pyright reads them, and ``assert_type`` fails its
check when an overload resolves to the wrong type. ``test_pyright_accepts_overloads`` runs
pyright on this file.
"""

from __future__ import annotations

from typing_extensions import assert_type

from openai_async import AsyncOpenAI, OpenAI
from openai_async._streaming import AsyncStream
from openai_async._sync._streaming import Stream
from openai_async.types.chat import ChatCompletion, ChatCompletionChunk
from tests.typing._pyright import assert_pyright_passes


async def _check_async(client: AsyncOpenAI, flag: bool) -> None:
    plain = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert_type(plain, ChatCompletion)
    explicit = await client.chat.completions.create(model="m", messages=[], stream=False)
    assert_type(explicit, ChatCompletion)
    stream = await client.chat.completions.create(model="m", messages=[], stream=True)
    assert_type(stream, AsyncStream[ChatCompletionChunk])
    either = await client.chat.completions.create(model="m", messages=[], stream=flag)
    assert_type(either, ChatCompletion | AsyncStream[ChatCompletionChunk])


def _check_sync(client: OpenAI, flag: bool) -> None:
    plain = client.chat.completions.create(model="m", messages=[])
    assert_type(plain, ChatCompletion)
    explicit = client.chat.completions.create(model="m", messages=[], stream=False)
    assert_type(explicit, ChatCompletion)
    stream = client.chat.completions.create(model="m", messages=[], stream=True)
    assert_type(stream, Stream[ChatCompletionChunk])
    either = client.chat.completions.create(model="m", messages=[], stream=flag)
    assert_type(either, ChatCompletion | Stream[ChatCompletionChunk])


def test_pyright_accepts_overloads() -> None:
    assert_pyright_passes(__file__)
