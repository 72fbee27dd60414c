"""Shared public aliases and sentinels used by the client, the resources and the helpers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Mapping
from typing import IO, Any, ClassVar, Final, Literal, TypeAlias, TypeVar, Union, cast

import msgspec
from typing_extensions import Self, override

__all__ = [
    "NOT_GIVEN",
    "Body",
    "FileContent",
    "FileTypes",
    "Headers",
    "NotGiven",
    "Omit",
    "Query",
    "RequestFiles",
    "Timeout",
    "TimeoutTypes",
    "given_or_none",
    "omit",
    "strip_not_given",
]

_T = TypeVar("_T")


class _Sentinel:
    """A falsy singleton that pickles by the module-level name it is bound to (``_name``)."""

    _name: ClassVar[str]
    _instance: ClassVar[_Sentinel | None] = None

    def __new__(cls) -> Self:
        instance = cls.__dict__.get("_instance")
        if instance is None:
            instance = super().__new__(cls)
            cls._instance = instance
        return cast("Self", instance)

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


class NotGiven(_Sentinel):
    """Marks a keyword argument the caller did not pass.

    It differs from ``None``: ``None`` is sent as JSON ``null``; a ``NotGiven`` value is not sent.
    """

    _name = "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class Omit(_Sentinel):
    """Removes a default header (``extra_headers={"OpenAI-Organization": omit}``)."""

    _name = "omit"


omit: Final = Omit()


class Timeout(msgspec.Struct, frozen=True, kw_only=True):
    """Per-attempt time limits in seconds; ``None`` means no limit for that phase.

    ``total`` covers one attempt from connect to the last body byte. ``connect`` bounds opening
    the TCP/TLS connection. ``read`` bounds the wait for each chunk of the body. ``pool`` bounds
    the wait for a free pooled connection. ``stream_idle`` bounds, in a streamed answer, the
    time between two parsed events (comment and ping lines do not count).
    """

    total: float | None = 600.0
    connect: float | None = 5.0
    read: float | None = None
    pool: float | None = 30.0
    stream_idle: float | None = 120.0


TimeoutTypes: TypeAlias = Union[float, Timeout, None]

Headers: TypeAlias = Mapping[str, Union[str, Omit]]
Query: TypeAlias = Mapping[str, object]
Body: TypeAlias = object

FileContent: TypeAlias = Union[bytes, "os.PathLike[str]", IO[bytes], AsyncIterable[bytes]]
FileTypes: TypeAlias = Union[
    FileContent,
    tuple[str | None, FileContent],
    tuple[str | None, FileContent, str | None],
]
RequestFiles: TypeAlias = Mapping[str, Union[FileTypes, "list[FileTypes]"]]


def given_or_none(value: _T | NotGiven) -> _T | None:
    """``value``, or ``None`` when it is ``NOT_GIVEN``."""
    return None if isinstance(value, NotGiven) else value


def strip_not_given(params: Mapping[str, Any]) -> dict[str, Any]:
    """Drop every ``NOT_GIVEN`` value; ``None`` stays and is sent as JSON null."""
    return {key: value for key, value in params.items() if value is not NOT_GIVEN}
