"""One benchmark column in its own process, driven by the runner over stdin/stdout JSON lines.

``python -m benchmarks.worker COLUMN BASE_URL``. The first stdin line is the config
(``{"sizes": ..., "expected": ...}``); each next line is
``{"cell": NAME, "n": CALLS}``; each answer line is ``{"ok": true, "units": ..., "cpu": ...,
"wall": ...}`` (CPU seconds of this whole process, all threads) or ``{"ok": false, "error": ...}``.
Results are checked against the expected payload values after each timed loop; a wrong result
is an error, never a number.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import sys
import time
import traceback
import tracemalloc
import urllib.request
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from benchmarks.columns import (
    COLUMNS,
    Column,
    Unavailable,
    chat_summary,
    embeddings_summary,
    logprobs_summary,
)
from benchmarks.payloads import Expected, Sizes

Result = dict[str, Any]


class CheckFailed(Exception):
    """A client returned something other than the payload the server sent."""


def check(label: str, got: object, want: object) -> None:
    if got != want:
        raise CheckFailed(f"{label}: got {str(got)[:200]!r}, want {str(want)[:200]!r}")


def close_enough(label: str, got: float, want: float) -> None:
    if abs(got - want) > 1e-6:
        raise CheckFailed(f"{label}: got {got!r}, want {want!r}")


def server_cpu(stats_url: str) -> float:
    with urllib.request.urlopen(stats_url, timeout=30) as resp:
        return float(json.loads(resp.read())["cpu"])


class Timer:
    """Process CPU time (every thread) and wall time around a block, and the server's CPU."""

    def __init__(self, stats_url: str) -> None:
        self.stats_url = stats_url

    def __enter__(self) -> Timer:
        gc.collect()  # garbage left by earlier cells must not be collected on this cell's time
        self.server0 = server_cpu(self.stats_url)
        self.cpu0 = time.process_time()
        self.sys0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        self.wall0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.sys = resource.getrusage(resource.RUSAGE_SELF).ru_stime - self.sys0
        self.wall = time.perf_counter() - self.wall0
        self.server = server_cpu(self.stats_url) - self.server0


def measured(timer: Timer, units: int) -> Result:
    return {
        "ok": True,
        "units": units,
        "cpu": timer.cpu,
        "sys": timer.sys,
        "wall": timer.wall,
        "server_cpu": timer.server,
    }


