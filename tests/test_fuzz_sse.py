"""Fuzzing the SSE decoder against a small reference parser written from the format's rules."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from openai_async._streaming import SSEDecoder

Event = tuple[bytes, str | None, str | None, int | None]
_LINE_END = re.compile(rb"\r\n|\r|\n")


def reference(stream: bytes) -> list[Event]:
    """Dispatched events of a complete byte stream (an unterminated last line is dropped)."""
    *lines, _unterminated = _LINE_END.split(stream)
    events: list[Event] = []
    data: list[bytes] | None = None
    event: str | None = None
    last_id: str | None = None
    retry: int | None = None
    for line in lines:
        if line == b"":
            if data is not None:
                events.append((b"\n".join(data), event, last_id, retry))
            data, event = None, None
            continue
        if line.startswith(b":"):
            continue
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            data = [*(data or []), value]
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\0" not in value:
            last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            retry = int(value)
    return events


def decoded(chunks: list[bytes]) -> list[Event]:
    decoder = SSEDecoder()
    out: list[Event] = []
    for chunk in chunks:
        out.extend((e.data, e.event, e.id, e.retry) for e in decoder.feed(chunk))
    return out


def split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(stream)) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(stream[start:point])
        start = point
    pieces.append(stream[start:])
    return pieces


_text = st.binary(max_size=12).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
_field = st.one_of(
    st.tuples(st.just(b"data: "), _text).map(b"".join),
    st.tuples(st.just(b"data:"), _text).map(b"".join),
    st.just(b"data"),
    st.tuples(st.just(b"event: "), _text).map(b"".join),
    st.tuples(st.just(b"id: "), _text).map(b"".join),
    st.tuples(st.just(b"retry: "), st.sampled_from([b"10", b"x", b"", b"3000"])).map(b"".join),
    st.tuples(st.just(b": "), _text).map(b"".join),
    st.just(b""),
    _text,
    st.sampled_from([b"\xe2\x82\xac", b"\xff", b"\0", b"data: [DONE]", b'data: {"error":1}']),
)
_end = st.sampled_from([b"\n", b"\r", b"\r\n"])
_lines = st.lists(st.tuples(_field, _end).map(b"".join), max_size=30).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(_lines, st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_structured_streams_split_anywhere(stream: bytes, cuts: list[int]) -> None:
    assert decoded(split(stream, cuts)) == reference(stream)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_arbitrary_bytes_split_anywhere(stream: bytes, cuts: list[int]) -> None:
    assert decoded(split(stream, cuts)) == reference(stream)


@settings(max_examples=100, deadline=None)
@given(_lines)
def test_one_byte_at_a_time(stream: bytes) -> None:
    assert decoded([stream[i : i + 1] for i in range(len(stream))]) == reference(stream)
