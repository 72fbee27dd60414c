"""Assistants, threads, messages, runs and run steps (the Assistants API, beta v2).

A run is ``queued``, then ``in_progress`` on the first poll, and settles after
``backend.polls`` polls: ``requires_action`` when the script asks for tool calls (answer them
with ``submit_tool_outputs``), else ``completed`` with an assistant message in the thread.
With ``stream=True`` the run settles at once and its events are streamed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .._pages import cursor_page
from .._router import Router
from .._script import Answer, ToolCall, count_tokens, json_list, json_obj, split_tokens, text_of
from .._state import Backend, Progress
from .._types import JSON, ApiError, Call, Reply, json_reply, not_found, sse_event, sse_reply

__all__ = ["echo_run", "register"]

_DONE = b"event: done\ndata: [DONE]\n\n"
_OPEN = ("queued", "in_progress", "requires_action")


def echo_run(request: JSON) -> str:
    """Default answer: report submitted tool outputs, else repeat the last user message."""
    outputs = json_list(request.get("tool_outputs"))
    if outputs:
        return "The tool returned: " + "; ".join(str(json_obj(o).get("output")) for o in outputs)
    for message in reversed(json_list(request.get("messages"))):
        if json_obj(message).get("role") == "user":
            return f"You said: {json_obj(message).get('content')}"
    return "Hello from the fake OpenAI server."


def _content(raw: object) -> list[JSON]:
    if isinstance(raw, str):
        return [{"type": "text", "text": {"value": raw, "annotations": []}}]
    parts: list[JSON] = []
    for part in json_list(raw):
        fields = json_obj(part)
        if fields.get("type") == "text":
            parts.append(
                {"type": "text", "text": {"value": str(fields.get("text")), "annotations": []}}
            )
        else:
            parts.append(fields)
    return parts


@dataclass
class _Run:
    obj: JSON
    answer: Answer
    progress: Progress
    steps: dict[str, JSON] = field(default_factory=dict[str, JSON])


class _Events:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.events: list[bytes] = []

    def add(self, kind: str, data: JSON) -> None:
        if self.enabled:
            self.events.append(sse_event(data, event=kind))

    def reply(self) -> Reply:
        def error_event(_at: int) -> bytes:
            error = {
                "code": "server_error",
                "message": "The run failed while streaming.",
                "param": None,
                "type": "server_error",
            }
            return sse_event(error, event="error")

        return sse_reply([*self.events, _DONE], error_event)


class _Assistants:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.assistants = backend.table("assistants")
        self.threads = backend.table("threads")
        self.messages: dict[str, dict[str, JSON]] = {}
        self.runs: dict[str, dict[str, _Run]] = {}

    # -- lookups -----------------------------------------------------------------------------

    def thread(self, call: Call) -> JSON:
        found = self.threads.get(call.params["thread_id"])
        if found is None:
            raise not_found("thread", call.params["thread_id"], "thread_id")
        return found

    def assistant(self, assistant_id: str) -> JSON:
        found = self.assistants.get(assistant_id)
        if found is None:
            raise not_found("assistant", assistant_id, "assistant_id")
        return found

    def run(self, call: Call) -> _Run:
        found = self.runs.get(self.thread(call)["id"], {}).get(call.params["run_id"])
        if found is None:
            raise not_found("run", call.params["run_id"], "run_id")
        return found

    # -- objects -----------------------------------------------------------------------------

    def new_thread(self, body: JSON) -> JSON:
        thread: JSON = {
            "id": self.backend.new_id("thread_"),
            "object": "thread",
            "created_at": self.backend.now(),
            "tool_resources": body.get("tool_resources") or {},
            "metadata": body.get("metadata") or {},
        }
        self.threads[thread["id"]] = thread
        self.messages[thread["id"]] = {}
        self.runs[thread["id"]] = {}
        for message in json_list(body.get("messages")):
            fields = json_obj(message)
            self.new_message(
                thread["id"], str(fields.get("role")), fields.get("content"), fields.get("metadata")
            )
        return thread

    def new_message(
        self,
        thread_id: str,
        role: str,
        content: object,
        metadata: object = None,
        run: JSON | None = None,
    ) -> JSON:
        message: JSON = {
            "id": self.backend.new_id("msg_"),
            "object": "thread.message",
            "created_at": self.backend.now(),
            "thread_id": thread_id,
            "status": "completed",
            "incomplete_details": None,
            "completed_at": self.backend.now(),
            "incomplete_at": None,
            "role": role,
            "content": _content(content),
            "assistant_id": run["assistant_id"] if run else None,
            "run_id": run["id"] if run else None,
            "attachments": [],
            "metadata": metadata or {},
        }
        self.messages[thread_id][message["id"]] = message
        return message

    def new_step(self, run: _Run, kind: str, details: JSON) -> JSON:
        obj = run.obj
        step: JSON = {
            "id": self.backend.new_id("step_"),
            "object": "thread.run.step",
            "created_at": self.backend.now(),
            "assistant_id": obj["assistant_id"],
            "thread_id": obj["thread_id"],
            "run_id": obj["id"],
            "type": kind,
            "status": "in_progress",
            "step_details": {"type": kind, kind: details},
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        run.steps[step["id"]] = step
        return step

    def transcript(self, thread_id: str) -> list[JSON]:
        return [
            {"role": m["role"], "content": text_of(m["content"])}
            for m in self.messages[thread_id].values()
        ]

    def new_run(self, thread: JSON, body: JSON) -> _Run:
        assistant = self.assistant(body["assistant_id"])
        for message in json_list(body.get("additional_messages")):
            fields = json_obj(message)
            self.new_message(thread["id"], str(fields.get("role")), fields.get("content"))
        now = self.backend.now()
        obj: JSON = {
            "id": self.backend.new_id("run_"),
            "object": "thread.run",
            "created_at": now,
            "thread_id": thread["id"],
            "assistant_id": assistant["id"],
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": now + 600,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "incomplete_details": None,
            "model": body.get("model") or assistant["model"],
            "instructions": body.get("instructions") or assistant["instructions"] or "",
            "tools": body.get("tools") or assistant["tools"],
            "metadata": body.get("metadata") or {},
            "usage": None,
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "max_prompt_tokens": None,
            "max_completion_tokens": None,
            "truncation_strategy": {"type": "auto", "last_messages": None},
            "tool_choice": body.get("tool_choice", "auto"),
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": body.get("response_format", "auto"),
        }
        request = {**body, "thread_id": thread["id"], "messages": self.transcript(thread["id"])}
        run = _Run(obj, self._answer(request), Progress(self.backend.polls))
        self.runs[thread["id"]][obj["id"]] = run
        return run

    def _answer(self, request: JSON) -> Answer:
        answer = self.backend.runs.next(request)
        calls = [
            ToolCall(c.name, c.arguments, c.id or self.backend.new_id("call_"))
            for c in answer.tool_calls
        ]
        return Answer(text=answer.text, tool_calls=calls, refusal=answer.refusal)

    # -- run progress ------------------------------------------------------------------------

    def start(self, run: _Run, events: _Events) -> None:
        run.obj["status"] = "in_progress"
        run.obj["started_at"] = run.obj["started_at"] or self.backend.now()
        events.add("thread.run.in_progress", run.obj)

    def poll(self, run: _Run) -> None:
        if run.obj["status"] == "cancelling":
            run.obj["status"] = "cancelled"
            run.obj["cancelled_at"] = self.backend.now()
        if run.obj["status"] not in ("queued", "in_progress"):
            return
        run.progress.tick()
        self.start(run, _Events(False))
        if run.progress.done:
            self.settle(run, _Events(False))

    def settle(self, run: _Run, events: _Events) -> None:
        if run.answer.tool_calls:
            self._ask_for_tools(run, events)
        else:
            self._complete(run, events)

    def _ask_for_tools(self, run: _Run, events: _Events) -> None:
        calls: list[JSON] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in run.answer.tool_calls
        ]
        step = self.new_step(run, "tool_calls", {"tool_calls": []})
        events.add("thread.run.step.created", step)
        events.add("thread.run.step.in_progress", step)
        with_output: list[JSON] = [
            {**c, "function": {**c["function"], "output": None}} for c in calls
        ]
        step["step_details"]["tool_calls"] = with_output
        delta: JSON = {
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [{"index": i, **c} for i, c in enumerate(with_output)],
            }
        }
        events.add(
            "thread.run.step.delta",
            {"id": step["id"], "object": "thread.run.step.delta", "delta": delta},
        )
        run.obj["status"] = "requires_action"
        run.obj["required_action"] = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {"tool_calls": calls},
        }
        events.add("thread.run.requires_action", run.obj)

    def _complete(self, run: _Run, events: _Events) -> None:
        text = run.answer.text if run.answer.text is not None else run.answer.refusal or ""
        message = self.new_message(run.obj["thread_id"], "assistant", text, run=run.obj)
        step = self.new_step(run, "message_creation", {"message_id": message["id"]})
        events.add("thread.run.step.created", step)
        events.add("thread.run.step.in_progress", step)
        events.add(
            "thread.message.created",
            {**message, "status": "in_progress", "content": [], "completed_at": None},
        )
        events.add(
            "thread.message.in_progress",
            {**message, "status": "in_progress", "content": [], "completed_at": None},
        )
        for piece in split_tokens(text):
            part: JSON = {"index": 0, "type": "text", "text": {"value": piece, "annotations": []}}
            events.add(
                "thread.message.delta",
                {
                    "id": message["id"],
                    "object": "thread.message.delta",
                    "delta": {"content": [part]},
                },
            )
        events.add("thread.message.completed", message)
        now = self.backend.now()
        step.update(status="completed", completed_at=now)
        events.add("thread.run.step.completed", step)
        prompt = sum(count_tokens(m["content"]) for m in self.transcript(run.obj["thread_id"]))
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": count_tokens(text),
            "total_tokens": prompt + count_tokens(text),
        }
        step["usage"] = usage
        run.obj.update(status="completed", completed_at=now, required_action=None, usage=usage)
        events.add("thread.run.completed", run.obj)

    def submit(self, run: _Run, outputs: list[JSON], events: _Events) -> None:
        if run.obj["status"] != "requires_action":
            raise ApiError(
                400,
                f"Runs in status '{run.obj['status']}' do not accept tool outputs.",
                param="run_id",
            )
        wanted = {c.id for c in run.answer.tool_calls}
        given = {str(o.get("tool_call_id")) for o in outputs}
        if wanted - given:
            missing = sorted(i for i in wanted - given if i)[0]
            raise ApiError(
                400,
                f"Expected tool outputs for call ids {sorted(i for i in wanted if i)}; missing '{missing}'.",
                param="tool_outputs",
            )
        for step in run.steps.values():
            if step["type"] == "tool_calls" and step["status"] == "in_progress":
                for tool_call in step["step_details"]["tool_calls"]:
                    tool_call["function"]["output"] = next(
                        str(o.get("output"))
                        for o in outputs
                        if o.get("tool_call_id") == tool_call["id"]
                    )
                step.update(status="completed", completed_at=self.backend.now())
        run.obj.update(status="queued", required_action=None)
        events.add("thread.run.queued", run.obj)
        request = {
            **run.obj,
            "messages": self.transcript(run.obj["thread_id"]),
            "tool_outputs": outputs,
        }
        run.answer = self._answer(request)
        run.progress = Progress(self.backend.polls)


Handler = Callable[[Call], Awaitable[Reply]]


def _beta(handler: Handler) -> Handler:
    async def checked(call: Call) -> Reply:
        if "assistants=v2" not in call.headers.get("openai-beta", ""):
            raise ApiError(
                400,
                "The Assistants API needs the header 'OpenAI-Beta: assistants=v2'.",
                param="OpenAI-Beta",
            )
        return await handler(call)

    return checked


def _deleted(obj: JSON) -> Reply:
    return json_reply({"id": obj["id"], "object": f"{obj['object']}.deleted", "deleted": True})


def _register_assistants(router: Router, a: _Assistants) -> None:
    async def create(call: Call) -> Reply:
        body = call.json()
        obj: JSON = {
            "id": a.backend.new_id("asst_"),
            "object": "assistant",
            "created_at": a.backend.now(),
            "name": body.get("name"),
            "description": body.get("description"),
            "model": body["model"],
            "instructions": body.get("instructions"),
            "tools": body.get("tools") or [],
            "tool_resources": body.get("tool_resources") or {},
            "metadata": body.get("metadata") or {},
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "response_format": body.get("response_format", "auto"),
        }
        a.assistants[obj["id"]] = obj
        return json_reply(obj)

    async def list_all(call: Call) -> Reply:
        return json_reply(cursor_page(a.assistants.values(), call.query))

    async def retrieve(call: Call) -> Reply:
        return json_reply(a.assistant(call.params["assistant_id"]))

    async def delete(call: Call) -> Reply:
        obj = a.assistant(call.params["assistant_id"])
        del a.assistants[obj["id"]]
        return _deleted(obj)

    router.add("POST", "/assistants", _beta(create))
    router.add("GET", "/assistants", _beta(list_all))
    router.add("GET", "/assistants/{assistant_id}", _beta(retrieve))
    router.add("DELETE", "/assistants/{assistant_id}", _beta(delete))


def _register_threads(router: Router, a: _Assistants) -> None:
    async def create(call: Call) -> Reply:
        return json_reply(a.new_thread(call.json()))

    async def retrieve(call: Call) -> Reply:
        return json_reply(a.thread(call))

    async def update(call: Call) -> Reply:
        thread = a.thread(call)
        body = call.json()
        for key in ("metadata", "tool_resources"):
            if key in body:
                thread[key] = body[key]
        return json_reply(thread)

    async def delete(call: Call) -> Reply:
        thread = a.thread(call)
        del a.threads[thread["id"]]
        return _deleted(thread)

    async def create_message(call: Call) -> Reply:
        body = call.json()
        thread = a.thread(call)
        return json_reply(
            a.new_message(thread["id"], body["role"], body["content"], body.get("metadata"))
        )

    async def list_messages(call: Call) -> Reply:
        messages = a.messages[a.thread(call)["id"]].values()
        run_id = call.query.get("run_id")
        return json_reply(
            cursor_page([m for m in messages if run_id in (None, m["run_id"])], call.query)
        )

    async def retrieve_message(call: Call) -> Reply:
        found = a.messages[a.thread(call)["id"]].get(call.params["message_id"])
        if found is None:
            raise not_found("message", call.params["message_id"], "message_id")
        return json_reply(found)

    router.add("POST", "/threads", _beta(create))
    router.add("GET", "/threads/{thread_id}", _beta(retrieve))
    router.add("POST", "/threads/{thread_id}", _beta(update))
    router.add("DELETE", "/threads/{thread_id}", _beta(delete))
    router.add("POST", "/threads/{thread_id}/messages", _beta(create_message))
    router.add("GET", "/threads/{thread_id}/messages", _beta(list_messages))
    router.add("GET", "/threads/{thread_id}/messages/{message_id}", _beta(retrieve_message))


def _launch(a: _Assistants, thread: JSON, body: JSON) -> Reply:
    run = a.new_run(thread, body)
    if not body.get("stream"):
        return json_reply(run.obj)
    events = _Events(True)
    events.add("thread.run.created", run.obj)
    events.add("thread.run.queued", run.obj)
    a.start(run, events)
    a.settle(run, events)
    return events.reply()


def _register_runs(router: Router, a: _Assistants) -> None:
    async def create(call: Call) -> Reply:
        return _launch(a, a.thread(call), call.json())

    async def create_thread_and_run(call: Call) -> Reply:
        body = call.json()
        return _launch(a, a.new_thread(json_obj(body.get("thread"))), body)

    async def list_runs(call: Call) -> Reply:
        return json_reply(
            cursor_page([r.obj for r in a.runs[a.thread(call)["id"]].values()], call.query)
        )

    async def retrieve(call: Call) -> Reply:
        run = a.run(call)
        a.poll(run)
        return json_reply(run.obj)

    async def cancel(call: Call) -> Reply:
        run = a.run(call)
        if run.obj["status"] not in _OPEN:
            raise ApiError(
                400, f"Cannot cancel run with status '{run.obj['status']}'.", param="run_id"
            )
        run.obj["status"] = "cancelling"
        return json_reply(run.obj)

    async def submit_tool_outputs(call: Call) -> Reply:
        run = a.run(call)
        body = call.json()
        events = _Events(bool(body.get("stream")))
        a.submit(run, [json_obj(o) for o in body["tool_outputs"]], events)
        if not events.enabled:
            return json_reply(run.obj)
        a.start(run, events)
        a.settle(run, events)
        return events.reply()

    async def list_steps(call: Call) -> Reply:
        return json_reply(cursor_page(a.run(call).steps.values(), call.query))

    async def retrieve_step(call: Call) -> Reply:
        step = a.run(call).steps.get(call.params["step_id"])
        if step is None:
            raise not_found("run step", call.params["step_id"], "step_id")
        return json_reply(step)

    base = "/threads/{thread_id}/runs"
    router.add("POST", "/threads/runs", _beta(create_thread_and_run), pollable=True)
    router.add("POST", base, _beta(create), pollable=True)
    router.add("GET", base, _beta(list_runs))
    router.add("GET", base + "/{run_id}", _beta(retrieve), pollable=True)
    router.add("POST", base + "/{run_id}/cancel", _beta(cancel), pollable=True)
    router.add(
        "POST", base + "/{run_id}/submit_tool_outputs", _beta(submit_tool_outputs), pollable=True
    )
    router.add("GET", base + "/{run_id}/steps", _beta(list_steps))
    router.add("GET", base + "/{run_id}/steps/{step_id}", _beta(retrieve_step))


def register(router: Router, backend: Backend) -> None:
    a = _Assistants(backend)
    _register_assistants(router, a)
    _register_threads(router, a)
    _register_runs(router, a)
