"""Reading a streamed response body in batches: bytes, text and lines.

``AsyncStreamedResponse`` reads its body with aiohttp's ``readany()``, which hands over
everything buffered (at most its read buffer), and makes a batch of each read: a list of
pieces, texts or lines. Its async iterators flatten the batches; the blocking twin moves one
whole batch per portal hop, so reading a large JSON Lines file line by line costs one hop per
network read, not one per line.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TypeVar

__all__ = ["Batches", "Chunker", "LineSplitter", "flatten", "line_batches", "text_batches"]

_T = TypeVar("_T")
Batches = AsyncGenerator[list[_T], None]


class Chunker:
    """Cuts bytes arriving in pieces into pieces of exactly ``size`` bytes (the last one may be
    shorter); with no ``size`` (or 0), passes each piece through."""

    __slots__ = ("_pending", "_size")

    def __init__(self, size: int | None) -> None:
        if size is not None and size < 0:
            raise ValueError(f"chunk_size must be a positive number of bytes, not {size}")
        self._size = size or None
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        size = self._size
        if size is None:
            return [data] if data else []
        data = self._pending + data if self._pending else data
        end = len(data) - len(data) % size
        view = memoryview(data)
        pieces = [bytes(view[start : start + size]) for start in range(0, end, size)]
        self._pending = data[end:]
        return pieces

    def end(self) -> list[bytes]:
        rest, self._pending = self._pending, b""
        return [rest] if rest else []


class LineSplitter:
    """Splits bytes arriving in pieces into lines (CR, LF, CRLF), like the SSE decoder."""

    __slots__ = ("_pending", "_skip_lf")

    def __init__(self) -> None:
        self._pending: bytes = b""
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        chunk = self._pending + chunk
        self._pending = b""
        if b"\n" not in chunk and b"\r" not in chunk:
            self._pending = chunk
            return []
        lines = chunk.splitlines()
        tail = chunk[-1:]
        if tail == b"\r":
            self._skip_lf = True
        elif tail != b"\n":
            self._pending = lines.pop()
        return lines

    def end(self) -> list[bytes]:
        return [self._pending] if self._pending else []


async def text_batches(batches: Batches[bytes], encoding: str) -> Batches[str]:
    """``batches`` decoded as text; a character split between pieces is never broken."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    async with aclosing(batches):
        async for batch in batches:
            if texts := [text for piece in batch if (text := decoder.decode(piece))]:
                yield texts
    if rest := decoder.decode(b"", final=True):
        yield [rest]


async def line_batches(batches: Batches[bytes], encoding: str) -> Batches[str]:
    """``batches`` split into lines (CR, LF or CRLF; endings removed) decoded as text."""
    splitter = LineSplitter()
    async with aclosing(batches):
        async for batch in batches:
            lines = [line for piece in batch for line in splitter.feed(piece)]
            if lines:
                yield [line.decode(encoding, "replace") for line in lines]
    if rest := splitter.end():
        yield [rest[0].decode(encoding, "replace")]


async def flatten(batches: Batches[_T]) -> AsyncGenerator[_T, None]:
    """The items of ``batches`` one by one; closing this closes ``batches`` at once."""
    async with aclosing(batches):
        async for batch in batches:
            for item in batch:
                yield item
