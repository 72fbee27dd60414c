"""Structured outputs: strict schemas from Structs, dataclasses, TypedDicts and pydantic models;
``chat.completions.parse`` / ``responses.parse`` over real sockets; refusals, cut replies and
bad content; ``function_tool`` and ``parsed_arguments``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any, Literal

import msgspec
import pytest
from typing_extensions import TypedDict

from openai_async import AsyncOpenAI, OpenAI
from openai_async.lib.parsing import (
    ContentFilterFinishReasonError,
    LengthFinishReasonError,
    json_schema,
    strict_schema,
)
from openai_async.lib.tools import function_tool
from openai_async.testing import FakeOpenAI
from openai_async.types.chat import ChatCompletionMessageParam
from tests.server import TestServer

pytest_plugins = ["tests.fake_client"]

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "give me a city"}]


class Address(msgspec.Struct):
    street: str
    zip: str | None = None


class Person(msgspec.Struct):
    name: str
    home: Address
    tags: list[str] = []
    role: Literal["admin", "user"] = "user"


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Pair(TypedDict):
    left: int
    right: int


def _all_objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _all_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _all_objects(value)
    return found


def test_struct_schema_is_strict() -> None:
    schema = json_schema(Person)
    assert schema["type"] == "object" and "$ref" not in schema
    assert schema["required"] == ["name", "home", "tags", "role"]
    assert schema["additionalProperties"] is False
    assert set(schema["$defs"]) == {"Address"}  # the root is inlined, not kept twice
    objects = _all_objects(schema)
    assert len(objects) == 2
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert "default" not in json.dumps(schema)
    assert schema["properties"]["role"]["enum"] == ["admin", "user"]


def test_strict_schema_inlines_refs_with_siblings_and_turns_one_of_into_any_of() -> None:
    raw = {
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/A", "description": "an A"},
            "b": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "$defs": {"A": {"type": "object", "properties": {"v": {"type": "string"}}}},
    }
    schema = strict_schema(raw)
    assert schema["properties"]["a"]["description"] == "an A"
    assert schema["properties"]["a"]["required"] == ["v"]
    assert schema["properties"]["b"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert "$defs" not in schema  # no $ref left pointing into it
    assert "required" not in raw  # the input is left untouched


async def test_parse_a_struct(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.reply(
        '{"name": "Ada", "home": {"street": "Main", "zip": null}, "tags": [], "role": "admin"}'
    )
    completion = await client.chat.completions.parse(
        model="gpt-4o", messages=USER, response_format=Person
    )
    parsed = completion.choices[0].message.parsed
    assert parsed == Person(name="Ada", home=Address(street="Main"), role="admin")
    sent = fake.last_request.json()["response_format"]
    assert sent == {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": json_schema(Person), "strict": True},
    }
    assert completion._request_id is not None  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize(
    ("model", "reply", "expected"),
    [
        (Point, '{"x": 1.5, "y": -2}', Point(x=1.5, y=-2.0)),
        (Pair, '{"left": 1, "right": 2}', {"left": 1, "right": 2}),
    ],
)
async def test_parse_dataclass_and_typeddict(
    fake: FakeOpenAI, client: AsyncOpenAI, model: Any, reply: str, expected: Any
) -> None:
    fake.chat.reply(reply)
    completion = await client.chat.completions.parse(
        model="gpt-4o", messages=USER, response_format=model
    )
    assert completion.choices[0].message.parsed == expected
    schema = fake.last_request.json()["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and len(schema["required"]) == 2


async def test_parse_a_pydantic_model(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Inner(pydantic.BaseModel):
        label: str

    class Outer(pydantic.BaseModel):
        count: int
        inner: Inner
        note: str | None = None

    fake.chat.reply('{"count": 3, "inner": {"label": "x"}, "note": null}')
    completion = await client.chat.completions.parse(
        model="gpt-4o", messages=USER, response_format=Outer
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Outer) and parsed.inner.label == "x" and parsed.count == 3
    schema = fake.last_request.json()["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["count", "inner", "note"]
    assert schema["additionalProperties"] is False
    assert "default" not in json.dumps(schema)


async def test_refusal_is_surfaced(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.refusal("I will not do that")
    completion = await client.chat.completions.parse(
        model="gpt-4o", messages=USER, response_format=Point
    )
    message = completion.choices[0].message
    assert message.refusal == "I will not do that" and message.parsed is None


async def test_content_that_does_not_match_raises(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.reply('{"x": "not a number", "y": 1}')
    with pytest.raises(msgspec.ValidationError):
        await client.chat.completions.parse(model="gpt-4o", messages=USER, response_format=Point)


def _completion(finish_reason: str, content: str) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 16, "total_tokens": 17},
    }


@pytest.mark.parametrize(
    ("finish_reason", "error"),
    [("length", LengthFinishReasonError), ("content_filter", ContentFilterFinishReasonError)],
)
async def test_cut_replies_raise_typed_errors(
    server: TestServer, finish_reason: str, error: type[Exception]
) -> None:
    server.json(_completion(finish_reason, '{"x": 1'))
    async with AsyncOpenAI(base_url=server.url, api_key="k") as client:
        with pytest.raises(error) as caught:
            await client.chat.completions.parse(model="m", messages=USER, response_format=Point)
    assert caught.value.completion is not None  # type: ignore[attr-defined]
    assert server.last.json()["response_format"]["json_schema"]["name"] == "Point"


def describe(city: str, days: int, metric: bool = True) -> str:
    """Describe the weather.

    Longer text that is not part of the description.
    """
    return city


def test_function_tool_from_a_function() -> None:
    tool = function_tool(describe)
    function = tool["function"]
    assert tool["type"] == "function" and function["name"] == "describe"
    assert function["description"] == "Describe the weather."
    assert function["strict"] is True
    params = function["parameters"]
    assert params["required"] == ["city", "days", "metric"]
    assert params["properties"]["days"] == {"type": "integer"}
    assert params["additionalProperties"] is False
    parsed = tool.parse_arguments('{"city": "Rome", "days": 2, "metric": false}')
    assert tool.call_kwargs(parsed) == {"city": "Rome", "days": 2, "metric": False}
    with pytest.raises(msgspec.ValidationError):
        tool.parse_arguments('{"city": "Rome", "days": "two"}')


def test_function_tool_rejects_star_args() -> None:
    def bad(*values: int) -> int:
        return sum(values)

    with pytest.raises(TypeError, match="args"):
        function_tool(bad)


async def test_parsed_tool_calls_carry_parsed_arguments(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.tool_call("Point", {"x": 1, "y": 2})
    completion = await client.chat.completions.parse(
        model="gpt-4o", messages=USER, tools=[function_tool(Point)]
    )
    call = (completion.choices[0].message.tool_calls or [])[0]
    assert call.function.parsed_arguments == Point(x=1.0, y=2.0)  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue]
    sent = fake.last_request.json()
    assert sent["tools"][0]["function"]["name"] == "Point"
    assert "response_format" not in sent


async def test_responses_parse(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.responses.reply('{"x": 3, "y": 4}')
    response = await client.responses.parse(model="gpt-4o", input="a point", text_format=Point)
    assert response.output_parsed == Point(x=3.0, y=4.0)
    assert response.output_text == '{"x": 3, "y": 4}'
    sent = fake.last_request.json()
    assert sent["text"]["format"] == {
        "type": "json_schema",
        "name": "Point",
        "schema": json_schema(Point),
        "strict": True,
    }


async def test_responses_parse_function_call_arguments(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.responses.tool_call("describe", {"city": "Nice", "days": 1, "metric": True})
    response = await client.responses.parse(
        model="gpt-4o", input="weather?", tools=[function_tool(describe)]
    )
    sent_tool = fake.last_request.json()["tools"][0]
    assert sent_tool["type"] == "function" and sent_tool["name"] == "describe"
    assert sent_tool["strict"] is True and "function" not in sent_tool
    item = response.output[0]
    assert item.parsed_arguments.city == "Nice"  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue]
    assert response.output_parsed is None


# -- blocking client ---------------------------------------------------------------------------


@pytest.fixture
def sync_client() -> Iterator[tuple[FakeOpenAI, OpenAI]]:
    with FakeOpenAI() as fake:
        client = OpenAI(base_url=fake.url, api_key="test")
        try:
            yield fake, client
        finally:
            client.close()


def test_blocking_parse(sync_client: tuple[FakeOpenAI, OpenAI]) -> None:
    fake, client = sync_client
    fake.chat.reply('{"x": 0, "y": 9}')
    completion = client.chat.completions.parse(model="gpt-4o", messages=USER, response_format=Point)
    assert completion.choices[0].message.parsed == Point(x=0.0, y=9.0)
    fake.responses.reply('{"left": 5, "right": 6}')
    response = client.responses.parse(model="gpt-4o", input="pair", text_format=Pair)
    assert response.output_parsed == {"left": 5, "right": 6}
    assert fake.last_request.json()["text"]["format"]["name"] == "Pair"
