"""The Responses API: ``POST /responses`` (object or event stream), retrieve and delete."""

from __future__ import annotations

from .._router import Router
from .._script import Answer, count_tokens, json_list, json_obj, split_tokens, text_of
from .._state import Backend
from .._types import JSON, Call, Reply, json_reply, not_found, sse_event, sse_reply

__all__ = ["echo_response", "register"]


def _input_text(body: JSON) -> str:
    raw = body.get("input")
    if isinstance(raw, str):
        return raw
    for item in reversed(json_list(raw)):
        fields = json_obj(item)
        if fields.get("type") == "function_call_output":
            return f"The tool returned: {fields.get('output')}"
        if fields.get("role") == "user":
            return text_of(fields.get("content"))
    return ""


def echo_response(body: JSON) -> str:
    """Default answer: repeat the input text (or report the last function call output)."""
    text = _input_text(body)
    return text if text.startswith("The tool returned: ") else f"You said: {text}"


def _message_item(backend: Backend, answer: Answer) -> JSON:
    if answer.refusal is not None:
        part: JSON = {"type": "refusal", "refusal": answer.refusal}
    else:
        part = {"type": "output_text", "text": answer.text or "", "annotations": [], "logprobs": []}
    return {
        "id": backend.new_id("msg_"),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [part],
    }


def _function_items(backend: Backend, answer: Answer) -> list[JSON]:
    return [
        {
            "id": backend.new_id("fc_"),
            "type": "function_call",
            "status": "completed",
            "call_id": call.id or backend.new_id("call_"),
            "name": call.name,
            "arguments": call.arguments,
        }
        for call in answer.tool_calls
    ]


def _output(backend: Backend, answer: Answer) -> list[JSON]:
    items = _function_items(backend, answer)
    if answer.text is not None or answer.refusal is not None or not items:
        items.insert(0, _message_item(backend, answer))
    return items


def _usage(body: JSON, output: list[JSON]) -> JSON:
    prompt = count_tokens(_input_text(body) + str(body.get("instructions") or ""))
    completion = count_tokens(str(output))
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def _response(backend: Backend, body: JSON, output: list[JSON]) -> JSON:
    return {
        "id": backend.new_id("resp_"),
        "object": "response",
        "created_at": backend.now(),
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body["model"],
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": _usage(body, output),
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


class _Events:
    """Builds a numbered Responses event stream."""

    def __init__(self) -> None:
        self.events: list[bytes] = []

    def add(self, kind: str, **fields: object) -> None:
        data = {"type": kind, "sequence_number": len(self.events), **fields}
        self.events.append(sse_event(data, event=kind))


def _stream_message(events: _Events, index: int, item: JSON) -> None:
    part = json_obj(item["content"][0])
    empty = {**part, "text": ""} if part["type"] == "output_text" else {**part, "refusal": ""}
    events.add(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress", "content": []},
    )
    ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
    events.add("response.content_part.added", **ids, part=empty)
    if part["type"] == "output_text":
        for piece in split_tokens(part["text"]):
            events.add("response.output_text.delta", **ids, delta=piece, logprobs=[])
        events.add("response.output_text.done", **ids, text=part["text"], logprobs=[])
    else:
        for piece in split_tokens(part["refusal"]):
            events.add("response.refusal.delta", **ids, delta=piece)
        events.add("response.refusal.done", **ids, refusal=part["refusal"])
    events.add("response.content_part.done", **ids, part=part)
    events.add("response.output_item.done", output_index=index, item=item)


def _stream_function(events: _Events, index: int, item: JSON) -> None:
    events.add(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress", "arguments": ""},
    )
    args: str = item["arguments"]
    for start in range(0, len(args), 8):
        events.add(
            "response.function_call_arguments.delta",
            item_id=item["id"],
            output_index=index,
            delta=args[start : start + 8],
        )
    events.add(
        "response.function_call_arguments.done",
        item_id=item["id"],
        output_index=index,
        name=item["name"],
        arguments=args,
    )
    events.add("response.output_item.done", output_index=index, item=item)


def _stream(response: JSON) -> Reply:
    events = _Events()
    start: JSON = {**response, "status": "in_progress", "output": [], "usage": None}
    events.add("response.created", response=start)
    events.add("response.in_progress", response=start)
    for index, item in enumerate(json_list(response["output"])):
        if item["type"] == "message":
            _stream_message(events, index, item)
        else:
            _stream_function(events, index, item)
    events.add("response.completed", response=response)

    def error_event(at: int) -> bytes:
        error = {
            "type": "error",
            "code": "server_error",
            "message": "The server had an error while streaming.",
            "param": None,
            "sequence_number": at,
        }
        return sse_event(error, event="error")

    return sse_reply(events.events, error_event)


def register(router: Router, backend: Backend) -> None:
    stored = backend.table("responses")

    async def create(call: Call) -> Reply:
        body = call.json()
        answer = backend.responses.next(body)
        response = _response(backend, body, _output(backend, answer))
        if body.get("store", True):
            stored[response["id"]] = response
        return _stream(response) if body.get("stream") else json_reply(response)

    def find(call: Call) -> JSON:
        response = stored.get(call.params["response_id"])
        if response is None:
            raise not_found("response", call.params["response_id"], "response_id")
        return response

    async def retrieve(call: Call) -> Reply:
        return json_reply(find(call))

    async def delete(call: Call) -> Reply:
        response = find(call)
        del stored[response["id"]]
        return json_reply({"id": response["id"], "object": "response.deleted", "deleted": True})

    router.add("POST", "/responses", create)
    router.add("GET", "/responses/{response_id}", retrieve)
    router.add("DELETE", "/responses/{response_id}", delete)
