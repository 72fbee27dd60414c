"""The Batch API engine: the bulk runner's input and output, run by OpenAI's Batch API.

    job = BatchJob(client, "results.jsonl")
    summary = await job.run("requests.jsonl")

``run`` splits the requests into files within the API's limits (50,000 requests and 200 MB
per file, one endpoint and one model per batch), uploads them, creates one batch per file,
polls with a growing interval, downloads each batch's output and error files and merges them
into ``output`` in the bulk runner's format (one line per ``custom_id``). Requests that failed
can be sent again in new batches, up to ``resubmit`` times; only their last answer is kept.

The job's state (chunk files, file ids, batch ids, what was merged) is saved after every step
in ``<output>.batch.json``, beside a ``<output>.batch/`` directory of chunk files. Running
the same job again (even after the process was killed) resumes: uploaded files are not
uploaded again, created batches are polled instead of created again, and results already in
``output`` are not written twice. ``status()`` and ``cancel()`` work from the state file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

from .bulk import BulkProgress, BulkRequest, ResultsFile, Source, iter_requests, result_line
from .limiter import usage_in

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from ..types.batch import Batch

__all__ = ["BatchJob", "BatchJobStatus", "MAX_FILE_BYTES", "MAX_FILE_REQUESTS"]

MAX_FILE_REQUESTS: Final = 50_000
MAX_FILE_BYTES: Final = 200 * 1024 * 1024
DONE_STATUSES: Final = frozenset({"completed", "failed", "expired", "cancelled"})
_CANCELLABLE: Final = frozenset({"validating", "in_progress", "finalizing"})
_STATE_VERSION: Final = 1

Endpoint = Literal["/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions"]


class _Chunk(msgspec.Struct, kw_only=True):
    """One input file of the job and the batch that runs it."""

    name: str
    url: str
    model: str | None
    count: int
    attempt: int = 0
    file_id: str | None = None
    batch_id: str | None = None
    status: str | None = None
    completed: int = 0
    failed: int = 0
    merged: bool = False


class _State(msgspec.Struct, kw_only=True):
    version: int = _STATE_VERSION
    chunks: list[_Chunk] = msgspec.field(default_factory=list[_Chunk])


class _Model(msgspec.Struct):
    model: str | None = None


class _Response(msgspec.Struct):
    status_code: int = 0
    body: msgspec.Raw = msgspec.Raw(b"null")


class _OutLine(msgspec.Struct):
    custom_id: str
    response: _Response | None = None
    error: msgspec.Raw = msgspec.Raw(b"null")


_MODEL_DECODER: Final = msgspec.json.Decoder(_Model)
_OUT_DECODER: Final = msgspec.json.Decoder(_OutLine)
_STATE_DECODER: Final = msgspec.json.Decoder(_State)


def _model_of(request: BulkRequest) -> str | None:
    body = request.body
    if isinstance(body, msgspec.Raw):
        try:
            return _MODEL_DECODER.decode(body).model
        except msgspec.DecodeError:
            return None
    if isinstance(body, dict):
        fields: dict[str, object] = body  # pyright: ignore[reportUnknownVariableType]
        model = fields.get("model")
        return model if isinstance(model, str) else None
    return None


class BatchJobStatus:
    """Where a Batch API job stands, per batch and in total (the progress callback's view)."""

    __slots__ = ("batches", "completed", "failed", "finished", "requests", "statuses")

    def __init__(self, chunks: list[_Chunk]) -> None:
        self.batches = len(chunks)
        self.finished = sum(1 for c in chunks if c.status in DONE_STATUSES)
        self.requests = sum(c.count for c in chunks if c.attempt == 0)
        self.completed = sum(c.completed for c in chunks)
        self.failed = sum(c.failed for c in chunks)
        self.statuses: dict[str, str | None] = {c.batch_id or c.name: c.status for c in chunks}

    def __repr__(self) -> str:
        return (
            f"BatchJobStatus(batches={self.batches}, finished={self.finished}, "
            f"requests={self.requests}, completed={self.completed}, failed={self.failed})"
        )


class _ChunkWriter:
    """Writes request lines into chunk files, one open file per (endpoint, model)."""

    def __init__(self, directory: Path, max_requests: int, max_bytes: int, prefix: str) -> None:
        self.directory = directory
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.chunks: list[_Chunk] = []
        self._open: dict[tuple[str, str | None], tuple[_Chunk, Any, list[int]]] = {}

    def add(self, request: BulkRequest, attempt: int = 0) -> None:
        line = request.line()
        if len(line) > self.max_bytes:
            raise ValueError(f"request {request.custom_id!r} alone exceeds {self.max_bytes} bytes")
        key = (request.url, _model_of(request))
        current = self._open.get(key)
        if current is not None:
            chunk, _, size = current
            if chunk.count >= self.max_requests or size[0] + len(line) > self.max_bytes:
                self._close(key)
                current = None
        if current is None:
            name = f"{self.prefix}{len(self.chunks) + 1:04d}"
            chunk = _Chunk(name=name, url=key[0], model=key[1], count=0, attempt=attempt)
            handle = (self.directory / f"{name}.jsonl").open("wb")
            current = (chunk, handle, [0])
            self._open[key] = current
            self.chunks.append(chunk)
        chunk, handle, size = current
        handle.write(line)
        chunk.count += 1
        size[0] += len(line)

    def _close(self, key: tuple[str, str | None]) -> None:
        _, handle, _ = self._open.pop(key)
        handle.close()

    def close(self) -> list[_Chunk]:
        for key in list(self._open):
            self._close(key)
        return self.chunks


class BatchJob:
    """One job through the Batch API, named by its ``output`` file (see the module docs).

    ``sleep`` replaces ``asyncio.sleep`` between polls; ``poll_interval`` grows by half
    after every poll that finds work left, up to ``max_poll_interval``.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        output: str | os.PathLike[str],
        *,
        state: str | os.PathLike[str] | None = None,
        completion_window: Literal["24h"] = "24h",
        resubmit: int = 0,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        max_requests_per_file: int = MAX_FILE_REQUESTS,
        max_bytes_per_file: int = MAX_FILE_BYTES,
        metadata: dict[str, str] | None = None,
        progress: Callable[[BatchJobStatus], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.output = Path(output)
        self.state_path = Path(state) if state is not None else Path(f"{self.output}.batch.json")
        self.directory = Path(f"{self.output}.batch")
        self.completion_window: Literal["24h"] = completion_window
        self.resubmit = resubmit
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.max_requests_per_file = min(max_requests_per_file, MAX_FILE_REQUESTS)
        self.max_bytes_per_file = min(max_bytes_per_file, MAX_FILE_BYTES)
        self.metadata = metadata or {}
        self.progress = progress
        self._sleep = sleep if sleep is not None else asyncio.sleep
        self._state: _State | None = None
        self._summary = _Summary(time.monotonic())

    # -- state -----------------------------------------------------------------------------

    def _load(self) -> _State | None:
        if not self.state_path.exists():
            return None
        state = _STATE_DECODER.decode(self.state_path.read_bytes())
        if state.version != _STATE_VERSION:
            raise ValueError(f"{self.state_path}: unknown state version {state.version}")
        return state

    def _save(self) -> None:
        assert self._state is not None
        temporary = self.state_path.with_name(self.state_path.name + ".tmp")
        temporary.write_bytes(msgspec.json.format(msgspec.json.encode(self._state)))
        os.replace(temporary, self.state_path)

    def _chunk_path(self, chunk: _Chunk) -> Path:
        return self.directory / f"{chunk.name}.jsonl"

    @property
    def started(self) -> bool:
        """True when a state file exists (``run`` resumes it)."""
        return self.state_path.exists()

    # -- splitting -----------------------------------------------------------------------------

    def _split(self, requests: Source, done: set[str]) -> list[_Chunk]:
        self.directory.mkdir(parents=True, exist_ok=True)
        writer = _ChunkWriter(
            self.directory, self.max_requests_per_file, self.max_bytes_per_file, "chunk-"
        )
        try:
            for request in iter_requests(requests):
                if request.custom_id not in done:
                    writer.add(request)
        finally:
            chunks = writer.close()
        return chunks

    # -- submitting ----------------------------------------------------------------------------

    async def _submit(self, chunk: _Chunk) -> None:
        client = self.client
        if chunk.file_id is None:
            uploaded = await client.files.create(file=self._chunk_path(chunk), purpose="batch")
            chunk.file_id = uploaded.id
            self._save()
        if chunk.batch_id is None:
            existing = await self._find_batch(chunk.file_id)
            if existing is None:
                endpoint: Any = chunk.url
                existing = await client.batches.create(
                    input_file_id=chunk.file_id,
                    endpoint=endpoint,
                    completion_window=self.completion_window,
                    metadata={**self.metadata, "openai_async_chunk": chunk.name},
                )
            chunk.batch_id = existing.id
            chunk.status = existing.status
            self._save()

    async def _find_batch(self, file_id: str) -> Batch | None:
        """A batch already created for ``file_id`` (a run killed between create and save)."""
        page = await self.client.batches.list(limit=100)  # the most recent first
        for batch in page.data:
            if batch.input_file_id == file_id:
                return batch
        return None

    # -- polling and merging -------------------------------------------------------------------

    async def _poll(self, chunk: _Chunk) -> Batch:
        assert chunk.batch_id is not None
        batch = await self.client.batches.retrieve(chunk.batch_id)
        chunk.status = batch.status
        counts = batch.request_counts
        if counts is not None:
            chunk.completed, chunk.failed = counts.completed, counts.failed
        return batch

    async def _download(self, file_id: str | None) -> Iterator[bytes]:
        if file_id is None:
            return iter(())
        content = await self.client.files.content(file_id)
        return (line for line in content.content.splitlines() if line.strip())

    async def _merge(self, chunk: _Chunk, batch: Batch, results: ResultsFile) -> None:
        """Write a finished batch's results; queue its failures again while allowed."""
        answers: dict[str, tuple[bytes, bool, int | None]] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            for raw in await self._download(file_id):
                record = _OUT_DECODER.decode(raw)
                ok = record.error == msgspec.Raw(b"null") and record.response is not None
                tokens: int | None = None
                if record.response is not None:
                    ok = ok and record.response.status_code < 400
                    tokens = usage_in(bytes(record.response.body))[1]
                answers[record.custom_id] = (raw.rstrip(b"\r\n") + b"\n", ok, tokens)
        retry = chunk.attempt < self.resubmit
        again = _ChunkWriter(
            self.directory,
            self.max_requests_per_file,
            self.max_bytes_per_file,
            f"{chunk.name}-retry{chunk.attempt + 1}-",
        )
        for request in iter_requests(self._chunk_path(chunk)):
            answer = answers.get(request.custom_id) or (self._missing(request, batch), False, None)
            line, ok, tokens = answer
            if not ok and retry:
                again.add(request, chunk.attempt + 1)
                continue
            if request.custom_id not in results.done:
                results.write(line)
                results.done.add(request.custom_id)
                self._summary.record(ok, tokens)
        assert self._state is not None
        self._state.chunks.extend(again.close())
        chunk.merged = True
        self._save()

    def _missing(self, request: BulkRequest, batch: Batch) -> bytes:
        """The line of a request the batch returned nothing for (failed, expired, cancelled)."""
        reason = f"the batch {batch.id} ended as {batch.status} without an answer"
        if batch.errors is not None and batch.errors.data:
            reason += ": " + "; ".join(
                f"line {e.line}: {e.message}" if e.line is not None else str(e.message)
                for e in batch.errors.data
            )
        error = {"code": f"batch_{batch.status}", "message": reason}
        return result_line(request.custom_id, None, error)

    def _report(self) -> None:
        if self.progress is not None and self._state is not None:
            self.progress(BatchJobStatus(self._state.chunks))

    # -- the job ---------------------------------------------------------------------------------

    async def run(self, requests: Source | None = None) -> BulkProgress:
        """Start (from ``requests``) or resume the job, wait for every batch, merge results.

        Returns the counts of the lines written to ``output`` by this call.
        """
        results = ResultsFile(self.output)
        self._summary = _Summary(time.monotonic())
        try:
            self._state = self._load()
            if self._state is None:
                if requests is None:
                    raise ValueError(f"no job at {self.state_path}: pass the requests to start one")
                self._state = _State(chunks=self._split(requests, results.done))
                self._save()
            await self._drive(results)
        finally:
            results.close()
        shutil.rmtree(self.directory, ignore_errors=True)
        self._summary.progress.skipped = len(results.done) - self._summary.progress.done
        return self._summary.finish()

    async def _drive(self, results: ResultsFile) -> None:
        assert self._state is not None
        interval = self.poll_interval
        while True:
            pending = [c for c in self._state.chunks if not c.merged]
            if not pending:
                return
            for chunk in pending:
                if chunk.batch_id is None:
                    await self._submit(chunk)
                batch = await self._poll(chunk)
                if batch.status in DONE_STATUSES:
                    await self._merge(chunk, batch, results)
            self._save()
            self._report()
            if any(not c.merged for c in self._state.chunks):
                await self._sleep(interval)
                interval = min(interval * 1.5, self.max_poll_interval)

    async def status(self) -> list[Batch]:
        """The current ``Batch`` objects of the job (fetched now)."""
        state = self._load()
        if state is None:
            raise ValueError(f"no job at {self.state_path}")
        return [
            await self.client.batches.retrieve(c.batch_id)
            for c in state.chunks
            if c.batch_id is not None
        ]

    async def cancel(self) -> list[Batch]:
        """Cancel every batch of the job still running; returns the batches cancelled."""
        cancelled: list[Batch] = []
        for batch in await self.status():
            if batch.status in _CANCELLABLE:
                cancelled.append(await self.client.batches.cancel(batch.id))
        return cancelled


class _Summary:
    def __init__(self, started: float) -> None:
        self.progress = BulkProgress(total=None)
        self._started = started

    def record(self, ok: bool, tokens: int | None) -> None:
        if ok:
            self.progress.succeeded += 1
        else:
            self.progress.failed += 1
        if tokens:
            self.progress.tokens += tokens

    def finish(self) -> BulkProgress:
        self.progress.elapsed = time.monotonic() - self._started
        self.progress.total = self.progress.done + self.progress.skipped
        return self.progress
