"""aiohttp sessions: one pooled ``ClientSession`` per event loop, created inside that loop.

A ``SessionStore`` belongs to a client and is shared by its ``with_options`` copies. It creates
the session lazily on first use in each running loop, so a client built at import time works,
and a client used by two successive ``asyncio.run()`` calls gets a fresh session in each.

Sessions are closed cleanly in three ways: ``aclose()``; when ``asyncio.run()`` (or any runner
that calls ``loop.shutdown_asyncgens()``) tears its loop down, through a small per-loop closer;
and for a store that is garbage collected unclosed, its sessions are marked closed without
touching any loop, so the worst left behind is a ``ResourceWarning`` for an open socket.

``session_factory`` is how a caller customises sessions that must be born inside the loop that
uses them (the blocking client's loop lives in its portal thread): it is called once per loop,
inside that loop, and the sessions it returns are closed like the store's own.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Callable
from typing import Any, Final

import aiohttp
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ConnectionKey
from yarl import URL

from ._constants import DEFAULT_KEEPALIVE
from ._exceptions import OpenAIError

__all__ = [
    "ClientMiddleware",
    "NewestFirstConnector",
    "SessionFactory",
    "SessionStore",
    "credential_guard",
    "idle_limit_of",
    "request_middlewares",
    "running_loop",
    "set_idle_limit",
]

ClientMiddleware = aiohttp.ClientMiddlewareType

SessionFactory = Callable[[], aiohttp.ClientSession]
_IDLE_ATTR: Final = "_openai_async_stream_idle"
_UNSET: Final = object()


def set_idle_limit(response: aiohttp.ClientResponse, seconds: float | None) -> None:
    """Give the stream read from ``response`` this idle limit (``None``: no limit)."""
    setattr(response, _IDLE_ATTR, seconds)


def idle_limit_of(response: aiohttp.ClientResponse, default: float | None) -> float | None:
    """The idle limit set on ``response`` for its call, else ``default``."""
    limit: object = getattr(response, _IDLE_ATTR, _UNSET)
    if limit is _UNSET:
        return default
    return float(limit) if isinstance(limit, (int, float)) else None


# One closer per loop: an async generator parked in the loop's asyncgen set, whose
# ``finally`` closes the sessions that are still open when the loop shuts down.
_closers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop,
    tuple[AsyncGenerator[None, None], weakref.WeakSet[aiohttp.ClientSession]],
] = weakref.WeakKeyDictionary()
_NO_TIMEOUT: Final = aiohttp.ClientTimeout(total=None)


async def _closer(sessions: weakref.WeakSet[aiohttp.ClientSession]) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        _closers.pop(asyncio.get_running_loop(), None)
        for session in list(sessions):
            if not session.closed:
                await session.close()


async def _track(loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession) -> None:
    entry = _closers.get(loop)
    if entry is None:
        sessions: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()
        agen = _closer(sessions)
        await agen.__anext__()  # registers it with the loop's shutdown_asyncgens()
        entry = _closers[loop] = (agen, sessions)
    entry[1].add(session)


def running_loop() -> asyncio.AbstractEventLoop:
    """The running asyncio loop, or a clear error under another async framework (trio)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise OpenAIError(
            "openai_async needs a running asyncio event loop: its HTTP stack (aiohttp) works "
            "on asyncio only. Under trio, run the call on asyncio (for example with the "
            "blocking OpenAI client in a worker thread)."
        ) from None


class NewestFirstConnector(aiohttp.TCPConnector):
    """A ``TCPConnector`` whose pool hands out the most recently released connection first.

    aiohttp (3.11 and later) reuses the oldest idle connection first. After a burst of N
    concurrent calls, that cycles every later call through all N connections in turn: a
    sequential caller touches a cold socket each time (measured: about 10 % more CPU per call,
    mostly in the kernel, see benchmarks/RESULTS.md), and since each of them is used again
    every N calls, none ever stays idle for ``keepalive_timeout``, so the pool never shrinks
    while any traffic flows. Newest first keeps the warm connections in use and lets the ones
    a burst left behind idle out: the connector's own clean-up closes them after
    ``keepalive_timeout``.
    """

    def _release(  # the rest passed through as given: aiohttp may add keywords
        self, key: ConnectionKey, protocol: ResponseHandler, *args: Any, **kwargs: Any
    ) -> None:
        super()._release(key, protocol, *args, **kwargs)
        # aiohttp appends the released connection and takes from the left: move it there.
        # An aiohttp whose pool is not a dict of deques keeps its own order instead of failing
        # the release (tests/test_transport.py notices the change).
        pool: dict[ConnectionKey, object] | None = getattr(self, "_conns", None)
        idle = pool.get(key) if isinstance(pool, dict) else None
        if isinstance(idle, deque) and idle and idle[-1][0] is protocol:
            idle.rotate(1)


