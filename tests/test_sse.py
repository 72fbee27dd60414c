"""The SSE decoder on bytes: line endings, fields, comments, and any split of the input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openai_async._streaming import ServerSentEvent, SSEDecoder


def feed_all(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events


def test_single_data_event() -> None:
    assert feed_all(b'data: {"a":1}\n\n') == [ServerSentEvent(b'{"a":1}')]


def test_cr_lf_and_crlf_line_endings_give_the_same_events() -> None:
    template = b"event: e1{nl}data: x{nl}{nl}data: y{nl}id: 7{nl}{nl}"
    expected = [ServerSentEvent(b"x", "e1"), ServerSentEvent(b"y", None, "7")]
    for newline in (b"\n", b"\r", b"\r\n"):
        assert feed_all(template.replace(b"{nl}", newline)) == expected


def test_mixed_line_endings_in_one_stream() -> None:
    stream = b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r"
    assert feed_all(stream) == [ServerSentEvent(b"a\nb\nc"), ServerSentEvent(b"d")]


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    # A CR at the end of one chunk and LF at the start of the next make one line ending,
    # not a line ending plus an empty line (which would dispatch early).
    events = feed_all(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")
    assert events == [ServerSentEvent(b"a\nb")]


def test_comments_are_ignored() -> None:
    stream = b": keep-alive\n:another\ndata: x\n: between\n\n: trailing\n\n"
    assert feed_all(stream) == [ServerSentEvent(b"x")]


def test_multi_line_data_joined_with_newline() -> None:
    assert feed_all(b"data: one\ndata: two\ndata:\ndata: four\n\n") == [
        ServerSentEvent(b"one\ntwo\n\nfour")
    ]


def test_field_value_space_handling() -> None:
    # Only one leading space is removed; no colon means the whole line is the field name.
    events = feed_all(b"data:no-space\n\ndata:  two-spaces\n\ndata\n\n")
    assert [e.data for e in events] == [b"no-space", b" two-spaces", b""]


def test_event_id_and_retry_fields() -> None:
    events = feed_all(
        b"event: thread.run.created\nid: abc\nretry: 1500\ndata: {}\n\n"
        b"data: second\n\n"
        b"retry: soon\nid: bad\x00id\nevent: other\ndata: third\n\n"
    )
    assert events[0] == ServerSentEvent(b"{}", "thread.run.created", "abc", 1500)
    # The last event id and the retry value persist; the event name does not.
    assert events[1] == ServerSentEvent(b"second", None, "abc", 1500)
    # A non-numeric retry and an id containing NUL are ignored.
    assert events[2] == ServerSentEvent(b"third", "other", "abc", 1500)


def test_blank_line_without_data_dispatches_nothing_and_resets_event() -> None:
    events = feed_all(b"event: ping\n\ndata: x\n\n")
    assert events == [ServerSentEvent(b"x")]


def test_unknown_fields_are_ignored() -> None:
    assert feed_all(b"foo: bar\ndata: x\nbaz\n\n") == [ServerSentEvent(b"x")]


def test_incomplete_event_at_end_is_not_dispatched() -> None:
    assert feed_all(b"data: x\n\ndata: partial") == [ServerSentEvent(b"x")]
    assert feed_all(b"data: x\n\ndata: complete-line-but-no-blank\n") == [ServerSentEvent(b"x")]


def test_split_inside_multibyte_utf8_character() -> None:
    payload = '{"text":"héllo 世界 🎉"}'.encode()
    stream = b"event: caf\xc3\xa9\ndata: " + payload + b"\n\n"
    for cut in range(1, len(stream)):
        events = feed_all(stream[:cut], stream[cut:])
        assert events == [ServerSentEvent(payload, "café")]
        assert events[0].json() == {"text": "héllo 世界 🎉"}


def test_byte_at_a_time() -> None:
    stream = b"data: a\r\n\r\n: c\r\nevent: e\r\ndata: b\r\ndata: c\r\n\r\n"
    events = feed_all(*[stream[i : i + 1] for i in range(len(stream))])
    assert events == [ServerSentEvent(b"a"), ServerSentEvent(b"b\nc", "e")]


def test_no_size_limit() -> None:
    big = b"x" * 3_000_000
    pieces = [b"data: "] + [big[i : i + 65536] for i in range(0, len(big), 65536)] + [b"\n\n"]
    events = feed_all(*pieces)
    assert len(events) == 1
    assert events[0].data == big


def test_event_helpers() -> None:
    event = feed_all(b'data: {"k": [1, 2]}\n\n')[0]
    assert event.json() == {"k": [1, 2]}
    assert event.text == '{"k": [1, 2]}'
    assert "ServerSentEvent" in repr(event)
    assert event != "not an event"


# -- properties -----------------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=20,
)
_event = st.tuples(
    st.one_of(st.none(), _text.filter(lambda s: s.strip() == s and s != "")),
    st.lists(_text, min_size=1, max_size=4),
)


def _encode(events: list[tuple[str | None, list[str]]], newline: bytes) -> bytes:
    out = b""
    for name, lines in events:
        if name is not None:
            out += b"event: " + name.encode() + newline
        for line in lines:
            out += b"data: " + line.encode() + newline
        out += b": comment" + newline + newline
    return out


@given(
    events=st.lists(_event, max_size=6),
    newline=st.sampled_from([b"\n", b"\r", b"\r\n"]),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_any_split_gives_the_events_that_were_encoded(
    events: list[tuple[str | None, list[str]]], newline: bytes, cuts: list[int]
) -> None:
    stream = _encode(events, newline)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    decoded = feed_all(*chunks)
    assert [(e.event, e.data.decode()) for e in decoded] == [
        (name, "\n".join(lines)) for name, lines in events
    ]
