# pyright: reportPrivateUsage=false
"""Helper methods of ``client.responses``: ``stream``, ``parse`` and ``connect``.

The generated ``AsyncResponses`` / ``Responses`` classes inherit these mixins (see
``codegen/extensions.py``); the blocking mixin runs the async one's code on the portal.
``text_format`` (a type) becomes the strict ``text.format`` schema; ``function_tool`` tools are
sent in the Responses API's flat tool form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Unpack

from .._types import NOT_GIVEN, NotGiven, given_or_none
from .realtime._options import ConnectKwargs

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._sync._client import OpenAI
    from ..resources._helper_params import ResponseHelperParams
    from .parsing import ParsedResponse
    from .realtime._sync import ConnectionManager, ResponsesConnection
    from .realtime.connection import AsyncConnectionManager, AsyncResponsesConnection
    from .streaming.responses import AsyncResponseStreamManager, ResponseStreamManager

__all__ = ["AsyncResponsesMixin", "ResponsesMixin"]

ContentT = TypeVar("ContentT")


def _tools(tools: Iterable[Any] | NotGiven) -> list[Any] | None:
    return None if isinstance(tools, NotGiven) else list(tools)


def _body(text_format: Any, tools: list[Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments for ``create``."""
    from .parsing import is_type_format, text_format_param
    from .tools import FunctionTool

    body = dict(params)
    if is_type_format(text_format):
        text: dict[str, Any] = dict(params.get("text") or {})
        text["format"] = text_format_param(text_format)
        body["text"] = text
    if tools is not None:
        body["tools"] = [
            tool.responses_param() if isinstance(tool, FunctionTool) else tool for tool in tools
        ]
    return body


class AsyncResponsesMixin:
    """``stream()`` and ``parse()`` on ``AsyncOpenAI().responses``."""

    __slots__ = ()

    _client: AsyncOpenAI

    def _create(self) -> Callable[..., Any]:
        create: Callable[..., Any] = getattr(self, "create")  # noqa: B009 - the generated method
        return create

    def stream(
        self,
        *,
        text_format: Any = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ResponseHelperParams],
    ) -> AsyncResponseStreamManager:
        """``async with responses.stream(...) as stream``: the API's events with snapshots.

        Other keyword arguments are those of ``create``.
        """
        from .streaming._base import AsyncStreamManager
        from .streaming.responses import open_response_stream

        tool_list = _tools(tools)
        body = _body(text_format, tool_list, params)
        create = self._create()
        fmt = given_or_none(text_format)
        return AsyncStreamManager(lambda: open_response_stream(create, body, fmt, tool_list))

    async def parse(
        self,
        *,
        text_format: type[ContentT] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ResponseHelperParams],
    ) -> ParsedResponse[ContentT]:
        """``create`` with ``text_format`` a type: ``output_parsed`` is one; strict function
        calls carry ``parsed_arguments``."""
        from .parsing import parse_response

        tool_list = _tools(tools)
        response = await self._create()(**_body(text_format, tool_list, params))
        return parse_response(response, given_or_none(text_format), tool_list)

    def connect(
        self, **options: Unpack[ConnectKwargs]
    ) -> AsyncConnectionManager[AsyncResponsesConnection]:
        """The Responses API WebSocket mode: ``async with client.responses.connect() as conn``,
        then ``await conn.response.create(model=..., input=...)`` and ``async for event in
        conn``. Options as for ``client.realtime.connect()``."""
        from .realtime.connection import ConnectOptions, open_responses

        return open_responses(self._client, ConnectOptions(**options))


class ResponsesMixin:
    """``stream()`` and ``parse()`` on ``OpenAI().responses``."""

    __slots__ = ()

    _client: OpenAI
    _async: Any

    def stream(
        self,
        *,
        text_format: Any = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ResponseHelperParams],
    ) -> ResponseStreamManager:
        """``with responses.stream(...) as stream``: the API's events with snapshots."""
        from .streaming._base import StreamManager
        from .streaming.responses import ResponseStream, open_response_stream

        tool_list = _tools(tools)
        body = _body(text_format, tool_list, params)
        fmt = given_or_none(text_format)
        client = self._client
        create = self._async.create

        def open_stream() -> ResponseStream:
            async_stream = client._call(
                open_response_stream, create=create, params=body, text_format=fmt, tools=tool_list
            )
            return ResponseStream(async_stream, client._portal)

        return StreamManager(open_stream)

    def parse(
        self,
        *,
        text_format: type[ContentT] | NotGiven = NOT_GIVEN,
        tools: Iterable[Any] | NotGiven = NOT_GIVEN,
        **params: Unpack[ResponseHelperParams],
    ) -> ParsedResponse[ContentT]:
        """``create`` with ``text_format`` a type: ``output_parsed`` is one."""
        result: ParsedResponse[ContentT] = self._client._call(
            self._async.parse, text_format=text_format, tools=tools, **params
        )
        return result

    def connect(
        self, **options: Unpack[ConnectKwargs]
    ) -> ConnectionManager[AsyncResponsesConnection, ResponsesConnection]:
        """The Responses API WebSocket mode: ``with client.responses.connect() as conn``."""
        from .realtime._sync import ConnectionManager, ResponsesConnection

        return ConnectionManager(
            self._async.connect(**options), self._client._portal, ResponsesConnection
        )
