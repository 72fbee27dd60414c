"""The bulk runner: many requests through one client, results in a JSONL file, resumable.

    summary = await openai_async.bulk(client, "requests.jsonl", "results.jsonl", concurrency=32)

Input: a JSONL file, or an iterable of dicts, in the Batch API's request-line format
(``custom_id``, ``method``, ``url`` such as ``/v1/chat/completions``, ``body``). Output: one
line per request in the Batch API's output format, ``{"id", "custom_id", "response":
{"status_code", "request_id", "body"}, "error"}``; ``error`` is set (and ``response`` null)
only when no HTTP answer came back (connection failures, timeouts).

- ``concurrency`` requests are in flight at once, under the client's ``rate_limit`` if it has
  one; each one is retried with the client's retry policy. A failed request is written as
  its line and the job goes on.
- Every result line is written with one ``write`` as soon as it arrives. Running again with
  the same output file skips every ``custom_id`` already in it (a partial last line left by
  a killed process is cut off first), so a job interrupted at any point, even by SIGKILL,
  resumes without repeating or losing a request.
- Cancelling the job (Ctrl-C in the CLI) stops the requests in flight; every line written so
  far is complete.
- ``progress``: ``True`` shows a tqdm bar (``pip install openai_async[progress]``), a
  callable gets a ``BulkProgress`` after every request.

A JSONL input file is checked whole before anything is sent: the first malformed line raises
``BulkInputError`` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Union

import msgspec

from .._exceptions import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError
from .limiter import usage_in

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._sync._client import OpenAI

__all__ = [
    "BulkInputError",
    "BulkProgress",
    "BulkRequest",
    "ProgressBar",
    "ResultsFile",
    "bulk",
    "bulk_sync",
    "check_requests_file",
    "iter_requests",
]

Source = Union[str, "os.PathLike[str]", Iterable[Mapping[str, Any]]]
ProgressCallback = Callable[["BulkProgress"], None]

_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_VERSION_PREFIX: Final = "/v1/"
_ENCODER: Final = msgspec.json.Encoder()
_BAR_REFRESH: Final = 0.5


class BulkInputError(ValueError):
    """A request line that cannot be sent: ``where`` is ``file:line`` or ``item N``."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class _Line(msgspec.Struct):
    custom_id: str
    method: str
    url: str
    body: msgspec.Raw = msgspec.Raw(b"null")


class _Written(msgspec.Struct):
    custom_id: str


_LINE_DECODER: Final = msgspec.json.Decoder(_Line)
_WRITTEN_DECODER: Final = msgspec.json.Decoder(_Written)


class BulkRequest:
    """One validated request: ``custom_id``, HTTP ``method``, ``url`` and ``body``."""

    __slots__ = ("body", "custom_id", "method", "url")

    def __init__(self, custom_id: str, method: str, url: str, body: object) -> None:
        self.custom_id = custom_id
        self.method = method
        self.url = url
        self.body = body

    @property
    def path(self) -> str:
        """The path under the client's base URL (``/v1/chat/completions`` ->
        ``/chat/completions``)."""
        url = self.url
        return url[3:] if url.startswith(_VERSION_PREFIX) else url

    def line(self) -> bytes:
        """The request as a Batch API input line (with its newline)."""
        body = self.body
        return (
            _ENCODER.encode(
                {"custom_id": self.custom_id, "method": self.method, "url": self.url, "body": body}
            )
            + b"\n"
        )


def _checked(custom_id: str, method: str, url: str, body: object) -> BulkRequest:
    if not custom_id:
        raise ValueError("custom_id is empty")
    upper = method.upper()
    if upper not in _METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(sorted(_METHODS))}")
    if not url.startswith("/"):
        raise ValueError(f"url {url!r} must be a path such as /v1/chat/completions")
    return BulkRequest(custom_id, upper, url, body)


def _from_bytes(raw: bytes) -> BulkRequest:
    try:
        line = _LINE_DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    body: object = line.body
    head = bytes(line.body)[:1]
    if head != b"{":
        if head != b"n":  # null (or absent)
            raise ValueError("body must be a JSON object")
        body = None
    return _checked(line.custom_id, line.method, line.url, body)


def _from_mapping(item: Mapping[str, Any]) -> BulkRequest:
    for key in ("custom_id", "method", "url"):
        if not isinstance(item.get(key), str):
            raise ValueError(f"{key} must be a string")
    body: object = item.get("body")
    if body is not None and not isinstance(body, Mapping):
        raise ValueError("body must be an object")
    return _checked(item["custom_id"], item["method"], item["url"], item.get("body"))


