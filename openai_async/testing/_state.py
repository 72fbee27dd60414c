"""In-memory state of one fake server: clock, ids, scripts, and the stores the routes share."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._router import Router
from ._script import Script
from ._types import JSON

__all__ = ["Backend", "Progress", "StoredFile"]


@dataclass
class Progress:
    """Counts polls until a long-running object is done."""

    left: int

    def tick(self) -> None:
        if self.left > 0:
            self.left -= 1

    @property
    def done(self) -> bool:
        return self.left <= 0


@dataclass
class StoredFile:
    """A file's object and bytes; ``progress`` counts the polls left until it is processed."""

    meta: JSON
    content: bytes
    progress: Progress | None = None

    def poll(self) -> JSON:
        if self.progress is not None and self.meta["status"] == "uploaded":
            self.progress.tick()
            if self.progress.done:
                self.meta["status"] = "processed"
        return self.meta


@dataclass
class Backend:
    """Everything route handlers share.

    ``polls``: how many polls a job takes to finish. ``file_polls``: how many retrieves an
    uploaded file stays ``uploaded`` before it is ``processed`` (0: processed at once).
    ``poll_after_ms``: the ``openai-poll-after-ms`` header on long-running objects (None: none).
    """

    chat: Script
    responses: Script
    runs: Script
    clock: Callable[[], float] = time.time
    polls: int = 2
    file_polls: int = 0
    poll_after_ms: int | None = None
    router: Router = field(default_factory=Router)
    files: dict[str, StoredFile] = field(default_factory=dict[str, StoredFile])
    objects: dict[str, dict[str, JSON]] = field(default_factory=dict[str, dict[str, JSON]])
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def now(self) -> int:
        return int(self.clock())

    def new_id(self, prefix: str) -> str:
        """A unique id such as ``file-fake00000007`` (``prefix`` includes its separator)."""
        return f"{prefix}fake{next(self._counter):08d}"

    def table(self, name: str) -> dict[str, JSON]:
        """A named in-memory table of JSON objects, kept in creation order."""
        return self.objects.setdefault(name, {})
