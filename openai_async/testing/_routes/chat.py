"""``POST /chat/completions``: scripted answers, as one object or as an SSE chunk stream."""

from __future__ import annotations

from typing import Any

from .._router import Router
from .._script import Answer, ToolCall, count_tokens, json_list, json_obj, split_tokens, text_of
from .._state import Backend
from .._types import JSON, Call, Reply, json_reply, sse_event, sse_reply

__all__ = ["chat_completion", "echo_chat", "register"]

_DONE = b"data: [DONE]\n\n"


def echo_chat(body: JSON) -> str:
    """Default answer: repeat the last user message (or report the last tool result)."""
    messages = json_list(body.get("messages"))
    if messages and json_obj(messages[-1]).get("role") == "tool":
        return f"The tool returned: {text_of(json_obj(messages[-1]).get('content'))}"
    for message in reversed(messages):
        fields = json_obj(message)
        if fields.get("role") == "user":
            return f"You said: {text_of(fields.get('content'))}"
    return "Hello from the fake OpenAI server."


def _prompt_tokens(body: JSON) -> int:
    return sum(
        count_tokens(text_of(json_obj(m).get("content"))) for m in json_list(body.get("messages"))
    )


def _answer_tokens(answer: Answer) -> int:
    text = (answer.text or "") + (answer.refusal or "")
    text += "".join(call.name + call.arguments for call in answer.tool_calls)
    return count_tokens(text)


def _usage(prompt: int, completion: int) -> JSON:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _tool_call(call: ToolCall) -> JSON:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }


def _message(answer: Answer) -> JSON:
    message: JSON = {
        "role": "assistant",
        "content": answer.text,
        "refusal": answer.refusal,
        "annotations": [],
    }
    if answer.tool_calls:
        message["tool_calls"] = [_tool_call(call) for call in answer.tool_calls]
    return message


def _base(backend: Backend, body: JSON, obj: str) -> JSON:
    return {
        "id": backend.new_id("chatcmpl-"),
        "object": obj,
        "created": backend.now(),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def _with_ids(backend: Backend, answer: Answer) -> Answer:
    calls = [
        ToolCall(c.name, c.arguments, c.id or backend.new_id("call_")) for c in answer.tool_calls
    ]
    return Answer(
        text=answer.text,
        tool_calls=calls,
        refusal=answer.refusal,
        stop_reason=answer.stop_reason,
        logprobs=answer.logprobs,
    )


def _token_logprob(token: str, position: int, top: int) -> JSON:
    """A deterministic logprob entry for ``token`` with ``top`` alternatives."""
    value = -round(0.01 * (position % 50 + 1), 4)
    alternatives = [
        {"token": token, "logprob": value, "bytes": list(token.encode())},
        *(
            {"token": f"{token}~{k}", "logprob": value - k, "bytes": list(f"{token}~{k}".encode())}
            for k in range(1, top)
        ),
    ]
    return {**alternatives[0], "top_logprobs": alternatives[:top]}


def _logprobs(body: JSON, answer: Answer, tokens: list[str], start: int = 0) -> JSON | None:
    """The ``logprobs`` of a choice covering ``tokens``, when asked for (else ``None``)."""
    if not (body.get("logprobs") or answer.logprobs):
        return None
    top = body.get("top_logprobs")
    count = top if isinstance(top, int) and top > 0 else 0
    entries = [_token_logprob(t, start + i, count) for i, t in enumerate(tokens)]
    return {"content": entries, "refusal": None}


def chat_completion(backend: Backend, body: JSON) -> Reply:
    """The reply to a chat completion request (already validated)."""
    answer = _with_ids(backend, backend.chat.next(body))
    n = body.get("n") or 1
    if body.get("stream"):
        return _stream(backend, body, answer, n)
    choices = [
        {
            "index": i,
            "message": _message(answer),
            "logprobs": _logprobs(body, answer, split_tokens(answer.text or "")),
            "finish_reason": answer.finish_reason,
        }
        for i in range(n)
    ]
    completion = _answer_tokens(answer) * n
    return json_reply(
        {
            **_base(backend, body, "chat.completion"),
            "choices": choices,
            "usage": _usage(_prompt_tokens(body), completion),
        }
    )


def _deltas(answer: Answer) -> list[JSON]:
    deltas: list[JSON] = [{"role": "assistant", "content": "", "refusal": None}]
    if answer.refusal is not None:
        deltas[0]["content"] = None
        deltas += [{"refusal": piece} for piece in split_tokens(answer.refusal)]
    deltas += [{"content": piece} for piece in split_tokens(answer.text or "")]
    for index, call in enumerate(answer.tool_calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        deltas.append({"tool_calls": [head]})
        for piece in _pieces(call.arguments):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _stream(backend: Backend, body: JSON, answer: Answer, n: int) -> Reply:
    base = _base(backend, body, "chat.completion.chunk")
    include_usage = bool(json_obj(body.get("stream_options")).get("include_usage"))
    extra: JSON = {"usage": None} if include_usage else {}
    events: list[bytes] = []
    for index in range(n):
        for position, delta in enumerate(_deltas(answer)):
            content = delta.get("content")
            tokens = [content] if isinstance(content, str) and content else []
            choice: dict[str, Any] = {
                "index": index,
                "delta": delta,
                "logprobs": _logprobs(body, answer, tokens, position) if tokens else None,
                "finish_reason": None,
            }
            events.append(sse_event({**base, "choices": [choice], **extra}))
        finish: JSON = {
            "index": index,
            "delta": {},
            "logprobs": None,
            "finish_reason": answer.finish_reason,
        }
        events.append(sse_event({**base, "choices": [finish], **extra}))
    if include_usage:
        usage = _usage(_prompt_tokens(body), _answer_tokens(answer) * n)
        events.append(sse_event({**base, "choices": [], "usage": usage}))
    events.append(_DONE)
    return sse_reply(events, _error_event)


def _error_event(_index: int) -> bytes:
    error = {
        "message": "The server had an error while streaming.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    return sse_event({"error": error})


def register(router: Router, backend: Backend) -> None:
    async def create(call: Call) -> Reply:
        return chat_completion(backend, call.json())

    router.add("POST", "/chat/completions", create)
