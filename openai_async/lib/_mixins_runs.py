# pyright: reportPrivateUsage=false
"""Helpers on ``client.beta.threads.runs`` and ``client.beta.threads``: pollers and run streams.

Keyword arguments not named here go to the underlying generated method (``runs.create``,
``threads.create_and_run``) unchanged. Every call carries ``OpenAI-Beta: assistants=v2``
(the caller's ``extra_headers`` win). The blocking mixins run the async ones on the portal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from .._types import NOT_GIVEN, Headers, NotGiven, Query, TimeoutTypes
from .polling import RUN_DONE, beta_headers, poll_until, status_in

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._streaming import AsyncStream
    from .._sync._client import OpenAI
    from .._sync._streaming import Stream
    from ..resources.beta.threads.runs.runs import AsyncRuns
    from ..resources.beta.threads.threads import AsyncThreads
    from ..types.beta.assistant_stream_event import AssistantStreamEvent
    from ..types.beta.threads.run import Run
    from ..types.shared.submit_tool_outputs_run_request_param import (
        SubmitToolOutputsRunRequestToolOutputParam,
    )
    from .assistants import (
        AssistantEventHandler,
        AssistantStreamManager,
        AsyncAssistantEventHandler,
        AsyncAssistantStreamManager,
    )

    _AH = TypeVar("_AH", bound=AsyncAssistantEventHandler)
    _SH = TypeVar("_SH", bound=AssistantEventHandler)

__all__ = ["AsyncRunsMixin", "AsyncThreadsMixin", "RunsMixin", "ThreadsMixin"]


def _async_manager(
    method: Any,
    handler: AsyncAssistantEventHandler | None,
    extra_headers: Headers | None,
    /,
    *args: Any,
    **kwargs: Any,
) -> AsyncAssistantStreamManager[Any]:
    """A manager whose ``async with`` calls ``method(*args, stream=True, ...)`` with the
    Assistants beta header."""
    from .assistants import AsyncAssistantEventHandler, AsyncAssistantStreamManager

    async def start() -> AsyncStream[AssistantStreamEvent]:
        stream: AsyncStream[AssistantStreamEvent] = await method(
            *args, stream=True, extra_headers=beta_headers(extra_headers), **kwargs
        )
        return stream

    return AsyncAssistantStreamManager(start, handler or AsyncAssistantEventHandler())


def _sync_manager(
    client: OpenAI,
    method: Any,
    handler: AssistantEventHandler | None,
    extra_headers: Headers | None,
    /,
    **kwargs: Any,
) -> AssistantStreamManager[Any]:
    """The blocking twin of ``_async_manager``: ``method`` runs on the client's portal."""
    from .assistants import AssistantEventHandler, AssistantStreamManager

    def start() -> Stream[AssistantStreamEvent]:
        stream: Stream[AssistantStreamEvent] = client._call(
            method, stream=True, extra_headers=beta_headers(extra_headers), **kwargs
        )
        return stream

    return AssistantStreamManager(start, handler or AssistantEventHandler())


