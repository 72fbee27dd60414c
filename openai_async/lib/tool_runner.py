"""The tool runner: ask the model, run the tools it calls, send the results back, repeat.

``client.chat.completions.run_tools(model=..., messages=..., tools=[function_tool(f), ...])``
returns a runner. Each round is one request; the calls of one round run concurrently (async
functions as tasks, plain functions in worker threads). Arguments are parsed into the function's
types first; a parse error or an exception raised by the function goes back to the model as that
call's result, so it can correct itself. The loop ends when the model answers without tool
calls, right after the forced function ran when ``tool_choice`` names one, or with
``ToolRoundLimitError`` when ``max_rounds`` requests still end in tool calls.

Both clients run the same loop on the async side; the blocking ``ToolRunner`` pulls its items
across the portal and runs the callbacks and plain functions in worker threads (so they may use
the blocking client).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import msgspec
from typing_extensions import Self

from .._exceptions import OpenAIError
from ..types.completion_usage import CompletionUsage
from .parsing import ParsedChatCompletion, ParsedChatCompletionMessage, parse_chat_completion
from .streaming.chat import ChatCompletionStreamEvent, open_chat_stream
from .tools import FunctionTool

if TYPE_CHECKING:
    from .._sync._portal import PortalThread

__all__ = ["AsyncToolRunner", "ToolRoundLimitError", "ToolRunner"]

DEFAULT_MAX_ROUNDS = 10


class ToolRoundLimitError(OpenAIError):
    """The model still asked for tools after ``max_rounds`` requests."""

    def __init__(self, max_rounds: int, messages: list[dict[str, Any]]) -> None:
        super().__init__(f"The model still called tools after {max_rounds} rounds.")
        self.max_rounds = max_rounds
        self.messages = messages


def _forced_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, Mapping):
        function = cast("Mapping[str, Any]", tool_choice).get("function")
        if isinstance(function, Mapping):
            name = cast("Mapping[str, Any]", function).get("name")
            return name if isinstance(name, str) else None
    return None


def assistant_param(message: ParsedChatCompletionMessage[Any]) -> dict[str, Any]:
    """The request form of an assistant message (without the parsed extras)."""
    param: dict[str, Any] = {"role": "assistant", "content": message.content}
    if message.refusal is not None:
        param["refusal"] = message.refusal
    if message.tool_calls:
        param["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
            for call in message.tool_calls
            if call.type == "function"
        ]
    return param


def tool_result_content(result: Any) -> str:
    """What a tool's return value becomes in the tool message: text as is, else JSON."""
    if isinstance(result, str):
        return result
    try:
        return msgspec.json.encode(result).decode()
    except (TypeError, msgspec.EncodeError):
        return str(result)


def _add_usage(
    total: CompletionUsage | None, usage: CompletionUsage | None
) -> CompletionUsage | None:
    if usage is None:
        return total
    if total is None:
        return CompletionUsage(
            completion_tokens=usage.completion_tokens,
            prompt_tokens=usage.prompt_tokens,
            total_tokens=usage.total_tokens,
        )
    total.completion_tokens += usage.completion_tokens
    total.prompt_tokens += usage.prompt_tokens
    total.total_tokens += usage.total_tokens
    return total


