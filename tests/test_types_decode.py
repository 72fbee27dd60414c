"""Generated response types decode real-shaped JSON, on the fast path and the lenient one."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from openai_async._decode import decode, decoder_for
from openai_async._models import UnknownObject
from openai_async.types import CreateEmbeddingResponse, FileObject
from openai_async.types.beta import AssistantStreamEvent
from openai_async.types.chat import ChatCompletion, ChatCompletionChunk
from openai_async.types.responses import (
    Response,
    ResponseOutputItem,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseTextDeltaEvent,
)


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "logprobs": None,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
}


def test_chat_completion_decodes_on_the_fast_path() -> None:
    data = encode(CHAT_COMPLETION)
    fast = msgspec.json.Decoder(ChatCompletion).decode(data)
    result = decode(ChatCompletion, data)
    assert result == fast
    assert isinstance(result, ChatCompletion)
    assert result.choices[0].finish_reason == "tool_calls"
    call = result.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.type == "function"
    assert call.function.arguments == '{"q": "x"}'  # type: ignore[union-attr]
    assert result.usage is not None and result.usage.total_tokens == 12
    assert decode(ChatCompletion, encode(result.to_dict())) == result


def test_chat_completion_chunk_with_tool_call_delta() -> None:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": None,
                "delta": {
                    "role": "assistant",
                    "tool_calls": [{"index": 0, "id": "call_1", "function": {"arguments": '{"'}}],
                },
            }
        ],
    }
    result = msgspec.json.Decoder(ChatCompletionChunk).decode(encode(chunk))
    delta = result.choices[0].delta
    assert delta.role == "assistant"
    assert delta.tool_calls is not None
    assert delta.tool_calls[0].function is not None
    assert delta.tool_calls[0].function.arguments == '{"'
    assert result.choices[0].finish_reason is None


def test_embeddings_and_files() -> None:
    embeddings = {
        "object": "list",
        "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}],
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    result = msgspec.json.Decoder(CreateEmbeddingResponse).decode(encode(embeddings))
    assert result.data[0].embedding == [0.25, -0.5]
    assert result.usage.prompt_tokens == 2

    file = {
        "id": "file-1",
        "object": "file",
        "bytes": 120,
        "created_at": 1700000000,
        "filename": "data.jsonl",
        "purpose": "fine-tune",
        "status": "processed",
    }
    obj = decode(FileObject, encode(file))
    assert isinstance(obj, FileObject)
    assert (obj.id, obj.bytes, obj.purpose, obj.expires_at) == ("file-1", 120, "fine-tune", None)


RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1700000000,
    "status": "completed",
    "model": "gpt-4o",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []}],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "lookup",
            "arguments": "{}",
            "status": "completed",
        },
        {"type": "reasoning", "id": "rs_1", "summary": []},
    ],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "metadata": {},
    "temperature": 1.0,
    "top_p": 1.0,
}


def test_response_output_items_of_several_types() -> None:
    result = decode(Response, encode(RESPONSE))
    assert isinstance(result, Response)
    kinds = [item.type for item in result.output]
    assert kinds == ["message", "function_call", "reasoning"]
    message = result.output[0]
    assert isinstance(message, ResponseOutputMessage)
    assert message.content[0].type == "output_text"
    assert isinstance(result.output[2], ResponseReasoningItem)


def test_output_item_union_is_tagged_for_the_fast_path() -> None:
    items = msgspec.json.Decoder(list[ResponseOutputItem]).decode(encode(RESPONSE["output"]))
    assert [type(item).__name__ for item in items] == [
        "ResponseOutputMessage",
        "ResponseFunctionToolCall",
        "ResponseReasoningItem",
    ]
    assert items[1].type == "function_call"
    # the tag is written back when encoding
    assert msgspec.to_builtins(items[2])["type"] == "reasoning"


def test_unknown_union_tag_keeps_the_raw_object() -> None:
    payload = dict(RESPONSE, output=[*RESPONSE["output"], {"type": "brand_new", "x": 1}])
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.Decoder(list[ResponseOutputItem]).decode(encode(payload["output"]))
    result = decode(Response, encode(payload))
    unknown = result.output[3]
    assert isinstance(unknown, UnknownObject)
    assert unknown == {"type": "brand_new", "x": 1}
    assert isinstance(result.output[0], ResponseOutputMessage)


def test_extra_unknown_field_is_ignored_by_the_struct() -> None:
    payload = dict(CHAT_COMPLETION, brand_new_field={"nested": [1, 2]})
    result = decode(ChatCompletion, encode(payload))
    assert isinstance(result, ChatCompletion)
    assert result.id == "chatcmpl-1"
    assert not hasattr(result, "brand_new_field")


def test_null_in_a_non_null_field_does_not_fail() -> None:
    payload = dict(CHAT_COMPLETION, created=None, model=None)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.Decoder(ChatCompletion).decode(encode(payload))
    result = decode(ChatCompletion, encode(payload))
    assert isinstance(result, ChatCompletion)
    assert result.created is None  # type: ignore[comparison-overlap]
    assert result.choices[0].message.tool_calls is not None


def test_stream_event_types_decode() -> None:
    event = {
        "type": "response.output_text.delta",
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "delta": "He",
        "sequence_number": 4,
        "logprobs": [],
    }
    delta = decode(ResponseTextDeltaEvent, encode(event))
    assert isinstance(delta, ResponseTextDeltaEvent)
    assert (delta.delta, delta.type) == ("He", "response.output_text.delta")

    run_event = {
        "event": "thread.run.created",
        "data": {"id": "run_1", "object": "thread.run"},
    }
    # the fast decoder of the event union exists (tagged on ``event``) ...
    assert decoder_for(AssistantStreamEvent) is decoder_for(AssistantStreamEvent)
    # ... and a sparse payload still becomes the right variant through the lenient path
    decoded = decode(AssistantStreamEvent, encode(run_event))
    assert decoded.event == "thread.run.created"
    assert type(decoded).__name__ == "RunStreamEventThreadRunCreated"
    assert decoded.data.id == "run_1"  # type: ignore[union-attr]


def test_response_and_its_stream_events_decode_on_the_fast_path() -> None:
    from openai_async.types.responses import ResponseStreamEvent

    message_input = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "Hi"}],
    }
    fast = msgspec.json.Decoder(Response)  # builds: no untagged union left inside
    response = fast.decode(encode(dict(RESPONSE, input=[message_input])))
    assert [item.type for item in response.output] == ["message", "function_call", "reasoning"]
    events = msgspec.json.Decoder(ResponseStreamEvent)
    created = events.decode(
        encode({"type": "response.created", "sequence_number": 0, "response": RESPONSE})
    )
    assert created.type == "response.created"
    added = events.decode(
        encode(
            {
                "type": "response.output_item.added",
                "sequence_number": 1,
                "output_index": 0,
                "item": RESPONSE["output"][0],
            }
        )
    )
    assert added.item.type == "message"  # type: ignore[union-attr]