def _file_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, raw


def iter_requests(source: Source) -> Iterator[BulkRequest]:
    """The requests of a JSONL file or an iterable of dicts, checked one by one.

    Raises ``BulkInputError`` at the first bad line or item, or at a repeated ``custom_id``.
    """
    seen: set[str] = set()
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        for number, raw in _file_lines(path):
            where = f"{path}:{number}"
            try:
                request = _from_bytes(raw)
            except ValueError as exc:
                raise BulkInputError(where, str(exc)) from None
            yield _unique(request, seen, where)
        return
    for index, item in enumerate(source, start=1):
        where = f"item {index}"
        if not isinstance(item, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise BulkInputError(where, f"expected a dict, got {type(item).__name__}")
        try:
            request = _from_mapping(item)
        except ValueError as exc:
            raise BulkInputError(where, str(exc)) from None
        yield _unique(request, seen, where)


def _unique(request: BulkRequest, seen: set[str], where: str) -> BulkRequest:
    if request.custom_id in seen:
        raise BulkInputError(where, f"custom_id {request.custom_id!r} appears more than once")
    seen.add(request.custom_id)
    return request


def check_requests_file(path: str | os.PathLike[str]) -> int:
    """Check every line of a JSONL request file; returns how many requests it holds."""
    return sum(1 for _ in iter_requests(path))


# -- the results file ------------------------------------------------------------------------


class ResultsFile:
    """A JSONL results file opened for appending after recovering what it holds.

    ``done`` holds the ``custom_id`` of every complete line; a partial last line (a process
    killed mid-write) is cut off.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: set[str] = set()
        self._recover()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _recover(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            os.truncate(self.path, end)
        for number, raw in enumerate(data[:end].splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                self.done.add(_WRITTEN_DECODER.decode(raw).custom_id)
            except msgspec.DecodeError:
                raise BulkInputError(
                    f"{self.path}:{number}", "not a result line; remove it or pick another file"
                ) from None

    def write(self, line: bytes) -> None:
        """Append one complete line (a single ``write``)."""
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def result_line(custom_id: str, response: object, error: object) -> bytes:
    """One output line in the Batch API's format."""
    record = {
        "id": f"bulk_req_{secrets.token_hex(12)}",
        "custom_id": custom_id,
        "response": response,
        "error": error,
    }
    return _ENCODER.encode(record) + b"\n"


# -- progress --------------------------------------------------------------------------------


class BulkProgress:
    """Where a job stands: counts, tokens, elapsed seconds, and rates derived from them."""

    __slots__ = ("elapsed", "failed", "skipped", "succeeded", "tokens", "total")

    def __init__(
        self,
        *,
        total: int | None,
        succeeded: int = 0,
        failed: int = 0,
        skipped: int = 0,
        tokens: int = 0,
        elapsed: float = 0.0,
    ) -> None:
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        self.skipped = skipped
        self.tokens = tokens
        self.elapsed = elapsed

    @property
    def done(self) -> int:
        """Requests answered in this run (succeeded or failed)."""
        return self.succeeded + self.failed

    @property
    def requests_per_second(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def remaining(self) -> int | None:
        """Requests left to run (``None`` when the input's size is unknown)."""
        if self.total is None:
            return None
        return max(0, self.total - self.skipped - self.done)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, when it can be told."""
        remaining, rate = self.remaining, self.requests_per_second
        if remaining is None or rate <= 0:
            return None
        return remaining / rate

    def __repr__(self) -> str:
        return (
            f"BulkProgress(succeeded={self.succeeded}, failed={self.failed}, "
            f"skipped={self.skipped}, total={self.total}, tokens={self.tokens}, "
            f"elapsed={self.elapsed:.3f})"
        )


class _Tracker:
    """Counts results and reports them to the progress callback."""

    def __init__(self, total: int | None, callback: ProgressCallback | None) -> None:
        self.progress = BulkProgress(total=total)
        self._callback = callback
        self._started = time.monotonic()

    def record(self, ok: bool, tokens: int | None) -> None:
        progress = self.progress
        if ok:
            progress.succeeded += 1
        else:
            progress.failed += 1
        if tokens:
            progress.tokens += tokens
        progress.elapsed = time.monotonic() - self._started
        if self._callback is not None:
            self._callback(progress)


class ProgressBar:
    """A tqdm bar to pass as ``progress`` (tqdm is imported on first use); ``close()`` it."""

    def __init__(self, total: int | None, skipped: int) -> None:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ImportError(
                "progress=True needs tqdm: pip install 'openai_async[progress]'"
            ) from None
        self._bar: Any = tqdm(total=total, initial=skipped, unit="req", dynamic_ncols=True)
        self._refreshed = 0.0

    def __call__(self, progress: BulkProgress) -> None:
        self._bar.update(progress.done + progress.skipped - self._bar.n)
        if progress.elapsed - self._refreshed >= _BAR_REFRESH:
            self._refreshed = progress.elapsed
            self._bar.set_postfix(
                failed=progress.failed, tok_s=f"{progress.tokens_per_second:.0f}", refresh=False
            )

    def close(self) -> None:
        self._bar.close()


# -- sending ---------------------------------------------------------------------------------


async def _send(client: AsyncOpenAI, request: BulkRequest) -> tuple[bytes, bool, int | None]:
    """(output line, succeeded, tokens used) for one request."""
    from .._response import AsyncAPIResponse

    try:
        raw: AsyncAPIResponse[object] = await client._request(  # pyright: ignore[reportPrivateUsage]
            request.method,
            request.path,
            cast_to=AsyncAPIResponse[object],
            body=request.body,
        )
    except APIStatusError as exc:
        response = {"status_code": exc.status_code, "request_id": exc.request_id, "body": exc.body}
        return result_line(request.custom_id, response, None), False, None
    except APITimeoutError as exc:
        error = {"code": "timeout", "message": str(exc)}
        return result_line(request.custom_id, None, error), False, None
    except APIConnectionError as exc:
        error = {"code": "connection_error", "message": str(exc)}
        return result_line(request.custom_id, None, error), False, None
    except OpenAIError as exc:
        error = {"code": "client_error", "message": str(exc)}
        return result_line(request.custom_id, None, error), False, None
    content = await raw.read()
    is_json, tokens = usage_in(content)
    body: object = msgspec.Raw(content) if is_json else content.decode("utf-8", "replace")
    response = {"status_code": raw.status_code, "request_id": raw.request_id, "body": body}
    return result_line(request.custom_id, response, None), True, tokens


async def bulk(
    client: AsyncOpenAI,
    requests: Source,
    output: str | os.PathLike[str],
    *,
    concurrency: int = 16,
    progress: bool | ProgressCallback | None = None,
) -> BulkProgress:
    """Send every request of ``requests`` through ``client``; write results to ``output``.

    Returns the final ``BulkProgress``. See the module docstring for the formats and the
    resume rules.
    """
    import anyio
    import anyio.abc

    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    total: int | None = None
    if isinstance(requests, (str, os.PathLike)):
        total = check_requests_file(requests)
    elif hasattr(requests, "__len__"):
        total = len(requests)  # type: ignore[arg-type]
    results = ResultsFile(output)
    bar = ProgressBar(total, len(results.done)) if progress is True else None
    callback = bar if bar is not None else (progress if callable(progress) else None)
    tracker = _Tracker(total, callback)

    def pending() -> Iterator[BulkRequest]:
        for request in iter_requests(requests):
            if request.custom_id in results.done:
                tracker.progress.skipped += 1
                continue
            yield request

    queue = pending()

    failures: list[Exception] = []

    async def worker(group: anyio.abc.TaskGroup) -> None:
        try:
            for request in queue:
                line, ok, tokens = await _send(client, request)
                results.write(line)
                tracker.record(ok, tokens)
        except Exception as exc:  # a bad input item, a full disk: stop the job with it
            failures.append(exc)
            group.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker, group)
        if failures:
            raise failures[0]
    finally:
        results.close()
        if bar is not None:
            bar.close()
    return tracker.progress


def bulk_sync(
    client: OpenAI,
    requests: Source,
    output: str | os.PathLike[str],
    *,
    concurrency: int = 16,
    progress: bool | ProgressCallback | None = None,
) -> BulkProgress:
    """``bulk`` for the blocking client: runs on its portal thread (the progress callback
    is called there too) and returns the final ``BulkProgress``."""
    result: BulkProgress = client._call(  # pyright: ignore[reportPrivateUsage]
        bulk,
        client=client._async_client,  # pyright: ignore[reportPrivateUsage]
        requests=requests,
        output=output,
        concurrency=concurrency,
        progress=progress,
    )
    return result
