"""The fake server validates request bodies against the generated request TypedDicts: every
route with a body, JSON and multipart, the field path in ``param``, through raw HTTP and through
the real clients (AsyncOpenAI and OpenAI), inside batch lines too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import typing_extensions

from openai_async import AsyncOpenAI, BadRequestError, OpenAI
from openai_async.testing import FakeOpenAI
from openai_async.testing import _validate as validation

USER = [{"role": "user", "content": "hi"}]
NO_BODY = {
    "POST /uploads/{upload_id}/cancel",
    "POST /vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel",
    "POST /threads/{thread_id}/runs/{run_id}/cancel",
    "POST /batches/{batch_id}/cancel",
}
BETA = {"OpenAI-Beta": "assistants=v2"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=BETA) as session:
        yield session


async def _post(http: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(url, **kw) as resp:
        return resp.status, await resp.json()


def test_every_route_with_a_body_has_a_generated_shape() -> None:
    keys = FakeOpenAI().backend.router.keys
    posts = {k for k in keys if k.startswith("POST ")}
    shaped = set(validation.SHAPES) | set(validation.FORM_SHAPES)
    assert posts - NO_BODY == shaped & posts
    assert shaped <= set(keys)


def _reachable(shape: type, seen: dict[int, type]) -> None:
    if id(shape) in seen:
        return
    seen[id(shape)] = shape
    for annotation in validation._hints(shape).values():
        _walk(annotation, seen)


def _walk(annotation: object, seen: dict[int, type]) -> None:
    if isinstance(annotation, type) and typing_extensions.is_typeddict(annotation):
        _reachable(annotation, seen)
    for arg in typing_extensions.get_args(annotation):
        _walk(arg, seen)


def test_every_shape_and_nested_shape_resolves_from_the_generated_types() -> None:
    seen: dict[int, type] = {}
    for ref in [*validation.SHAPES.values(), *validation.FORM_SHAPES.values()]:
        shape = validation.shape_of(ref)
        assert shape.__module__.startswith("openai_async.types.")
        _reachable(shape, seen)
    # Hundreds of nested request types, each with real annotations (none fell back to Any).
    assert len(seen) > 200
    assert all(validation._fields(s)[0] for s in seen.values() if s.__annotations__)


CHAT_CASES = [
    (
        {"model": "m", "messages": [{"role": "bogus", "content": "x"}]},
        "messages[0].role",
        "invalid_value",
    ),
    (
        {"model": "m", "messages": [{"role": "user"}]},
        "messages[0].content",
        "missing_required_parameter",
    ),
    (
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "messages[0].content[0].text",
        "missing_required_parameter",
    ),
    (
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "txt", "text": "a"}]}]},
        "messages[0].content[0].type",
        "invalid_value",
    ),
    (
        {"model": "m", "messages": [{"role": "user", "content": 5}]},
        "messages[0].content",
        "invalid_type",
    ),
    (
        {"model": "m", "messages": USER, "tools": [{"type": "function", "function": {}}]},
        "tools[0].function.name",
        "missing_required_parameter",
    ),
    (
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f"}}],
                }
            ],
        },
        "messages[0].tool_calls[0].function.arguments",
        "missing_required_parameter",
    ),
    ({"model": "m", "messages": USER, "temperature": "hot"}, "temperature", "invalid_type"),
    (
        {"model": "m", "messages": USER, "reasoning_effort": "huge"},
        "reasoning_effort",
        "invalid_value",
    ),
    ({"model": "m", "messages": USER, "stream": "yes"}, "stream", "invalid_type"),
    (
        {"model": "m", "messages": USER, "logit_bias": {"50256": "x"}},
        "logit_bias.50256",
        "invalid_type",
    ),
    ({"model": "m", "messages": USER, "metadata": []}, "metadata", "invalid_type"),
]


@pytest.mark.parametrize(("body", "param", "code"), CHAT_CASES)
async def test_chat_body_errors_name_the_field_path(
    fake: FakeOpenAI, http: aiohttp.ClientSession, body: dict[str, Any], param: str, code: str
) -> None:
    status, answer = await _post(http, f"{fake.url}/chat/completions", json=body)
    assert status == 400
    error = answer["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert f"'{param}'" in error["message"]
    # The request is recorded as sent, byte for byte.
    assert fake.last_request.json() == body


OTHER_ROUTES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "/responses",
        {"model": "m", "input": [{"type": "function_call_output", "call_id": "c"}]},
        "input[0].output",
        "missing_required_parameter",
    ),
    ("/responses", {"model": "m", "input": 3}, "input", "invalid_type"),
    ("/responses", {"input": "hi", "tools": [{"type": "nope"}]}, "tools[0].type", "invalid_value"),
    (
        "/embeddings",
        {"model": "m", "input": "x", "encoding_format": "hex"},
        "encoding_format",
        "invalid_value",
    ),
    ("/embeddings", {"model": "m", "input": []}, "input", "empty_array"),
    ("/embeddings", {"input": "x"}, "model", "missing_required_parameter"),
    (
        "/uploads",
        {"bytes": "10", "filename": "f", "purpose": "batch", "mime_type": "text/plain"},
        "bytes",
        "invalid_type",
    ),
    ("/uploads/upload_x/complete", {"part_ids": "p1"}, "part_ids", "invalid_type"),
    ("/vector_stores", {"name": 1}, "name", "invalid_type"),
    ("/vector_stores/vs_x", {"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
    ("/vector_stores/vs_x/files", {}, "file_id", "missing_required_parameter"),
    ("/vector_stores/vs_x/file_batches", {"file_ids": [1]}, "file_ids[0]", "invalid_type"),
    ("/assistants", {"model": "m", "tools": [{"type": "magic"}]}, "tools[0].type", "invalid_value"),
    (
        "/threads",
        {"messages": [{"role": "robot", "content": "x"}]},
        "messages[0].role",
        "invalid_value",
    ),
    ("/threads/thread_x", {"metadata": "m"}, "metadata", "invalid_type"),
    ("/threads/thread_x/messages", {"role": "user"}, "content", "missing_required_parameter"),
    ("/threads/thread_x/runs", {"assistant_id": 7}, "assistant_id", "invalid_type"),
    (
        "/threads/runs",
        {"assistant_id": "a", "thread": {"messages": [{}]}},
        "thread.messages[0].role",
        "missing_required_parameter",
    ),
    (
        "/threads/thread_x/runs/run_x/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": 1}]},
        "tool_outputs[0].tool_call_id",
        "invalid_type",
    ),
    (
        "/batches",
        {"input_file_id": "f", "endpoint": "/v1/chat/completions"},
        "completion_window",
        "missing_required_parameter",
    ),
    ("/videos", {"prompt": "p", "seconds": "5"}, "seconds", "invalid_value"),
    ("/videos/video_x/remix", {}, "prompt", "missing_required_parameter"),
]


@pytest.mark.parametrize(("path", "body", "param", "code"), OTHER_ROUTES)
async def test_every_json_route_validates_its_body(
    fake: FakeOpenAI,
    http: aiohttp.ClientSession,
    path: str,
    body: dict[str, Any],
    param: str,
    code: str,
) -> None:
    status, answer = await _post(http, f"{fake.url}{path}", json=body)
    assert status == 400, answer
    assert (answer["error"]["param"], answer["error"]["code"]) == (param, code)


def test_the_json_cases_cover_every_json_route() -> None:
    router = FakeOpenAI().backend.router
    covered = {router.match("POST", path).key for path, *_ in OTHER_ROUTES}  # type: ignore[union-attr]
    assert covered | {"POST /chat/completions"} == set(validation.SHAPES)


async def test_a_valid_body_reaches_the_handler_and_a_bad_one_does_not(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    status, _ = await _post(http, f"{fake.url}/vector_stores", json={"name": 5})
    assert status == 400
    status, store = await _post(
        http, f"{fake.url}/vector_stores", json={"name": "docs", "metadata": {"team": "a"}}
    )
    assert status == 200 and store["name"] == "docs"
    async with http.get(f"{fake.url}/vector_stores") as resp:
        assert [s["id"] for s in (await resp.json())["data"]] == [store["id"]]


async def test_unknown_fields_pass_for_extra_body(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    body = {"model": "m", "messages": USER, "x_custom": {"any": ["thing"]}}
    status, answer = await _post(http, f"{fake.url}/chat/completions", json=body)
    assert status == 200 and answer["object"] == "chat.completion"


def _form(fields: list[tuple[str, str]], files: dict[str, bytes]) -> aiohttp.FormData:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields:
        form.add_field(name, value)
    for name, data in files.items():
        form.add_field(name, data, filename=f"{name}.bin", content_type="application/octet-stream")
    return form


@pytest.mark.parametrize(
    ("fields", "files", "param", "code"),
    [
        ([("purpose", "batch")], {}, "file", "missing_required_parameter"),
        ([("purpose", "homework")], {"file": b"x"}, "purpose", "invalid_value"),
        ([("purpose", "batch"), ("file", "not-a-file")], {}, "file", "invalid_type"),
        (
            [
                ("purpose", "batch"),
                ("expires_after[anchor]", "created_at"),
                ("expires_after[seconds]", "soon"),
            ],
            {"file": b"x"},
            "expires_after.seconds",
            "invalid_type",
        ),
        (
            [("purpose", "batch"), ("expires_after[seconds]", "3600")],
            {"file": b"x"},
            "expires_after.anchor",
            "missing_required_parameter",
        ),
    ],
)
async def test_multipart_forms_are_validated_with_bracket_fields(
    fake: FakeOpenAI,
    http: aiohttp.ClientSession,
    fields: list[tuple[str, str]],
    files: dict[str, bytes],
    param: str,
    code: str,
) -> None:
    status, answer = await _post(http, f"{fake.url}/files", data=_form(fields, files))
    assert status == 400, answer
    assert (answer["error"]["param"], answer["error"]["code"]) == (param, code)
    assert fake.backend.files == {}


async def test_multipart_numbers_arrive_as_text_and_pass(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fields = [
        ("purpose", "batch"),
        ("expires_after[anchor]", "created_at"),
        ("expires_after[seconds]", "3600"),
    ]
    status, answer = await _post(http, f"{fake.url}/files", data=_form(fields, {"file": b"abc"}))
    assert status == 200 and answer["bytes"] == 3
    status, upload = await _post(
        http,
        f"{fake.url}/uploads",
        json={"bytes": 3, "filename": "a.txt", "purpose": "batch", "mime_type": "text/plain"},
    )
    assert status == 200
    parts_url = f"{fake.url}/uploads/{upload['id']}/parts"
    status, answer = await _post(http, parts_url, data=_form([("data", "text")], {}))
    assert (status, answer["error"]["param"], answer["error"]["code"]) == (
        400,
        "data",
        "invalid_type",
    )
    status, part = await _post(http, parts_url, data=_form([], {"data": b"abc"}))
    assert status == 200 and part["object"] == "upload.part"


async def test_the_async_client_gets_bad_request_error_with_the_param(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=0) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": [{"type": "text"}]}],  # type: ignore[list-item,typeddict-item]
            )
        with pytest.raises(BadRequestError) as caught_embed:
            await client.embeddings.create(model="m", input="x", encoding_format="hex")  # type: ignore[arg-type]
    assert caught.value.status_code == 400
    assert caught.value.param == "messages[0].content[0].text"
    assert caught.value.code == "missing_required_parameter"
    assert caught_embed.value.param == "encoding_format"
    assert fake.last_request.json()["encoding_format"] == "hex"


def test_the_blocking_client_gets_bad_request_error_with_the_param() -> None:
    with FakeOpenAI() as fake, OpenAI(base_url=fake.url, api_key="k", max_retries=0) as client:
        with pytest.raises(BadRequestError) as caught:
            client.files.create(file=("a.jsonl", b"{}"), purpose="homework")  # type: ignore[arg-type]
        assert caught.value.param == "purpose" and caught.value.code == "invalid_value"
        created = client.files.create(file=("a.jsonl", b"{}"), purpose="batch")
        assert created.purpose == "batch" and created.bytes == 2


async def test_batch_lines_are_validated_like_requests(fake: FakeOpenAI) -> None:
    good = {"model": "m", "messages": USER}
    bad = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]}
    lines = [
        {"custom_id": name, "method": "POST", "url": "/v1/chat/completions", "body": body}
        for name, body in (("good", good), ("bad", bad))
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        source = await client.files.create(file=("in.jsonl", data), purpose="batch")
        batch = await client.batches.create(
            input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        while batch.status not in ("completed", "failed"):
            batch = await client.batches.retrieve(batch.id)
        assert batch.request_counts is not None and batch.request_counts.failed == 1
        assert batch.error_file_id is not None
        errors = await client.files.content(batch.error_file_id)
    record = json.loads(errors.content)
    assert record["custom_id"] == "bad"
    assert record["response"]["status_code"] == 400
    assert record["response"]["body"]["error"]["param"] == "messages[0].content[0].text"
