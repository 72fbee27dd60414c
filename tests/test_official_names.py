"""Official type names: every one importable from its module, and every method returns them."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import typing
from typing import Any

import pytest
from typing_extensions import Required

from codegen.type_names import NAMING_FILE
from openai_async import AsyncOpenAI
from openai_async._decode import decode

with NAMING_FILE.open("rb") as handle:
    SURFACE: dict[str, Any] = json.load(handle)

TYPE_PAIRS = [
    (module, name)
    for module, names in SURFACE["types"].items()
    if ".types" in module
    for name in names
]
METHODS: list[dict[str, Any]] = SURFACE["methods"]
# Official return types that name a runtime class of ours rather than a generated type.
RETURN_EQUIVALENTS = {"HttpxBinaryResponseContent": "BinaryResponseContent"}


def test_the_surface_lists_852_type_names_and_275_methods() -> None:
    assert len(TYPE_PAIRS) == 852
    assert len({method["route"] for method in METHODS}) == 275


def test_every_official_type_name_is_importable_from_its_module() -> None:
    missing = [
        f"{module}.{name}"
        for module, name in TYPE_PAIRS
        if not hasattr(importlib.import_module(module), name)
    ]
    assert missing == []


def official_return(returns: str) -> str:
    """``SyncCursorPage[FileObject]`` -> ``CursorPage[FileObject]``; plain names unchanged."""
    text = returns.removeprefix("Sync")
    return RETURN_EQUIVALENTS.get(text, text)


def our_return(annotation: str) -> str:
    """The non-streaming return type of a generated async method, in the same notation."""
    first = re.split(r" \| (?![^\[]*\])", annotation)[0]
    paged = re.fullmatch(r"AsyncPaginator\[(\w+), Async(\w+)\[\w+\]\]", first)
    if paged is not None:
        return f"{paged.group(2)}[{paged.group(1)}]"
    return first


def generated_method(client: AsyncOpenAI, dotted: str) -> Any:
    target: Any = client
    for part in dotted.split(".")[1:]:
        target = getattr(target, part)
    return target


@pytest.fixture(scope="module")
def client() -> AsyncOpenAI:
    return AsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9")


def test_every_method_returns_its_official_type(client: AsyncOpenAI) -> None:
    wrong: list[str] = []
    for method in METHODS:
        function = generated_method(client, method["method"])
        annotation = str(inspect.signature(function).return_annotation)
        ours, theirs = our_return(annotation), official_return(method["returns"])
        if ours != theirs:
            wrong.append(f"{method['method']}: {ours} != {theirs}")
    assert wrong == []
    assert len(METHODS) >= 275


def test_return_type_notation() -> None:
    paged = "AsyncPaginator[FileObject, AsyncCursorPage[FileObject]]"
    assert our_return(paged) == official_return("SyncCursorPage[FileObject]")
    assert our_return("Response | AsyncStream[ResponseStreamEvent]") == "Response"
    assert official_return("HttpxBinaryResponseContent") == "BinaryResponseContent"


def exported(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def test_official_unions_and_aliases_are_bound_to_their_schemas() -> None:
    webhooks = set(typing.get_args(exported("openai_async.types.webhooks", "UnwrapWebhookEvent")))
    assert len(webhooks) == 16
    assert exported("openai_async.types.webhooks", "BatchCompletedWebhookEvent") in webhooks
    tools = set(typing.get_args(exported("openai_async.types.chat", "ChatCompletionToolUnion")))
    assert tools == {
        exported("openai_async.types.chat", "ChatCompletionFunctionTool"),
        exported("openai_async.types.chat", "ChatCompletionCustomTool"),
    }
    assert exported("openai_async.types", "FileContent") is str
    purpose = exported("openai_async.types", "FilePurpose")
    assert "assistants" in typing.get_args(purpose) and "batch" in typing.get_args(purpose)
    modality = exported("openai_async.types.chat", "ChatCompletionModality")
    assert set(typing.get_args(modality)) == {"text", "audio"}
    moderation = set(typing.get_args(exported("openai_async.types", "ModerationMultiModalInput")))
    assert moderation == {
        exported("openai_async.types", "ModerationImageURLInput"),
        exported("openai_async.types", "ModerationTextInput"),
    }


def struct_fields(module: str, name: str) -> set[str]:
    found: tuple[str, ...] = exported(module, name).__struct_fields__
    return set(found)


def test_official_structs_carry_the_fields_of_their_schemas() -> None:
    realtime = "openai_async.types.realtime"
    usage = struct_fields(realtime, "RealtimeResponseUsage")
    assert {"input_token_details", "output_token_details", "total_tokens"} <= usage
    assert {"input", "output"} <= struct_fields(realtime, "RealtimeAudioConfig")
    assert "retention_ratio" in struct_fields(realtime, "RealtimeTruncationRetentionRatio")
    assert struct_fields("openai_async.types", "ErrorObject") == {
        "code",
        "message",
        "param",
        "type",
    }
    assert "output_tokens_details" in struct_fields("openai_async.types", "BatchUsage")
    threads, runs = "openai_async.types.beta.threads", "openai_async.types.beta.threads.runs"
    assert struct_fields(threads, "MessageDeltaEvent") == {"id", "delta", "object"}
    assert struct_fields(threads, "MessageDelta") == {"content", "role"}
    assert struct_fields(runs, "RunStepDeltaEvent") == {"id", "delta", "object"}
    assert struct_fields(runs, "RunStepDelta") == {"step_details"}
    assert "function" in struct_fields(
        "openai_async.types.beta.threads", "RequiredActionFunctionToolCall"
    )
    assert "encrypted_content" in struct_fields(
        "openai_async.types.responses", "ResponseCompactionItem"
    )
    run_step_include = exported("openai_async.types.beta.threads.runs", "RunStepInclude")
    assert typing.get_args(run_step_include) == (
        "step_details.tool_calls[*].file_search.results[*].content",
    )


def test_delta_events_wrap_their_inner_deltas() -> None:
    threads, runs = "openai_async.types.beta.threads", "openai_async.types.beta.threads.runs"
    message_event = exported(threads, "MessageDeltaEvent")
    step_event = exported(runs, "RunStepDeltaEvent")
    hints = typing.get_type_hints(message_event)
    assert hints["delta"] is exported(threads, "MessageDelta")
    assert typing.get_type_hints(step_event)["delta"] is exported(runs, "RunStepDelta")
    stream_event = importlib.import_module("openai_async.types.beta.message_stream_event")
    delta_variant = stream_event.MessageStreamEventThreadMessageDelta
    assert typing.get_type_hints(delta_variant)["data"] is message_event
    decoded = decode(
        message_event,
        b'{"id": "msg_1", "object": "thread.message.delta", "delta": {"role": "assistant",'
        b' "content": [{"index": 0, "type": "text", "text": {"value": "Hi"}}]}}',
    )
    assert decoded.delta.role == "assistant"
    assert decoded.delta.content[0].text.value == "Hi"


def test_text_content_block_param_and_response_input_match_their_official_meaning() -> None:
    block = exported("openai_async.types.beta.threads", "TextContentBlockParam")
    assert typing.get_type_hints(block, include_extras=True) == {
        "type": Required[typing.Literal["text"]],
        "text": Required[str],
    }
    for module, prefix in (
        ("openai_async.types.responses", ""),
        ("openai_async.types.beta", "Beta"),
    ):
        response_input = exported(module, f"{prefix}ResponseInput")
        assert typing.get_origin(response_input) is list
        item = exported(module, f"{prefix}ResponseInputItem")
        assert typing.get_args(response_input) == (item,)
        param = exported(module, f"{prefix}ResponseInputParam")
        assert typing.get_args(param) == (exported(module, f"{prefix}ResponseInputItemParam"),)
        content = set(typing.get_args(exported(module, f"{prefix}ResponseInputContent")))
        assert content == {
            exported(module, f"{prefix}ResponseInputTextContent"),
            exported(module, f"{prefix}ResponseInputImageContent"),
            exported(module, f"{prefix}ResponseInputFileContent"),
        }