class AsyncToolRunner:
    """Runs the loop on first use: ``await runner.final_content()``, ``async for item in runner``.

    Iteration yields each round's ``ParsedChatCompletion``, or with ``stream=True`` every
    stream event of every round. ``all_messages`` holds the conversation as request params
    (the caller's messages, then assistant and tool messages); ``total_usage`` sums the usage
    of all rounds.
    """

    def __init__(
        self,
        *,
        create: Callable[..., Awaitable[Any]],
        params: dict[str, Any],
        messages: Iterable[Any],
        tools: Iterable[FunctionTool],
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        on_message: Callable[[dict[str, Any]], Any] | None = None,
        on_tool_call: Callable[[Any], Any] | None = None,
        stream: bool = False,
        offload: bool = False,
    ) -> None:
        tool_list = list(tools)
        for tool in tool_list:
            if not isinstance(tool, FunctionTool) or tool.function is None:  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError("run_tools needs tools built with function_tool(a_function)")
        self._tools = {tool.name: tool for tool in tool_list}
        self._create = create
        self._params = {**params, "tools": tool_list}
        self._forced = _forced_name(params.get("tool_choice"))
        self._max_rounds = max_rounds
        self._on_message = on_message
        self._on_tool_call = on_tool_call
        self._stream = stream
        self._offload = offload
        self.all_messages: list[dict[str, Any]] = [dict(m) for m in messages]
        self.completions: list[ParsedChatCompletion[Any]] = []
        self.total_usage: CompletionUsage | None = None
        self._batches: AsyncIterator[list[Any]] | None = None
        self._pending: list[Any] = []

    # -- results -----------------------------------------------------------------------------

    async def until_done(self) -> Self:
        """Run the loop to its end."""
        while await self.next_batch():
            pass
        return self

    async def final_completion(self) -> ParsedChatCompletion[Any]:
        """The last round's completion."""
        await self.until_done()
        return self.completions[-1]

    async def final_message(self) -> ParsedChatCompletionMessage[Any]:
        """The model's last message."""
        return (await self.final_completion()).choices[0].message

    async def final_content(self) -> str | None:
        """The text of the model's last message."""
        return (await self.final_message()).content

    # -- iteration ---------------------------------------------------------------------------

    async def next_batch(self) -> list[Any]:
        """The next items (a round's completion, or a batch of stream events); ``[]`` at the end."""
        if self._pending:
            pending, self._pending = self._pending, []
            return pending
        if self._batches is None:
            self._batches = self._run()
        try:
            return await self._batches.__anext__()
        except StopAsyncIteration:
            return []

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._items()

    async def _items(self) -> AsyncIterator[Any]:
        while batch := await self.next_batch():
            for item in batch:
                yield item

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> AsyncIterator[list[Any]]:
        for _ in range(self._max_rounds):
            if self._stream:
                completion = None
                async for batch in self._streamed_round():
                    if isinstance(batch, ParsedChatCompletion):
                        completion = cast("ParsedChatCompletion[Any]", batch)  # type: ignore[redundant-cast]
                    else:
                        yield cast("list[Any]", batch)
                assert completion is not None
            else:
                raw = await self._create(**self._params, messages=self.all_messages)
                completion = parse_chat_completion(raw, None, self._tools.values(), check=False)
                yield [completion]
            if not await self._after_round(completion):
                return
        raise ToolRoundLimitError(self._max_rounds, self.all_messages)

    async def _streamed_round(self) -> AsyncIterator[list[ChatCompletionStreamEvent] | Any]:
        params = {**self._params, "messages": self.all_messages}
        stream = await open_chat_stream(
            self._create, params, None, self._tools.values(), lenient=True
        )
        async with stream:
            while batch := await stream.next_batch():
                yield batch
        yield stream.state.final_completion()

    async def _after_round(self, completion: ParsedChatCompletion[Any]) -> bool:
        """Record the round and run its tool calls; whether another round is needed."""
        self.completions.append(completion)
        self.total_usage = _add_usage(self.total_usage, completion.usage)
        message = completion.choices[0].message
        await self._add_message(assistant_param(message))
        calls = [call for call in message.tool_calls or () if call.type == "function"]
        if not calls:
            return False
        results = await asyncio.gather(*(self._run_call(call) for call in calls))
        for call, content in zip(calls, results, strict=True):
            await self._add_message({"role": "tool", "tool_call_id": call.id, "content": content})
        forced = self._forced
        return forced is None or not any(call.function.name == forced for call in calls)

    async def _add_message(self, message: dict[str, Any]) -> None:
        self.all_messages.append(message)
        if self._on_message is not None:
            await self._callback(self._on_message, message)

    async def _run_call(self, call: Any) -> str:
        if self._on_tool_call is not None:
            await self._callback(self._on_tool_call, call)
        name: str = call.function.name
        tool = self._tools.get(name)
        if tool is None:
            return f"Error: there is no tool named {name!r}."
        try:
            parsed = tool.parse_arguments(call.function.arguments)
        except Exception as exc:  # any parse failure goes back to the model
            return f"Error: invalid arguments for {name}: {exc}"
        try:
            result = await self._invoke(cast("Callable[..., Any]", tool.function), tool, parsed)
        except Exception as exc:  # the model sees the failure and may retry differently
            return f"Error: {type(exc).__name__}: {exc}"
        return tool_result_content(result)

    async def _invoke(self, function: Callable[..., Any], tool: FunctionTool, parsed: Any) -> Any:
        kwargs = tool.call_kwargs(parsed)
        if inspect.iscoroutinefunction(function):
            return await function(**kwargs)
        import anyio.to_thread

        result = await anyio.to_thread.run_sync(lambda: function(**kwargs))
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _callback(self, fn: Callable[..., Any], arg: Any) -> None:
        if self._offload and not inspect.iscoroutinefunction(fn):
            import anyio.to_thread

            await anyio.to_thread.run_sync(fn, arg)
            return
        result = fn(arg)
        if inspect.isawaitable(result):
            await result


class ToolRunner:
    """The blocking face of ``AsyncToolRunner``; items cross the portal a batch at a time."""

    __slots__ = ("_async", "_portal")

    def __init__(self, async_runner: AsyncToolRunner, portal: PortalThread) -> None:
        self._async = async_runner
        self._portal = portal

    @property
    def all_messages(self) -> list[dict[str, Any]]:
        """The conversation so far, as request params."""
        return self._async.all_messages

    @property
    def completions(self) -> list[ParsedChatCompletion[Any]]:
        """Every round's completion so far."""
        return self._async.completions

    @property
    def total_usage(self) -> CompletionUsage | None:
        """Usage summed over the rounds so far."""
        return self._async.total_usage

    def __iter__(self) -> Iterator[Any]:
        while batch := self._portal.run(self._async.next_batch):
            yield from batch

    def until_done(self) -> Self:
        """Run the loop to its end."""
        self._portal.run(self._async.until_done)
        return self

    def final_completion(self) -> ParsedChatCompletion[Any]:
        """The last round's completion."""
        return self._portal.run(self._async.final_completion)

    def final_message(self) -> ParsedChatCompletionMessage[Any]:
        """The model's last message."""
        return self._portal.run(self._async.final_message)

    def final_content(self) -> str | None:
        """The text of the model's last message."""
        return self._portal.run(self._async.final_content)
