"""Fault injection: make the next N calls to a route fail in a chosen way.

``fake.faults.add(route="POST /chat/completions", kind="status", status=429, retry_after_ms=20)``
Kinds:

- ``status``: answer with ``status`` and an API error body (``body`` overrides it;
  ``error="insufficient_quota"`` picks the quota body). ``retry_after_ms``, ``retry_after``
  (seconds) and ``retry_after_date`` set the matching headers. The handler is not run.
- ``stall``: sleep ``delay`` seconds before the headers (``stage="headers"``) or after them,
  before the body (``stage="body"``).
- ``trickle``: send the body ``chunk_size`` bytes at a time, ``interval`` seconds apart.
- ``drop``: send the headers and the first ``at`` bytes (or SSE events), then cut the connection.
- ``malformed_json``: a 200 whose JSON body is cut short.
- ``malformed_sse``: the stream's event number ``at`` carries broken JSON.
- ``error_event``: the stream stops at event ``at`` with the API's in-band error event.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Literal

from ._router import strip_version
from ._types import JSON

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal[
    "status", "stall", "trickle", "drop", "malformed_json", "malformed_sse", "error_event"
]

_STATUS_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "The request was rejected by a scripted fault."),
    401: ("invalid_request_error", "invalid_api_key", "The API key was rejected."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Access denied."),
    404: ("invalid_request_error", None, "Not found."),
    409: ("invalid_request_error", None, "Conflicting request."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests; retry later."),
    500: ("server_error", None, "The server had an error while processing the request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded; retry later."),
}

_QUOTA_ERROR: JSON = {
    "error": {
        "message": "You exceeded your current quota; check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


@dataclass
class Fault:
    """One scripted failure; ``hits`` counts the requests it has answered."""

    route: str
    kind: FaultKind
    times: int = 1
    status: int = 500
    body: JSON | None = None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict[str, str])
    retry_after_ms: int | None = None
    retry_after: float | None = None
    retry_after_date: datetime | None = None
    delay: float = 0.0
    stage: Literal["headers", "body"] = "headers"
    chunk_size: int = 16
    interval: float = 0.0
    at: int | None = None
    hits: int = 0

    def matches(self, method: str, key: str | None, path: str) -> bool:
        if self.route == "*":
            return True
        want_method, _, want_path = self.route.partition(" ")
        if want_method.upper() != method:
            return False
        want = strip_version(want_path)
        return want in (key.partition(" ")[2] if key else None, strip_version(path))

    def error_body(self) -> JSON:
        if self.body is not None:
            return self.body
        if self.error == "insufficient_quota":
            return _QUOTA_ERROR
        kind, code, message = _STATUS_ERRORS.get(
            self.status, ("server_error", None, f"Scripted error {self.status}.")
        )
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def status_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        if self.retry_after is not None:
            headers["retry-after"] = f"{self.retry_after:g}"
        if self.retry_after_date is not None:
            headers["retry-after"] = format_datetime(self.retry_after_date, usegmt=True)
        headers.update(self.headers)
        return headers


class Faults:
    """The fault queue of one fake server (safe to script from another thread)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        route: str = "*",
        kind: FaultKind = "status",
        *,
        times: int = 1,
        status: int = 500,
        body: JSON | None = None,
        error: str | None = None,
        headers: dict[str, str] | None = None,
        retry_after_ms: int | None = None,
        retry_after: float | None = None,
        retry_after_date: datetime | None = None,
        delay: float = 0.0,
        stage: Literal["headers", "body"] = "headers",
        chunk_size: int = 16,
        interval: float = 0.0,
        at: int | None = None,
    ) -> Fault:
        """Queue a fault for the next ``times`` matching requests; returns it (see ``hits``)."""
        if error == "insufficient_quota" and status == 500:
            status = 429
        fault = Fault(
            route=route,
            kind=kind,
            times=times,
            status=status,
            body=body,
            error=error,
            headers=dict(headers or {}),
            retry_after_ms=retry_after_ms,
            retry_after=retry_after,
            retry_after_date=retry_after_date,
            delay=delay,
            stage=stage,
            chunk_size=max(1, chunk_size),
            interval=interval,
            at=at,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, key: str | None, path: str) -> Fault | None:
        """The first pending fault for this request, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.hits < fault.times and fault.matches(method, key, path):
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.hits < f.times]
