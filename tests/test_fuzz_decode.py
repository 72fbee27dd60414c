"""Fuzzing response decoding: mutated JSON gives a value or ``APIResponseValidationError``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_async import APIResponseValidationError, AsyncOpenAI
from openai_async._decode import decode
from openai_async.types.chat import ChatCompletion, ChatCompletionChunk
from openai_async.types.responses import Response
from tests.server import TestServer

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": "hi", "refusal": None},
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
VALID = msgspec.json.encode(COMPLETION)
TYPES = [ChatCompletion, ChatCompletionChunk, Response, object]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def must_decode_or_refuse(cast_to: Any, data: bytes) -> None:
    try:
        decode(cast_to, data)
    except APIResponseValidationError as exc:
        assert exc.status_code == 200


def _replace_at(doc: Any, path: list[int], value: Any) -> Any:
    """``doc`` with the node reached by following ``path`` (indices mod size) replaced."""
    if not path or not isinstance(doc, (dict, list)) or not doc:
        return value
    if isinstance(doc, dict):
        keys = sorted(doc)
        key = keys[path[0] % len(keys)]
        return {**doc, key: _replace_at(doc[key], path[1:], value)}
    index = path[0] % len(doc)
    return [*doc[:index], _replace_at(doc[index], path[1:], value), *doc[index + 1 :]]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES), st.lists(st.integers(0, 50), max_size=5), _json)
def test_a_value_swapped_anywhere(cast_to: Any, path: list[int], value: Any) -> None:
    must_decode_or_refuse(cast_to, msgspec.json.encode(_replace_at(COMPLETION, path, value)))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(TYPES),
    st.integers(0, len(VALID)),
    st.integers(0, 8),
    st.text(st.characters(codec="utf-8"), max_size=4).map(str.encode),
)
def test_bytes_cut_and_spliced(cast_to: Any, at: int, cut: int, insert: bytes) -> None:
    must_decode_or_refuse(cast_to, VALID[:at] + insert + VALID[at + cut :])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TYPES), _json)
def test_any_json_document(cast_to: Any, value: Any) -> None:
    must_decode_or_refuse(cast_to, msgspec.json.encode(value))


def test_the_unmutated_document_decodes_to_the_struct() -> None:
    result = decode(ChatCompletion, VALID)
    assert isinstance(result, ChatCompletion)
    assert result.choices[0].message.content == "hi"


@pytest.mark.parametrize("cast_to", [ChatCompletion, object])
def test_invalid_utf8_inside_a_string_is_a_validation_error(cast_to: Any) -> None:
    must_decode_or_refuse(cast_to, VALID.replace(b'"hi"', b'"h\x80i"'))


async def test_an_event_with_invalid_utf8_fails_the_stream_with_a_validation_error(
    server: TestServer,
) -> None:
    server.sse([b'data: {"n": 1}\n\n', b'data: {"n": "\x80"}\n\n', b"data: [DONE]\n\n"])
    received: list[object] = []
    async with AsyncOpenAI(api_key="sk-fuzz-0123456789", base_url=server.url) as client:
        stream = await client.post("/s", body={}, stream=True, stream_type=ChatCompletionChunk)
        with pytest.raises(APIResponseValidationError):
            async for event in stream:
                received.append(event)
    assert len(received) == 1
