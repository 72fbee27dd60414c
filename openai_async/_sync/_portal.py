"""The portal thread of a blocking client: one anyio ``BlockingPortal`` running the async client.

A client and its ``with_options`` copies share one ``PortalThread``. The thread starts on the
first call (thread-safe), and stops on ``close()``, when the last client sharing it is garbage
collected, or at interpreter exit, whichever comes first. anyio >= 4.5 runs the portal in a
daemon thread, so an unclosed client never keeps the interpreter alive. Stopping first awaits the ``on_stop``
callback (closing the async client's connections) on the portal's loop, then cancels what is
left and joins the thread.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import CancelledError, Future
from contextlib import AbstractContextManager, suppress
from typing import Any, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from .._exceptions import APIConnectionError

__all__ = ["PortalThread"]

_T = TypeVar("_T")

THREAD_NAME = "openai_async-portal"


class _PortalState:
    """What the finalizer needs: everything but the ``PortalThread`` object itself."""

    __slots__ = ("context", "lock", "loop", "on_stop", "pending", "portal", "thread_id")

    def __init__(self, on_stop: Callable[[], Awaitable[None]]) -> None:
        self.lock = threading.Lock()
        self.on_stop = on_stop
        self.context: AbstractContextManager[BlockingPortal] | None = None
        self.portal: BlockingPortal | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread_id: int | None = None
        # Calls submitted and not finished: cancelled if the loop stops before running them.
        self.pending: set[Future[Any]] = set()

    def _start_locked(self) -> BlockingPortal:
        context = start_blocking_portal("asyncio")
        portal = context.__enter__()
        self.thread_id, self.loop = portal.call(_portal_thread_info)
        self.context = context
        self.portal = portal
        return portal

    def start(self) -> BlockingPortal:
        with self.lock:
            return self.portal or self._start_locked()

    def submit(self, coro: Coroutine[Any, Any, _T]) -> Future[_T]:
        """Schedule ``coro`` on the portal's loop (starting the portal if needed)."""
        with self.lock:
            if self.loop is None:
                self._start_locked()
            assert self.loop is not None
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
            self.pending.add(future)
        return future

    def stop(self) -> None:
        with self.lock:
            context, portal, thread_id = self.context, self.portal, self.thread_id
            pending, self.pending = self.pending, set()
            self.context = self.portal = self.thread_id = self.loop = None
        if context is None or portal is None:
            return
        if threading.get_ident() == thread_id:
            # Called on the portal's own loop (a close() from inside a portal call, or garbage
            # collection there): the loop cannot wait on itself, so a helper thread stops it.
            helper = threading.Thread(
                target=_shut_down, args=(context, portal, self.on_stop, pending), daemon=True
            )
            helper.start()
            return
        _shut_down(context, portal, self.on_stop, pending)


async def _portal_thread_info() -> tuple[int, asyncio.AbstractEventLoop]:
    """Runs on the portal: names its thread (anyio's ``name=`` needs 4.11), returns id and loop."""
    thread = threading.current_thread()
    thread.name = THREAD_NAME
    return threading.get_ident(), asyncio.get_running_loop()


def _shut_down(
    context: AbstractContextManager[BlockingPortal],
    portal: BlockingPortal,
    on_stop: Callable[[], Awaitable[None]],
    pending: set[Future[Any]],
) -> None:
    try:
        portal.call(on_stop)
    finally:
        with suppress(RuntimeError):  # already stopped
            portal.call(portal.stop, True)
        context.__exit__(None, None, None)  # the loop cancels its remaining tasks and closes
        for future in pending:
            future.cancel()  # scheduled too late to run: release the waiting threads


class PortalThread:
    """Lazily started portal thread, shared by a blocking client and its copies."""

    __slots__ = ("__weakref__", "_finalizer", "_state")

    def __init__(self, on_stop: Callable[[], Awaitable[None]]) -> None:
        self._state = _PortalState(on_stop)
        # Runs when this object is collected or at interpreter exit (before daemon threads are
        # frozen), so an unclosed client still closes its connections and its thread.
        self._finalizer = weakref.finalize(self, _PortalState.stop, self._state)

    @property
    def running(self) -> bool:
        """Whether the portal thread is currently running."""
        return self._state.loop is not None

    @property
    def on_portal_thread(self) -> bool:
        """Whether the current thread is the portal's own (where ``run`` cannot wait)."""
        return threading.get_ident() == self._state.thread_id

    @property
    def portal(self) -> BlockingPortal:
        """The running portal, started on first use."""
        return self._state.portal or self._state.start()

    def run(self, fn: Callable[..., Coroutine[Any, Any, _T]], /, *args: Any) -> _T:
        """Run ``await fn(*args)`` on the portal's loop and return its result (blocking).

        One cross-thread hop: the coroutine goes straight to the loop
        (``run_coroutine_threadsafe``), not through a portal task group. If the waiting thread
        is interrupted (``KeyboardInterrupt``), the task is cancelled; if the client is closed
        meanwhile, ``APIConnectionError`` is raised.
        """
        state = self._state
        if threading.get_ident() == state.thread_id:
            raise RuntimeError("a blocking client cannot be called from its own portal thread")
        future = state.submit(fn(*args))
        try:
            return future.result()
        except CancelledError:
            # The loop stopped under the call: close() ran in another thread.
            raise APIConnectionError("The client was closed while this call was running.") from None
        except BaseException:
            future.cancel()
            raise
        finally:
            state.pending.discard(future)

    def stop(self) -> None:
        """Close the async side and stop the thread; the next ``run`` starts a fresh one."""
        self._state.stop()
