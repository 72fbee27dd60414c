"""Decoding: cached fast path, the lenient fallback, the model helpers, and odd targets."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Literal, Union

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_async._decode import decode, decoder_for
from openai_async._exceptions import APIResponseValidationError
from openai_async._models import BaseModel, UnknownObject, attach_response_info
from openai_async._pagination import AsyncCursorPage
from openai_async._response import BinaryResponseContent

# -- test types, shaped like generated ones ------------------------------------------------------


class TextPart(BaseModel, tag_field="type", tag="text"):
    text: str


class ImagePart(BaseModel, tag_field="type", tag="image_url"):
    url: str
    detail: str | None = None


Part = Union[TextPart, ImagePart]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class Message(BaseModel):
    role: str
    content: list[Part]
    refusal: str | None = None


class Choice(BaseModel):
    index: int
    message: Message
    finish_reason: str | None = None


class Completion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    choices: list[Choice]
    usage: Usage | None = None
    metadata: dict[str, str] | None = None
    from_: str | None = msgspec.field(default=None, name="from")


class Cat(BaseModel):
    name: str
    lives: int


class Dog(BaseModel):
    name: str
    good: bool


WELL_FORMED = (
    b'{"id":"c1","object":"chat.completion","created":1,'
    b'"choices":[{"index":0,"message":{"role":"assistant","content":['
    b'{"type":"text","text":"hi"},{"type":"image_url","url":"u"}]},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":3,"completion_tokens":5},"from":"x"}'
)


# -- fast path --------------------------------------------------------------------------------


def test_fast_path_decodes_nested_tagged_unions_and_renamed_fields() -> None:
    result = decode(Completion, WELL_FORMED)
    assert isinstance(result, Completion)
    content = result.choices[0].message.content
    assert content == [TextPart(text="hi"), ImagePart(url="u")]
    assert result.usage == Usage(prompt_tokens=3, completion_tokens=5)
    assert result.from_ == "x"


def test_decoder_is_built_once_per_type() -> None:
    first = decoder_for(Completion)
    decode(Completion, WELL_FORMED)
    assert decoder_for(Completion) is first
    assert decoder_for(AsyncCursorPage[Cat]) is decoder_for(AsyncCursorPage[Cat])


def test_unknown_fields_are_ignored_by_the_struct_but_kept_in_to_dict() -> None:
    data = (
        b'{"id":"c1","object":"chat.completion","created":1,"brand_new":{"deep":[1,2]},'
        b'"choices":[{"index":0,"message":{"role":"assistant","content":[],"extra":"e"}}]}'
    )
    result = decode(Completion, data)
    assert isinstance(result, Completion)
    assert not hasattr(result, "brand_new")
    attach_response_info(result, "req_1", data)
    as_dict = result.to_dict()
    assert as_dict["brand_new"] == {"deep": [1, 2]}
    assert as_dict["choices"][0]["message"]["extra"] == "e"
    assert result.raw_json() is data
    assert result._request_id == "req_1"
    # Edits to declared fields win over the received values.
    result.choices[0].message.role = "user"
    assert result.to_dict()["choices"][0]["message"] == {
        "role": "user",
        "content": [],
        "extra": "e",
    }
    assert msgspec.json.decode(result.to_json()) == result.to_dict()


def test_to_dict_without_raw_json_leaves_out_unset_defaults() -> None:
    usage = Usage(prompt_tokens=1, completion_tokens=2)
    assert usage.to_dict() == {"prompt_tokens": 1, "completion_tokens": 2}
    message = Message(role="assistant", content=[TextPart(text="t")])
    assert message.to_dict() == {"role": "assistant", "content": [{"type": "text", "text": "t"}]}
    assert message.raw_json() is None
    assert message._request_id is None
    assert usage.to_json(indent=0) == '{"prompt_tokens":1,"completion_tokens":2}'
    assert usage.to_json() == '{\n  "prompt_tokens": 1,\n  "completion_tokens": 2\n}'


def test_equality_repr_and_pickle_keep_metadata_out_of_equality() -> None:
    data = b'{"prompt_tokens":1,"completion_tokens":2,"new":true}'
    usage = decode(Usage, data)
    attach_response_info(usage, "req_9", data)
    assert usage == Usage(prompt_tokens=1, completion_tokens=2)
    assert repr(usage) == "Usage(prompt_tokens=1, completion_tokens=2)"
    restored = pickle.loads(pickle.dumps(usage))
    assert restored == usage
    assert restored._request_id == "req_9"
    assert restored.to_dict()["new"] is True
    assert copy.deepcopy(usage) == usage


# -- lenient path -----------------------------------------------------------------------------


def test_unknown_union_tag_becomes_unknown_object_and_the_rest_still_decodes() -> None:
    data = (
        b'{"id":"c1","object":"chat.completion","created":1,"choices":[{"index":0,"message":'
        b'{"role":"assistant","content":[{"type":"text","text":"a"},'
        b'{"type":"hologram","frames":[1,2]}]}}]}'
    )
    result = decode(Completion, data)
    assert isinstance(result, Completion)
    content = result.choices[0].message.content
    assert content[0] == TextPart(text="a")
    unknown = content[1]
    assert isinstance(unknown, UnknownObject)
    assert unknown.type == "hologram"
    assert unknown.frames == [1, 2]
    assert unknown.to_dict() == {"type": "hologram", "frames": [1, 2]}
    assert msgspec.json.decode(unknown.to_json()) == {"type": "hologram", "frames": [1, 2]}
    assert repr(unknown).startswith("UnknownObject(")
    with pytest.raises(AttributeError):
        _ = unknown.missing
    # The parent's plain-data view carries the unknown variant as received.
    assert result.to_dict()["choices"][0]["message"]["content"][1] == {
        "type": "hologram",
        "frames": [1, 2],
    }


def test_unexpected_null_and_wrong_scalars_are_kept_as_received() -> None:
    data = (
        b'{"id":null,"object":"chat.completion.v2","created":"17","choices":[{"index":"zero",'
        b'"message":{"role":"assistant","content":[]}}],"usage":{"prompt_tokens":1.5,'
        b'"completion_tokens":2},"metadata":{"k":5}}'
    )
    result = decode(Completion, data)
    assert isinstance(result, Completion)
    assert result.id is None  # null where the spec promised a string
    assert result.object == "chat.completion.v2"  # a new enum value
    assert result.created == 17  # a numeric string is converted
    assert result.choices[0].index == "zero"  # a bad scalar is kept
    assert isinstance(result.choices[0].message, Message)
    assert result.usage is not None and result.usage.prompt_tokens == 1.5
    assert result.metadata == {"k": 5}


def test_missing_required_fields_become_none() -> None:
    result = decode(Usage, b'{"prompt_tokens":4}')
    assert result == Usage(prompt_tokens=4, completion_tokens=None)  # type: ignore[arg-type]


def test_wrong_container_shapes_are_kept() -> None:
    data = b'{"id":"c","object":"chat.completion","created":1,"choices":{"not":"a list"}}'
    result = decode(Completion, data)
    assert result.choices == {"not": "a list"}
    result = decode(Completion, b'{"id":"c","object":"x","created":1,"choices":[],"usage":7}')
    assert result.usage == 7


def test_top_level_union_of_structs() -> None:
    assert decode(Part, b'{"type":"text","text":"t"}') == TextPart(text="t")
    unknown = decode(Part, b'{"type":"video","src":"s"}')
    assert isinstance(unknown, UnknownObject) and unknown.src == "s"


def test_untagged_union_falls_back_to_conversion() -> None:
    # msgspec cannot decode a union of untagged Structs directly: every call converts.
    target = Union[Cat, Dog]
    assert decode(target, b'{"name":"rex","good":true}') == Dog(name="rex", good=True)
    assert decode(target, b'{"name":"tom","lives":9}') == Cat(name="tom", lives=9)
    odd = decode(target, b'{"name":"nemo"}')
    assert isinstance(odd, Cat) and odd.name == "nemo"


class Kennel(BaseModel):
    resident: Union[Cat, Dog]  # msgspec cannot decode this union directly
    size: int


class Yard(BaseModel):
    occupant: Union[Cat, Dog, Kennel]


def test_unions_msgspec_rejects_still_decode_to_the_closest_struct() -> None:
    yard = decode(Yard, b'{"occupant": {"resident": {"name": "rex", "good": true}, "size": 2}}')
    assert yard == Yard(occupant=Kennel(resident=Dog(name="rex", good=True), size=2))
    yard = decode(Yard, b'{"occupant": {"name": "tom", "lives": 3}}')
    assert yard == Yard(occupant=Cat(name="tom", lives=3))
    # Neither fits exactly: the member naming most of the keys wins; values are kept.
    yard = decode(Yard, b'{"occupant": {"name": "odd", "good": "maybe", "size": 1}}')
    assert yard == Yard(occupant=Dog(name="odd", good="maybe"))  # type: ignore[arg-type]


def test_lists_and_optional_tops() -> None:
    assert decode(list[Usage], b'[{"prompt_tokens":1,"completion_tokens":2}]') == [
        Usage(prompt_tokens=1, completion_tokens=2)
    ]
    assert decode(Union[Usage, None], b"null") is None


def test_generic_page_decodes_items() -> None:
    page = decode(
        AsyncCursorPage[Cat],
        b'{"object":"list","data":[{"name":"a","lives":1},{"name":"b","lives":"x"}],'
        b'"has_more":true,"first_id":"a"}',
    )
    assert isinstance(page, AsyncCursorPage)
    assert page.data[0] == Cat(name="a", lives=1)
    assert page.data[1].lives == "x"
    assert page.has_more is True


# -- other targets and errors ---------------------------------------------------------------


def test_plain_targets() -> None:
    assert decode(str, "héllo".encode()) == "héllo"
    assert decode(str, b"\xff ok") == "\ufffd ok"
    assert decode(object, b'{"a":[1,null]}') == {"a": [1, None]}
    assert decode(Any, b"[1]") == [1]
    assert decode(type(None), b"ignored, not JSON") is None
    binary = decode(BinaryResponseContent, b"\x00\x01")
    assert isinstance(binary, BinaryResponseContent)
    assert binary.content == b"\x00\x01"


@pytest.mark.parametrize("body", [b"", b"{", b"<html>oops</html>", b'{"id": "c1",}'])
def test_malformed_json_raises_validation_error(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        decode(Completion, body, status_code=201, headers={"x-request-id": "req_bad"})
    assert info.value.status_code == 201
    assert info.value.request_id == "req_bad"
    assert "not valid JSON" in info.value.message
    with pytest.raises(APIResponseValidationError):
        decode(Union[Cat, Dog], body)


# -- properties ---------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "a", "text", "chat.completion", "assistant"])
)
_json = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "text", "index", "role", "k"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
_keys = st.sampled_from(["id", "object", "created", "choices", "usage", "metadata", "from", "z"])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(_keys, _json, max_size=8))
def test_any_json_object_decodes_to_a_struct(payload: dict[str, Any]) -> None:
    result = decode(Completion, msgspec.json.encode(payload))
    assert isinstance(result, Completion)


@given(
    st.builds(
        Usage,
        prompt_tokens=st.integers(min_value=0, max_value=2**53),
        completion_tokens=st.integers(min_value=0, max_value=2**53),
    )
)
def test_well_formed_round_trip(usage: Usage) -> None:
    assert decode(Usage, msgspec.json.encode(usage)) == usage