class AsyncRunsMixin:
    """``create_and_poll``, ``poll``, ``submit_tool_outputs_and_poll``, ``stream``,
    ``submit_tool_outputs_stream``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def create_and_poll(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> Run:
        """Create a run, then poll it until it needs tool outputs or ends."""
        create: Any = self._client.beta.threads.runs.create
        run = cast(
            "Run",
            await create(
                thread_id,
                assistant_id=assistant_id,
                extra_headers=beta_headers(extra_headers),
                **params,
            ),
        )
        return await self.poll(
            run.id,
            thread_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
        )

    async def poll(
        self,
        run_id: str,
        thread_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Run:
        """Retrieve the run until its status is terminal or ``requires_action``."""
        retrieve = self._client.beta.threads.runs.with_raw_response.retrieve
        headers = beta_headers(extra_headers)

        def fetch() -> Any:
            return retrieve(
                run_id,
                thread_id=thread_id,
                extra_headers=headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )

        return await poll_until(
            self._client,
            fetch,
            status_in(RUN_DONE),
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )

    async def submit_tool_outputs_and_poll(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Run:
        """Send tool outputs, then poll the run until it needs more or ends."""
        submitted = await self._client.beta.threads.runs.submit_tool_outputs(
            run_id,
            thread_id=thread_id,
            tool_outputs=tool_outputs,
            extra_headers=beta_headers(extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return await self.poll(
            submitted.id,
            thread_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
        )

    @overload
    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]: ...

    @overload
    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: _AH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[_AH]: ...

    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: AsyncAssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[Any]:
        """Create a run and stream its events: ``async with ... as handler``."""
        create = self._client.beta.threads.runs.create
        return _async_manager(
            create, event_handler, extra_headers, thread_id, assistant_id=assistant_id, **params
        )

    @overload
    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]: ...

    @overload
    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: _AH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[_AH]: ...

    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: AsyncAssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[Any]:
        """Send tool outputs and stream the rest of the run."""
        submit = self._client.beta.threads.runs.submit_tool_outputs
        return _async_manager(
            submit,
            event_handler,
            extra_headers,
            run_id,
            thread_id=thread_id,
            tool_outputs=tool_outputs,
            **params,
        )


class AsyncThreadsMixin:
    """``create_and_run_poll`` and ``create_and_run_stream``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def create_and_run_poll(
        self,
        *,
        assistant_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> Run:
        """Create a thread and a run in one call, then poll the run."""
        create_and_run: Any = self._client.beta.threads.create_and_run
        run = cast(
            "Run",
            await create_and_run(
                assistant_id=assistant_id, extra_headers=beta_headers(extra_headers), **params
            ),
        )
        return await self._client.beta.threads.runs.poll(
            run.id,
            run.thread_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
        )

    @overload
    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[AsyncAssistantEventHandler]: ...

    @overload
    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: _AH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[_AH]: ...

    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: AsyncAssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AsyncAssistantStreamManager[Any]:
        """Create a thread and a run in one call and stream the run's events."""
        create_and_run = self._client.beta.threads.create_and_run
        return _async_manager(
            create_and_run, event_handler, extra_headers, assistant_id=assistant_id, **params
        )


class RunsMixin:
    """The blocking twin of ``AsyncRunsMixin``."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncRuns

    def create_and_poll(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> Run:
        """Create a run, then poll it until it needs tool outputs or ends."""
        run: Run = self._client._call(
            self._async.create_and_poll,
            thread_id=thread_id,
            assistant_id=assistant_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
            **params,
        )
        return run

    def poll(
        self,
        run_id: str,
        thread_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Run:
        """Retrieve the run until its status is terminal or ``requires_action``."""
        run: Run = self._client._call(
            self._async.poll,
            run_id=run_id,
            thread_id=thread_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return run

    def submit_tool_outputs_and_poll(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Run:
        """Send tool outputs, then poll the run until it needs more or ends."""
        run: Run = self._client._call(
            self._async.submit_tool_outputs_and_poll,
            tool_outputs=tool_outputs,
            run_id=run_id,
            thread_id=thread_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return run

    @overload
    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[AssistantEventHandler]: ...

    @overload
    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: _SH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[_SH]: ...

    def stream(
        self,
        thread_id: str,
        *,
        assistant_id: str,
        event_handler: AssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[Any]:
        """Create a run and stream its events: ``with ... as handler``."""
        return _sync_manager(
            self._client,
            self._async.create,
            event_handler,
            extra_headers,
            thread_id=thread_id,
            assistant_id=assistant_id,
            **params,
        )

    @overload
    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[AssistantEventHandler]: ...

    @overload
    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: _SH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[_SH]: ...

    def submit_tool_outputs_stream(
        self,
        *,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputParam],
        run_id: str,
        thread_id: str,
        event_handler: AssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[Any]:
        """Send tool outputs and stream the rest of the run."""
        return _sync_manager(
            self._client,
            self._async.submit_tool_outputs,
            event_handler,
            extra_headers,
            run_id=run_id,
            thread_id=thread_id,
            tool_outputs=tool_outputs,
            **params,
        )


class ThreadsMixin:
    """The blocking twin of ``AsyncThreadsMixin``."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncThreads

    def create_and_run_poll(
        self,
        *,
        assistant_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> Run:
        """Create a thread and a run in one call, then poll the run."""
        run: Run = self._client._call(
            self._async.create_and_run_poll,
            assistant_id=assistant_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            extra_headers=extra_headers,
            **params,
        )
        return run

    @overload
    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[AssistantEventHandler]: ...

    @overload
    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: _SH,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[_SH]: ...

    def create_and_run_stream(
        self,
        *,
        assistant_id: str,
        event_handler: AssistantEventHandler | None = None,
        extra_headers: Headers | None = None,
        **params: Any,
    ) -> AssistantStreamManager[Any]:
        """Create a thread and a run in one call and stream the run's events."""
        return _sync_manager(
            self._client,
            self._async.create_and_run,
            event_handler,
            extra_headers,
            assistant_id=assistant_id,
            **params,
        )
