"""``Stream[T]``: the blocking face of an ``AsyncStream[T]``.

Events cross the portal in batches: one portal hop returns every event the async stream can
hand over without waiting again, and the blocking side then serves them from a local list.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._closing import Closing
from ._portal import PortalThread

if TYPE_CHECKING:
    from .._streaming import AsyncStream

__all__ = ["Stream"]

_T = TypeVar("_T")


class Stream(Closing, Generic[_T]):
    """Iterate with ``for``; ``with`` or ``close()`` releases the connection early.

    Leaving a ``for`` loop early (``break``, an exception) closes the stream too, and so does
    dropping an unfinished stream.
    """

    __slots__ = ("_async", "_buffer", "_index", "_portal")

    def __init__(self, async_stream: AsyncStream[_T], portal: PortalThread) -> None:
        self._async = async_stream
        self._portal = portal
        self._buffer: list[_T] = []
        self._index = 0

    @property
    def response(self) -> Any:
        """The underlying HTTP response of the async stream."""
        return self._async.response

    def _pull(self) -> list[_T]:
        """The next batch of events; an empty list at the end of the stream."""
        if self._index < len(self._buffer):
            batch = self._buffer[self._index :]
        else:
            batch = self._portal.run(self._async.next_batch)
        self._buffer = []
        self._index = 0
        return batch

    def __iter__(self) -> Iterator[_T]:
        try:
            while batch := self._pull():
                yield from batch
        finally:
            self.close()

    def __next__(self) -> _T:
        buffer = self._buffer
        index = self._index
        if index >= len(buffer):
            buffer = self._buffer = self._portal.run(self._async.next_batch)
            index = 0
            if not buffer:
                raise StopIteration
        self._index = index + 1
        return buffer[index]

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        self._buffer = []
        self._index = 0
        if self._async.closed:
            return
        if self._portal.on_portal_thread:  # e.g. an abandoned loop finalized there
            self._async._abandon()  # pyright: ignore[reportPrivateUsage]
        else:
            self._portal.run(self._async.aclose)

    def __del__(self) -> None:
        # Dropped unfinished and unclosed: have the portal's loop drop the connection, without
        # waiting for it (this may run in any thread, the portal's included).
        with suppress(Exception):
            if not self._async.closed:
                self._async._abandon()  # pyright: ignore[reportPrivateUsage]
