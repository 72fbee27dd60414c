"""The bounded queue of messages sent while a realtime connection is down."""

from __future__ import annotations

from collections import deque

from ._errors import SendQueueFullError

__all__ = ["SendQueue"]


class SendQueue:
    """Encoded messages (with the events they came from) waiting for the next connection.

    ``maxsize`` 0 means no queueing: a send while disconnected raises ``SendQueueFullError``.
    """

    __slots__ = ("_items", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: deque[tuple[bytes, object]] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, data: bytes, event: object) -> None:
        if len(self._items) >= self.maxsize:
            raise SendQueueFullError(event, self.maxsize)
        self._items.append((data, event))

    def peek(self) -> bytes:
        """The oldest message's bytes (the queue must not be empty)."""
        return self._items[0][0]

    def pop(self) -> None:
        """Drop the oldest message (after it went out)."""
        self._items.popleft()

    def events(self) -> list[object]:
        """The events still waiting, oldest first."""
        return [event for _, event in self._items]

    def clear(self) -> list[object]:
        """Empty the queue, returning the events it held."""
        events = self.events()
        self._items.clear()
        return events
