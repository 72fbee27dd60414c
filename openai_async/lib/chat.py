# pyright: reportPrivateUsage=false
"""Helper methods of ``client.chat.completions``: ``stream``, ``parse`` and ``run_tools``.

The generated ``AsyncCompletions`` / ``Completions`` classes inherit these mixins (see
``codegen/extensions.py``). The blocking mixin runs the async one's code on the portal. This
module imports only what every chat call needs; the helpers load on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Unpack

from .._types import NOT_GIVEN, NotGiven, given_or_none

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._sync._client import OpenAI
    from ..resources._helper_params import (
        ChatCompletionHelperParams,
        ChatCompletionToolRunnerParams,
    )
    from ..types.chat.chat_completion_message_param import ChatCompletionMessageParam
    from .parsing import ParsedChatCompletion
    from .streaming.chat import AsyncChatCompletionStreamManager, ChatCompletionStreamManager
    from .tool_runner import AsyncToolRunner, ToolRunner
    from .tools import FunctionTool

__all__ = ["AsyncChatCompletionsMixin", "ChatCompletionsMixin"]

ContentT = TypeVar("ContentT")


def _body(
    model: str,
    messages: Iterable[ChatCompletionMessageParam],
    response_format: Any,
    tools: list[Any] | NotGiven,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The keyword arguments for ``create``: a type in ``response_format`` becomes its schema."""
    from .parsing import is_type_format, response_format_param

    body: dict[str, Any] = {"model": model, "messages": messages, **params}
    if not isinstance(response_format, NotGiven):
        body["response_format"] = (
            response_format_param(response_format)
            if is_type_format(response_format)
            else response_format
        )
    if not isinstance(tools, NotGiven):
        body["tools"] = tools
    return body


def _tool_list(tools: Iterable[Any] | NotGiven) -> list[Any] | NotGiven:
    return tools if isinstance(tools, NotGiven) else list(tools)


class AsyncChatCompletionsMixin:
    """``stream()``, ``parse()`` and ``run_tools()`` on ``AsyncOpenAI().chat.completions``."""

    __slots__ = ()

    _client: AsyncOpenAI

    def _create(self) -> Callable[..., Any]:
        create: Callable[..., Any] = getattr(self, "create")  # noqa: B009 - the generated method
        return create

    def stream(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: Any = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ChatCompletionHelperParams],
    ) -> AsyncChatCompletionStreamManager:
        """``async with completions.stream(...) as stream``: typed events with snapshots.

        ``response_format`` may be a type (parsed when the content is done); other keyword
        arguments are those of ``create``.
        """
        from .streaming._base import AsyncStreamManager
        from .streaming.chat import open_chat_stream

        tool_list = _tool_list(tools)
        body = _body(model, messages, response_format, tool_list, params)
        create = self._create()
        fmt = given_or_none(response_format)
        return AsyncStreamManager(
            lambda: open_chat_stream(create, body, fmt, given_or_none(tool_list))
        )

    async def parse(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: type[ContentT] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ChatCompletionHelperParams],
    ) -> ParsedChatCompletion[ContentT]:
        """``create`` with ``response_format`` a type: ``choices[0].message.parsed`` is one.

        Strict tools (``function_tool``) get ``parsed_arguments`` on their calls. Raises
        ``LengthFinishReasonError`` / ``ContentFilterFinishReasonError`` for replies cut short.
        """
        from .parsing import parse_chat_completion

        tool_list = _tool_list(tools)
        body = _body(model, messages, response_format, tool_list, params)
        completion = await self._create()(**body)
        fmt = given_or_none(response_format)
        return parse_chat_completion(completion, fmt, given_or_none(tool_list))

    def run_tools(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        tools: Iterable[FunctionTool],
        max_rounds: int = 10,
        on_message: Callable[[dict[str, Any]], Any] | None = None,
        on_tool_call: Callable[[Any], Any] | None = None,
        stream: bool = False,
        **params: Unpack[ChatCompletionToolRunnerParams],
    ) -> AsyncToolRunner:
        """A runner that calls the tools the model asks for until it answers (see
        ``openai_async.lib.tool_runner``)."""
        from .tool_runner import AsyncToolRunner

        return AsyncToolRunner(
            create=self._create(),
            params={"model": model, **params},
            messages=messages,
            tools=tools,
            max_rounds=max_rounds,
            on_message=on_message,
            on_tool_call=on_tool_call,
            stream=stream,
        )


class ChatCompletionsMixin:
    """``stream()``, ``parse()`` and ``run_tools()`` on ``OpenAI().chat.completions``."""

    __slots__ = ()

    _client: OpenAI
    _async: Any

    def stream(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: Any = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ChatCompletionHelperParams],
    ) -> ChatCompletionStreamManager:
        """``with completions.stream(...) as stream``: typed events with snapshots."""
        from .streaming._base import StreamManager
        from .streaming.chat import ChatCompletionStream, open_chat_stream

        tool_list = _tool_list(tools)
        body = _body(model, messages, response_format, tool_list, params)
        fmt = given_or_none(response_format)
        client = self._client
        create = self._async.create

        def open_stream() -> ChatCompletionStream:
            async_stream = client._call(
                open_chat_stream,
                create=create,
                params=body,
                response_format=fmt,
                tools=given_or_none(tool_list),
            )
            return ChatCompletionStream(async_stream, client._portal)

        return StreamManager(open_stream)

    def parse(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: type[ContentT] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ChatCompletionHelperParams],
    ) -> ParsedChatCompletion[ContentT]:
        """``create`` with ``response_format`` a type: ``choices[0].message.parsed`` is one."""
        result: ParsedChatCompletion[ContentT] = self._client._call(
            self._async.parse,
            model=model,
            messages=messages,
            response_format=response_format,
            tools=tools,
            **params,
        )
        return result

    def run_tools(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        tools: Iterable[FunctionTool],
        max_rounds: int = 10,
        on_message: Callable[[dict[str, Any]], Any] | None = None,
        on_tool_call: Callable[[Any], Any] | None = None,
        stream: bool = False,
        **params: Unpack[ChatCompletionToolRunnerParams],
    ) -> ToolRunner:
        """A runner that calls the tools the model asks for until it answers; the callbacks
        and plain functions run in worker threads."""
        from .tool_runner import AsyncToolRunner, ToolRunner

        runner = AsyncToolRunner(
            create=self._async.create,
            params={"model": model, **params},
            messages=messages,
            tools=tools,
            max_rounds=max_rounds,
            on_message=on_message,
            on_tool_call=on_tool_call,
            stream=stream,
            offload=True,
        )
        return ToolRunner(runner, self._client._portal)
