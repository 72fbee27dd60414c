"""Checks shared by the generated conformance tests (hand-written).

A result must be an instance of the declared type (one of its members for a union) and must
survive ``to_dict()`` encoded back through the client's decoder unchanged.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from openai_async import AsyncOpenAI, OpenAI
from openai_async._decode import decode
from tests.server import RecordedRequest

MIN_EVENTS = 2
SSE_ACCEPT = {"Accept": "text/event-stream"}


@dataclass
class Offline:
    """An async client pointed at the recording test server, to prove nothing was sent."""

    client: AsyncOpenAI
    sent: list[RecordedRequest]

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.sent


@dataclass
class OfflineSync:
    """The blocking twin of ``Offline``."""

    client: OpenAI
    sent: list[RecordedRequest]

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.sent


def members(tp: Any) -> tuple[type, ...]:
    """The classes a value of annotation ``tp`` may be an instance of."""
    origin = get_origin(tp)
    if origin is Annotated:
        return members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        found: tuple[type, ...] = ()
        for arg in get_args(tp):
            found += members(arg)
        return found
    if origin is not None:
        return (origin,)
    if tp is None or tp is type(None):
        return (type(None),)
    assert isinstance(tp, type), f"not a runtime type: {tp!r}"
    return (tp,)


def check_model(result: object, expected: Any) -> None:
    assert isinstance(result, members(expected)), f"{type(result).__name__} is not {expected!r}"
    to_dict = getattr(result, "to_dict", None)
    if to_dict is None:
        return
    again = decode(expected, msgspec.json.encode(to_dict()))
    assert again == result


def check_page(page: Any, item: Any) -> None:
    data = page.data
    assert isinstance(data, list)
    for entry in data:  # pyright: ignore[reportUnknownVariableType]
        check_model(entry, item)
    assert isinstance(page.has_next_page(), bool)


def check_binary(result: Any) -> None:
    content = result.content
    assert isinstance(content, bytes)
    assert content


def check_events(events: Sequence[object], event_type: Any) -> None:
    assert len(events) >= MIN_EVENTS, f"only {len(events)} events"
    for event in events:
        check_model(event, event_type)


def check_accepted(headers: Mapping[str, str]) -> None:
    """The mock found nothing wrong with the request (not even a warning)."""
    count = int(headers.get("x-steady-error-count", "0"))
    diagnostics = [
        f"{headers.get(f'x-steady-error-{i}-path')}: {headers.get(f'x-steady-error-{i}-message')}"
        for i in range(1, count + 1)
    ]
    assert diagnostics == []
    assert headers.get("x-steady-request-valid") == "true"
