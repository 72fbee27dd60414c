"""Generated response types decode real-shaped JSON, on the fast path and the lenient one."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import msgspec
import pytest

from openai_async import AsyncOpenAI, OpenAI
from openai_async._decode import decode, decoder_for
from openai_async._models import UnknownObject
from openai_async._response import BinaryResponseContent
from openai_async.types import CreateEmbeddingResponse, FileObject
from openai_async.types.beta import AssistantStreamEvent, BetaResponse
from openai_async.types.chat import ChatCompletion, ChatCompletionChunk
from openai_async.types.responses import (
    Response,
    ResponseOutputItem,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseTextDeltaEvent,
)
from tests.server import TestServer


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


# ----- Response.output_text: a property computed from ``output`` (codegen/type_extensions.py) ----

TWO_MESSAGES: dict[str, Any] = dict(
    RESPONSE,
    output=[
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": "Hello, ", "annotations": [], "logprobs": []},
                {"type": "refusal", "refusal": "not this part"},
                {"type": "output_text", "text": "world", "annotations": []},
            ],
        },
        RESPONSE["output"][1],
        {
            "type": "message",
            "id": "msg_2",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "!", "annotations": []}],
        },
        RESPONSE["output"][2],
    ],
)


async def test_output_text_joins_the_text_parts_of_message_items(server: TestServer) -> None:
    server.json(TWO_MESSAGES)
    async with AsyncOpenAI(api_key="sk-test", base_url=server.url, max_retries=0) as client:
        response = await client.responses.create(model="gpt-4o", input="Say hello")
    sent = server.last
    assert (sent.method, sent.path) == ("POST", "/responses")
    assert sent.json() == {"model": "gpt-4o", "input": "Say hello"}
    assert isinstance(response, Response)
    assert response.output_text == "Hello, world!"
    assert "output_text" not in Response.__struct_fields__  # the property is not hidden
    assert "output_text" not in response.to_dict()  # not sent by the API, not invented


async def test_output_text_is_empty_without_text_output(server: TestServer) -> None:
    only_calls = dict(RESPONSE, output=[RESPONSE["output"][1]])
    server.json(only_calls)
    server.json(dict(RESPONSE, output=[], output_text="a value the API does not send"))
    async with AsyncOpenAI(api_key="sk-test", base_url=server.url, max_retries=0) as client:
        first = await client.responses.retrieve("resp_1")
        second = await client.responses.retrieve("resp_1")
    assert [request.path for request in server.requests] == ["/responses/resp_1"] * 2
    assert first.output_text == ""
    assert second.output_text == ""  # computed from ``output``, never from the wire


async def test_output_text_on_lenient_decoding_and_streamed_responses(server: TestServer) -> None:
    odd = dict(TWO_MESSAGES, created_at="not a number")  # lenient path: the Struct still decodes
    completed = {"type": "response.completed", "sequence_number": 1, "response": TWO_MESSAGES}
    server.json(odd)
    server.sse([f"data: {json.dumps(completed)}\n\n".encode(), b"data: [DONE]\n\n"])
    async with AsyncOpenAI(api_key="sk-test", base_url=server.url, max_retries=0) as client:
        lenient = await client.responses.retrieve("resp_1")
        stream = await client.responses.create(model="gpt-4o", input="Hi", stream=True)
        events = [event async for event in stream]
    assert lenient.output_text == "Hello, world!"
    assert server.last.json() == {"model": "gpt-4o", "input": "Hi", "stream": True}
    final = events[-1]
    assert final.type == "response.completed"
    assert final.response.output_text == "Hello, world!"


def test_output_text_on_the_blocking_client_and_the_beta_response(sync_server: TestServer) -> None:
    sync_server.json(TWO_MESSAGES)
    with OpenAI(api_key="sk-test", base_url=sync_server.url, max_retries=0) as client:
        response = client.responses.retrieve("resp_1")
    assert sync_server.last.path == "/responses/resp_1"
    assert response.output_text == "Hello, world!"
    beta = decode(BetaResponse, encode(TWO_MESSAGES))
    assert isinstance(beta, BetaResponse)
    assert beta.output_text == "Hello, world!"


async def test_container_file_content_is_binary(server: TestServer) -> None:
    server.raw(b"\x00\x01 raw bytes", headers={"content-type": "application/octet-stream"})
    async with AsyncOpenAI(api_key="sk-test", base_url=server.url, max_retries=0) as client:
        content = await client.containers.files.content.retrieve("cfile_1", container_id="cntr_1")
    assert server.last.path == "/containers/cntr_1/files/cfile_1/content"
    assert isinstance(content, BinaryResponseContent)
    assert content.content == b"\x00\x01 raw bytes"


# ----- every generated Struct has a fast decoder ----------------------------------------------

# Structs whose ``msgspec.json.Decoder`` cannot be built, with the reason; they decode through
# the lenient path.  All hold the spec's ``CreateEvalItem`` union: a plain ``{role, content}``
# message beside ``EvalItem``, neither with a constant tag, so msgspec cannot tell them apart.
LENIENT_ONLY = {
    "openai_async.types.evals.run_create_response.RunCreateResponse",
    "openai_async.types.shared.create_eval_label_model_grader.CreateEvalLabelModelGrader",
    "openai_async.types.shared.create_eval_request.CreateEvalRequest",
    "openai_async.types.shared.create_eval_responses_run_data_source."
    "CreateEvalResponsesRunDataSource",
    "openai_async.types.shared.create_eval_responses_run_data_source."
    "CreateEvalResponsesRunDataSourceInputMessagesInputMessagesTemplate",
    "openai_async.types.shared.create_eval_run_request.CreateEvalRunRequest",
    "openai_async.types.shared.eval_run_list.EvalRunList",
}


def generated_structs() -> dict[str, type[msgspec.Struct]]:
    import openai_async.types as types_package

    found: dict[str, type[msgspec.Struct]] = {}
    for info in pkgutil.walk_packages(types_package.__path__, "openai_async.types."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, msgspec.Struct)
                and value.__module__ == info.name
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_generated_struct_but_a_documented_few_has_a_fast_decoder() -> None:
    structs = generated_structs()
    assert len(structs) > 1500
    failing: set[str] = set()
    for dotted, struct in structs.items():
        try:
            msgspec.json.Decoder(struct)
        except TypeError:
            failing.add(dotted)
    assert failing == LENIENT_ONLY


def test_realtime_message_items_decode_on_the_fast_path() -> None:
    from openai_async.types.realtime import ConversationItemCreatedEvent

    event = {
        "type": "conversation.item.created",
        "event_id": "ev_1",
        "previous_item_id": None,
        "item": {
            "type": "message",
            "id": "item_1",
            "object": "realtime.item",
            "status": "completed",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Hi"},
                {"type": "input_audio", "audio": "AAA=", "transcript": "hi"},
            ],
        },
    }
    fast = msgspec.json.Decoder(ConversationItemCreatedEvent).decode(encode(event))
    assert decode(ConversationItemCreatedEvent, encode(event)) == fast
    item: Any = fast.item
    assert (item.type, item.role) == ("message", "user")
    assert [(part.type, part.text, part.transcript) for part in item.content] == [
        ("input_text", "Hi", None),
        ("input_audio", None, "hi"),
    ]