def _abandon(session: aiohttp.ClientSession) -> None:
    """Mark ``session`` closed without scheduling anything on any loop."""
    connector = session.connector
    if connector is None or connector.closed:
        return
    if connector._loop.is_closed():  # pyright: ignore[reportPrivateUsage]
        connector._close()  # pyright: ignore[reportPrivateUsage]  # the loop is gone: no I/O
    else:
        # Keep aiohttp's destructors quiet; open sockets close when collected.
        connector._closed = True  # pyright: ignore[reportPrivateUsage]


def _abandon_all(sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession]) -> None:
    for session in list(sessions.values()):
        _abandon(session)
    sessions.clear()


class SessionStore:
    """The sessions a client (and its copies) send through, one per event loop."""

    __slots__ = (
        "__weakref__",
        "_connector",
        "_factory",
        "_finalizer",
        "_limit",
        "_sessions",
        "_user_session",
    )

    def __init__(
        self,
        *,
        connection_limit: int,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        session_factory: SessionFactory | None = None,
    ) -> None:
        self._limit = connection_limit
        self._user_session = session
        self._connector = connector
        self._factory = session_factory
        # A plain dict keyed by loop: entries of closed loops are dropped on the next miss.
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self._finalizer = weakref.finalize(self, _abandon_all, self._sessions)

    @property
    def pool_size(self) -> int:
        """The connection limit of the pool in use (0 means unlimited)."""
        if self._user_session is not None:
            connector = self._user_session.connector
            return connector.limit if connector is not None else 0
        if self._connector is not None:
            return self._connector.limit
        if self._factory is not None:
            for session in self._sessions.values():
                return session.connector.limit if session.connector is not None else 0
        return self._limit

    def current(self) -> aiohttp.ClientSession | None:
        """The session of the running loop if it exists (no creation)."""
        if self._user_session is not None:
            return self._user_session
        return self._sessions.get(running_loop())

    async def get(self) -> aiohttp.ClientSession:
        """The session of the running loop, created on first use."""
        loop = running_loop()
        if self._user_session is not None:
            return self._user_session
        session = self._sessions.get(loop)
        if session is not None and not session.closed:
            return session
        return await self._create(loop)

    async def _create(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        self._drop_dead()
        if self._factory is not None:
            return await self._adopt(loop, self._factory())
        connector = self._connector
        if connector is None:
            connector = NewestFirstConnector(
                limit=self._limit, keepalive_timeout=DEFAULT_KEEPALIVE, ttl_dns_cache=300
            )
        session = aiohttp.ClientSession(
            connector=connector,
            connector_owner=self._connector is None,
            timeout=_NO_TIMEOUT,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self._sessions[loop] = session
        await _track(loop, session)
        return session

    async def _adopt(
        self, loop: asyncio.AbstractEventLoop, session: object
    ) -> aiohttp.ClientSession:
        if not isinstance(session, aiohttp.ClientSession):
            raise TypeError(
                f"session_factory must return an aiohttp.ClientSession, not {type(session).__name__}"
            )
        self._sessions[loop] = session
        await _track(loop, session)
        return session

    def _drop_dead(self) -> None:
        for loop, session in list(self._sessions.items()):
            if loop.is_closed() or session.closed:
                del self._sessions[loop]
                _abandon(session)

    async def aclose(self) -> None:
        """Close the sessions this store created (never a user's session or connector)."""
        loop = asyncio.get_running_loop()
        for owner, session in list(self._sessions.items()):
            del self._sessions[owner]
            if owner is loop:
                await session.close()
            else:
                _abandon(session)


def credential_guard(base_url: str, header: str) -> ClientMiddleware:
    """A client middleware that drops ``header`` from every hop (a redirect) that leaves the
    origin of ``base_url``.

    aiohttp itself strips only ``Authorization`` on a cross-origin redirect; Azure's ``api-key``
    would otherwise follow a redirect to any host.
    """
    origin = URL(base_url).origin()

    async def guard(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if request.url.origin() != origin:
            request.headers.popall(header, None)
        return await handler(request)

    return guard


def request_middlewares(
    session: aiohttp.ClientSession, guard: ClientMiddleware | None
) -> tuple[ClientMiddleware, ...] | None:
    """The per-request middlewares: the session's own plus ``guard`` (``None``: no change)."""
    if guard is None:
        return None
    own: tuple[ClientMiddleware, ...] = tuple(getattr(session, "_middlewares", ()))
    return (*own, guard)
