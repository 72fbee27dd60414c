"""The portal thread of a blocking client: one anyio ``BlockingPortal`` running the async client.

A client and its ``with_options`` copies share one ``PortalThread``. The thread starts on the
first call (thread-safe), and stops on ``close()``, when the last client sharing it is garbage
collected, or at interpreter exit, whichever comes first. anyio >= 4.5 runs the portal in a
daemon thread, so an unclosed client never keeps the interpreter alive. Stopping first awaits the ``on_stop``
callback (closing the async client's connections) on the portal's loop, then cancels what is
left and joins the thread.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
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

    __slots__ = ("context", "lock", "on_stop", "portal", "thread_id")

    def __init__(self, on_stop: Callable[[], Awaitable[None]]) -> None:
        self.lock = threading.Lock()
        self.on_stop = on_stop
        self.context: AbstractContextManager[BlockingPortal] | None = None
        self.portal: BlockingPortal | None = None
        self.thread_id: int | None = None

    def start(self) -> BlockingPortal:
        with self.lock:
            portal = self.portal
            if portal is None:
                context = start_blocking_portal("asyncio")
                portal = context.__enter__()
                self.thread_id = portal.call(_name_portal_thread)
                self.context = context
                self.portal = portal
            return portal

    def stop(self) -> None:
        with self.lock:
            context, portal, thread_id = self.context, self.portal, self.thread_id
            self.context = self.portal = self.thread_id = None
        if context is None or portal is None:
            return
        if threading.get_ident() == thread_id:
            # Called on the portal's own loop (a close() from inside a portal call, or garbage
            # collection there): the loop cannot wait on itself, so a helper thread stops it.
            helper = threading.Thread(
                target=_shut_down, args=(context, portal, self.on_stop), daemon=True
            )
            helper.start()
            return
        _shut_down(context, portal, self.on_stop)


def _name_portal_thread() -> int:
    """Runs on the portal thread: names it (``name=`` needs anyio 4.11) and returns its id."""
    thread = threading.current_thread()
    thread.name = THREAD_NAME
    return thread.ident or threading.get_ident()


def _shut_down(
    context: AbstractContextManager[BlockingPortal],
    portal: BlockingPortal,
    on_stop: Callable[[], Awaitable[None]],
) -> None:
    try:
        portal.call(on_stop)
    finally:
        with suppress(RuntimeError):  # already stopped
            portal.call(portal.stop, True)
        context.__exit__(None, None, None)


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
        return self._state.portal is not None

    @property
    def portal(self) -> BlockingPortal:
        """The running portal, started on first use."""
        return self._state.portal or self._state.start()

    def run(self, fn: Callable[..., Awaitable[_T]], /, *args: Any) -> _T:
        """Run ``await fn(*args)`` on the portal and return its result (blocking).

        If the waiting thread is interrupted (``KeyboardInterrupt``), the task is cancelled; if
        the client is closed meanwhile, ``APIConnectionError`` is raised.
        """
        future: Future[_T] = self.portal.start_task_soon(fn, *args)
        try:
            return future.result()
        except CancelledError:
            # The portal stopped under the call: close() ran in another thread.
            raise APIConnectionError("The client was closed while this call was running.") from None
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        """Close the async side and stop the thread; the next ``run`` starts a fresh one."""
        self._state.stop()
