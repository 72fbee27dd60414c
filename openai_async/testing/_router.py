"""Route table of the fake server: ``METHOD /template/{param}`` keys mapped to handlers.

Paths are matched without the ``/v1`` prefix, so the fake answers both at the root and under
``/v1``. The same table serves HTTP requests and the batch engine's internal calls.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ._multipart import read_form
from ._types import ApiError, Call, Reply, error_reply
from ._validate import FORM_SHAPES, validate, validate_form

__all__ = ["Handler", "Match", "Router", "run", "strip_version"]

Handler = Callable[[Call], Awaitable[Reply]]

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Match:
    key: str
    handler: Handler
    params: dict[str, str]
    pollable: bool = False
    """The route answers with a long-running object (the server adds ``openai-poll-after-ms``)."""


@dataclass(frozen=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    pollable: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


def strip_version(path: str) -> str:
    """``/v1/files`` -> ``/files``; other paths unchanged."""
    if path == "/v1":
        return "/"
    return path[3:] if path.startswith("/v1/") else path


class Router:
    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler, *, pollable: bool = False) -> None:
        """Serve ``method template``; ``pollable`` marks answers that are long-running objects."""
        regex = _PARAM.sub(
            r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        )
        pattern = re.compile(f"^{regex}$")
        self._routes.append(_Route(method, template, pattern, handler, pollable))

    def match(self, method: str, path: str) -> Match | None:
        """The handler for ``method`` and a path with or without ``/v1``."""
        bare = strip_version(path)
        best: Match | None = None
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(bare)
            # A literal segment beats a parameter: ``/threads/runs`` over ``/threads/{id}``.
            if found is not None and (best is None or len(found.groupdict()) < len(best.params)):
                best = Match(route.key, route.handler, found.groupdict(), route.pollable)
        return best

    @property
    def keys(self) -> list[str]:
        return [route.key for route in self._routes]


async def run(match: Match, call: Call) -> Reply:
    """Validate the request against its route's rules, run the handler, map errors to replies."""
    try:
        if call.method == "POST" and call.content_type in ("", "application/json"):
            validate(match.key, call.json())
        elif call.content_type == "multipart/form-data" and match.key in FORM_SHAPES:
            validate_form(match.key, await read_form(call))
        return await match.handler(call)
    except ApiError as error:
        return error_reply(error)