async def drive_calls(call: Callable[[], Awaitable[None]], n: int, c: int) -> None:
    """``n`` calls spread over ``c`` tasks, each running its share back to back."""

    async def lane(count: int) -> None:
        for _ in range(count):
            await call()

    await asyncio.gather(*(lane(n // c + (i < n % c)) for i in range(c)))


def count_types() -> int:
    # type(obj), not isinstance: lazy proxies (the official client has some) fake __class__
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), type))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Worker:
    """Runs cells for one column; keeps the client of ``chat_c128`` for ``chat_c1_after_burst``."""

    def __init__(self, column: Column, expected: Expected, stats_url: str) -> None:
        self.column = column
        self.stats_url = stats_url
        self.expected = expected
        self.loop = asyncio.new_event_loop()

    # Results are checked as they arrive and then dropped, as an application would drop them:
    # holding thousands of results would bill the garbage collector's work to the client.

    def checked_chat(self) -> Callable[[], Awaitable[None]]:
        chat = self.column.chat
        want = (self.expected.chat_content, self.expected.chat_total_tokens)

        async def call() -> None:
            check("chat", chat_summary(await chat()), want)

        return call

    def check_chat(self, result: Any) -> None:
        check(
            "chat",
            chat_summary(result),
            (self.expected.chat_content, self.expected.chat_total_tokens),
        )

    def check_stream(self, got: tuple[int, str]) -> None:
        check("stream", got, (self.expected.stream_chunks, self.expected.stream_text))

    def check_embeddings(self, result: Any) -> None:
        exp = self.expected
        count, dim, first, last = embeddings_summary(result)
        check("embeddings shape", (count, dim), (exp.embed_count, exp.embed_dim))
        close_enough("embeddings first value", first, exp.embed_first)
        close_enough("embeddings last value", last, exp.embed_last)

    def check_logprobs(self, result: Any) -> None:
        want = (self.expected.logprob_tokens, self.expected.logprob_last_token)
        check("logprobs", logprobs_summary(result), want)

    async def chat_at(self, n: int, c: int, keep: bool = False) -> Result:
        call = self.checked_chat()
        await self.column.open()
        await drive_calls(call, max(c, 10), c)
        with Timer(self.stats_url) as t:
            await drive_calls(call, n, c)
        if not keep:
            await self.column.close()
        return measured(t, n)

    async def chat_after_burst(self, n: int) -> Result:
        with Timer(self.stats_url) as t:
            await drive_calls(self.checked_chat(), n, 1)
        await self.column.close()
        return measured(t, n)

    async def stream(self, n: int) -> Result:
        column = self.column
        await column.open()
        self.check_stream(await column.stream())  # warm-up: lazy imports, first connection
        with Timer(self.stats_url) as t:
            for _ in range(n):
                self.check_stream(await column.stream())
        await column.close()
        return measured(t, n * self.expected.stream_chunks)

    async def paced_streams(self, n: int) -> Result:
        """``n`` paced streams at once on one client: every event arrives in a read of its own."""
        column = self.column
        await column.open()
        self.check_stream(await column.stream())  # warm-up, as in the other stream cells
        with Timer(self.stats_url) as t:
            results = await asyncio.gather(*(column.stream(paced=True) for _ in range(n)))
        for got in results:
            self.check_stream(got)
        await column.close()
        return measured(t, n * self.expected.stream_chunks)

    async def embeddings(self, n: int, encoding_format: str | None) -> Result:
        column = self.column
        await column.open()
        self.check_embeddings(await column.embeddings(encoding_format))
        with Timer(self.stats_url) as t:
            for _ in range(n):
                self.check_embeddings(await column.embeddings(encoding_format))
        await column.close()
        return measured(t, n)

    async def logprobs(self, n: int) -> Result:
        column = self.column
        await column.open()
        self.check_logprobs(await column.logprobs())
        with Timer(self.stats_url) as t:
            for _ in range(n):
                self.check_logprobs(await column.logprobs())
        await column.close()
        return measured(t, n)

    def chat_blocking(self, n: int) -> Result:
        column = self.column
        column.open_blocking()
        try:
            self.check_chat(column.chat_blocking())
            with Timer(self.stats_url) as t:
                for _ in range(n):
                    self.check_chat(column.chat_blocking())
        finally:
            column.close_blocking()
        return measured(t, n)

    def chat_blocking_threads(self, n: int, threads: int = 16) -> Result:
        """``n`` blocking calls on one client from ``threads`` threads (a thread pool app)."""
        column = self.column

        def lane(count: int) -> None:
            for _ in range(count):
                self.check_chat(column.chat_blocking())

        column.open_blocking()
        try:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lane, [1] * threads))  # warm-up: one call per lane, as timed
                with Timer(self.stats_url) as t:
                    list(pool.map(lane, [n // threads + (i < n % threads) for i in range(threads)]))
        finally:
            column.close_blocking()
        return measured(t, n)

    def stream_blocking(self, n: int) -> Result:
        column = self.column
        column.open_blocking()
        try:
            self.check_stream(column.stream_blocking())
            with Timer(self.stats_url) as t:
                for _ in range(n):
                    self.check_stream(column.stream_blocking())
        finally:
            column.close_blocking()
        return measured(t, n * self.expected.stream_chunks)

    async def new_types(self, n: int) -> Result:
        """Type objects alive after ``n`` more calls, minus those alive after warm-up."""
        call = self.checked_chat()
        await self.column.open()
        await drive_calls(call, 200, 1)
        gc.collect()
        before = count_types()
        await drive_calls(call, n, 1)
        gc.collect()
        after = count_types()
        await self.column.close()
        return {"ok": True, "units": n, "new_types": after - before}

    async def memory(self, first: int, total: int) -> Result:
        """RSS and traced memory after ``first`` calls and after ``total`` calls (c=16)."""
        call = self.checked_chat()
        await self.column.open()
        await drive_calls(call, 100, 16)
        tracemalloc.start()
        await drive_calls(call, first, 16)
        marks = [self._memory_mark(first)]
        await drive_calls(call, total - first, 16)
        marks.append(self._memory_mark(total))
        tracemalloc.stop()
        await self.column.close()
        return {"ok": True, "units": total, "marks": marks}

    def _memory_mark(self, calls: int) -> dict[str, int]:
        gc.collect()
        traced, _peak = tracemalloc.get_traced_memory()
        return {"calls": calls, "rss": rss_bytes(), "traced": traced, "types": count_types()}

    def run_profiled(self, cell: str, n: int, extra: dict[str, Any]) -> Result:
        """The cell under cProfile (main thread only: a portal thread's work is not seen)."""
        profiler = cProfile.Profile(time.process_time)  # CPU time, as the cells measure
        profiler.enable()
        try:
            answer = self.run(cell, n, extra)
        finally:
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        answer["profile"] = shorten_paths(out.getvalue())
        return answer

    def run(self, cell: str, n: int, extra: dict[str, Any]) -> Result:
        blocking = {
            "chat_blocking": self.chat_blocking,
            "chat_blocking_threads": self.chat_blocking_threads,
            "stream_blocking": self.stream_blocking,
        }
        if cell in blocking:
            if not self.column.has_blocking:
                return {"ok": True, "skipped": "no blocking client"}
            return blocking[cell](n)
        return self.loop.run_until_complete(self._async_cell(cell, n, extra))

    async def _async_cell(self, cell: str, n: int, extra: dict[str, Any]) -> Result:
        if cell.startswith("chat_c") and cell[6:].isdigit():
            return await self.chat_at(n, int(cell[6:]), keep=bool(extra.get("keep")))
        cells: dict[str, Callable[[], Awaitable[Result]]] = {
            "chat_c1_after_burst": lambda: self.chat_after_burst(n),
            "stream_async": lambda: self.stream(n),
            "stream_paced": lambda: self.paced_streams(n),
            "embed_float": lambda: self.embeddings(n, "float"),
            "embed_default": lambda: self.embeddings(n, None),
            "logprobs": lambda: self.logprobs(n),
            "new_types": lambda: self.new_types(n),
            "memory": lambda: self.memory(int(extra["first"]), n),
        }
        return await cells[cell]()


def shorten_paths(text: str) -> str:
    for prefix in sorted({*sys.path, os.getcwd()}, key=len, reverse=True):
        if len(prefix) > 1:
            text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def serve(worker: Worker, commands: TextIO, answers: TextIO) -> None:
    for line in commands:
        request = json.loads(line)
        run = worker.run_profiled if request.get("profile") else worker.run
        try:
            answer = run(request["cell"], int(request.get("n", 0)), request)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main() -> None:
    name, base_url = sys.argv[1:3]
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # keep the protocol channel clean of stray prints
    config = json.loads(sys.stdin.readline())
    sizes = Sizes(**config["sizes"])
    expected = Expected(**config["expected"])
    try:
        column = COLUMNS[name](base_url, sizes)
    except Unavailable as exc:
        answers.write(json.dumps({"ok": False, "unavailable": str(exc)}) + "\n")
        answers.flush()
        return
    answers.write(json.dumps({"ok": True, "ready": name, "describe": column.describe()}) + "\n")
    answers.flush()
    stats_url = base_url.rsplit("/v1", 1)[0] + "/__stats"
    serve(Worker(column, expected, stats_url), sys.stdin, answers)


if __name__ == "__main__":
    main()
