"""The benchmark runner: ``python -m benchmarks.run [--smoke] [--rounds N] [--memory]``.

It starts the server (``benchmarks.server``) and one worker process per column
(``benchmarks.worker``), then runs interleaved rounds: in every round each cell runs once per
column, columns in a rotating order, so slow drifts of the machine hit every column alike. A
cell's number is the worker's CPU time (all threads) per call or per chunk; the table shows
the median over rounds and the median of same-round ratios against the official client and
against the floor. The Markdown report goes to ``benchmarks/RESULTS.md`` (``--output``), the
raw numbers to ``--json`` when asked.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import select
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.payloads import FULL, SMOKE, Payloads, Sizes
from benchmarks.report import render

ROOT = Path(__file__).resolve().parent.parent
COLUMN_ORDER = ["openai_async", "openai", "openai-aiohttp", "floor"]


@dataclass(frozen=True)
class Plan:
    """How many calls each cell makes per round (``n``), and the one-off checks."""

    rounds: int
    n: dict[str, int]
    new_types_calls: int
    import_runs: int
    memory_first: int
    memory_total: int
    timeout: float


CELLS = [
    "chat_c1",
    "chat_c16",
    "chat_c128",
    "chat_c1_after_burst",
    "stream_async",
    "stream_paced",
    "stream_blocking",
    "embed_float",
    "embed_default",
    "chat_blocking",
    "chat_blocking_threads",
    "logprobs",
]

# Sequential cells make 1,000 calls: with 300, one round's CPU time (about 40 ms for the fast
# clients) moved by 10-20 % between rounds on a shared 2-core machine.
FULL_N = {
    "chat_c1": 1000,
    "chat_c16": 800,
    "chat_c128": 1280,
    "chat_c1_after_burst": 1000,
    "stream_async": 3,
    "stream_paced": 20,
    "stream_blocking": 3,
    "embed_float": 2,
    "embed_default": 2,
    "chat_blocking": 1000,
    "chat_blocking_threads": 800,
    "logprobs": 2,
}
SMOKE_N = dict.fromkeys(FULL_N, 2) | {
    "chat_c16": 32,
    "chat_c128": 128,
    "chat_c1": 4,
    "chat_blocking_threads": 32,
}


def make_plan(args: argparse.Namespace) -> Plan:
    if args.smoke:
        return Plan(args.rounds or 1, SMOKE_N, 20, 1, 20, 60, 120.0)
    return Plan(args.rounds or 5, FULL_N, 1000, 7, 1000, args.memory_calls, 1800.0)


class Server:
    """The benchmark server process and its CPU counter."""

    def __init__(self, smoke: bool) -> None:
        cmd = [sys.executable, "-m", "benchmarks.server", "--port", "0"]
        if smoke:
            cmd.append("--smoke")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = read_line(self.proc.stdout, 120.0)
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_line(stream: IO[str], timeout: float) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise TimeoutError(f"no answer within {timeout:.0f} s")
    return stream.readline()


class WorkerProc:
    """One column's worker process; ``call`` sends a cell and waits for its answer."""

    def __init__(self, name: str, base_url: str, config: dict[str, Any], timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", name, base_url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._send(config)
        self.describe = str(hello.get("describe", ""))
        self.unavailable: str | None = hello.get("unavailable")
        if not hello.get("ok") and self.unavailable is None:
            self.unavailable = str(hello.get("error", "worker failed to start"))

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
            line = read_line(self.proc.stdout, self.timeout)
        except (OSError, TimeoutError) as exc:
            return {"ok": False, "error": f"worker {self.name}: {exc}"}
        if not line:
            return {"ok": False, "error": f"worker {self.name} exited ({self.proc.poll()})"}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, cell: str, n: int, **extra: Any) -> dict[str, Any]:
        return self._send({"cell": cell, "n": n, **extra})

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Results:
    """Everything measured, as plain data (also written as JSON)."""

    meta: dict[str, Any] = field(default_factory=dict[str, Any])
    unavailable: dict[str, str] = field(default_factory=dict[str, str])
    # cells[cell][column] -> one answer per round
    cells: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=dict[str, dict[str, list[dict[str, Any]]]]
    )
    imports: dict[str, dict[str, float]] = field(default_factory=dict[str, dict[str, float]])
    new_types: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    memory: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    import_profile: list[tuple[str, int, int]] = field(default_factory=list[tuple[str, int, int]])
    # profiles[cell][column] -> pstats text (``--profile``)
    profiles: dict[str, dict[str, str]] = field(default_factory=dict[str, dict[str, str]])

    def add(self, cell: str, column: str, answer: dict[str, Any]) -> None:
        self.cells.setdefault(cell, {}).setdefault(column, []).append(answer)

    def errors(self) -> list[str]:
        out: list[str] = []
        for cell, by_column in self.cells.items():
            for column, answers in by_column.items():
                out.extend(f"{cell}/{column}: {a['error']}" for a in answers if not a.get("ok"))
        for label, sections in (("new_types", self.new_types), ("memory", self.memory)):
            for column, answer in sections.items():
                if not answer.get("ok"):
                    out.append(f"{label}/{column}: {answer.get('error')}")
        return out


def run_round(plan: Plan, workers: list[WorkerProc], rnd: int, res: Results) -> None:
    shift = rnd % len(workers)
    order = workers[shift:] + workers[:shift]
    for cell in CELLS:
        if cell == "chat_c1_after_burst":
            continue
        for worker in order:
            if cell == "chat_c128":
                res.add(cell, worker.name, worker.call(cell, plan.n[cell], keep=True))
                after = "chat_c1_after_burst"
                res.add(after, worker.name, worker.call(after, plan.n[after]))
            else:
                res.add(cell, worker.name, worker.call(cell, plan.n[cell]))


_FIRST_CALL = (
    "from {pkg} import AsyncOpenAI; "
    "AsyncOpenAI(api_key='sk-x', base_url='http://127.0.0.1:9/v1').chat.completions.create"
)
IMPORTS = {
    "bare interpreter": "pass",
    "openai_async": "import openai_async",
    "openai_async + client": "from openai_async import AsyncOpenAI, OpenAI",
    "openai_async, first chat call ready": _FIRST_CALL.format(pkg="openai_async"),
    "openai": "from openai import AsyncOpenAI, OpenAI",
    "openai, first chat call ready": _FIRST_CALL.format(pkg="openai"),
    "floor": "import aiohttp, msgspec, anyio",
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_times(runs: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of a fresh ``python -c STATEMENT``, interleaved over ``runs``.

    Wall time is what a user waits for; the child's CPU time is the steadier number on a
    loaded machine.
    """
    # An installed package has its bytecode compiled (pip does it); a checkout may not, and
    # PYTHONDONTWRITEBYTECODE=1 (set on some machines) keeps Python from caching it, so every
    # fresh interpreter would compile openai_async's sources again. Compile them once first.
    compileall.compile_dir(ROOT / "openai_async", quiet=1)
    walls: dict[str, list[float]] = {label: [] for label in IMPORTS}
    cpus: dict[str, list[float]] = {label: [] for label in IMPORTS}
    failed: set[str] = set()
    for _ in range(runs):
        for label, statement in IMPORTS.items():
            cpu0, start = _children_cpu(), time.perf_counter()
            done = subprocess.run([sys.executable, "-c", statement], cwd=ROOT, check=False)
            walls[label].append(time.perf_counter() - start)
            cpus[label].append(_children_cpu() - cpu0)
            if done.returncode != 0:
                failed.add(label)
    return {
        label: {
            "median": statistics.median(walls[label]),
            "cpu": statistics.median(cpus[label]),
            "runs": len(walls[label]),
        }
        for label in IMPORTS
        if label not in failed
    }


def import_profile(statement: str, top: int = 15, ours: int = 5) -> list[tuple[str, int, int]]:
    """``-X importtime`` for one fresh interpreter: (module, self µs, cumulative µs), by self.

    The ``top`` slowest modules, plus the ``ours`` slowest of openai_async itself when they
    are not among them (so the report always shows what our own modules cost)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[tuple[str, int, int]] = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        rows.append((parts[2].strip(), int(parts[0]), int(parts[1])))
    rows.sort(key=lambda row: row[1], reverse=True)
    own = [row for row in rows if row[0].split(".")[0] == "openai_async"][:ours]
    chosen = set(rows[:top]) | set(own)
    return [row for row in rows if row in chosen]


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from openai_async import __version__ as ours

    out: dict[str, str] = {"openai_async": ours}
    for dist in ("openai", "httpx2", "aiohttp", "msgspec", "anyio", "pydantic"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    out["openai_async commit"] = commit.stdout.strip() or "unknown"
    return out


def start_workers(
    columns: list[str], server: Server, config: dict[str, Any], plan: Plan, res: Results
) -> list[WorkerProc]:
    workers: list[WorkerProc] = []
    for name in columns:
        worker = WorkerProc(name, server.base_url, config, plan.timeout)
        if worker.unavailable is not None:
            res.unavailable[name] = worker.unavailable
            worker.stop()
        else:
            res.meta.setdefault("columns", {})[name] = worker.describe
            workers.append(worker)
    return workers


def run_memory(
    columns: list[str], server: Server, config: dict[str, Any], plan: Plan, res: Results
) -> None:
    """A fresh worker per column, so the memory numbers start from a clean process."""
    for worker in start_workers(columns, server, config, plan, res):
        try:
            res.memory[worker.name] = worker.call(
                "memory", plan.memory_total, first=plan.memory_first
            )
        finally:
            worker.stop()


PROFILED = ("openai_async", "floor")


def run_profiles(cells: list[str], plan: Plan, workers: list[WorkerProc], res: Results) -> None:
    """Profiles for our client and the floor only: the comparison a missed target needs."""
    for cell in cells:
        for worker in (w for w in workers if w.name in PROFILED):
            if cell == "chat_c1_after_burst":
                worker.call("chat_c128", plan.n["chat_c128"], keep=True)
            answer = worker.call(cell, plan.n[cell], profile=True)
            shown = answer.get("profile") or f"error: {answer.get('error', answer)}"
            res.profiles.setdefault(cell, {})[worker.name] = shown


def run(args: argparse.Namespace) -> Results:
    plan = make_plan(args)
    sizes: Sizes = SMOKE if args.smoke else FULL
    res = Results()
    res.meta = {
        "command": "python -m benchmarks.run " + shlex.join(args.argv),
        "machine": machine(),
        "versions": versions(),
        "sizes": sizes.to_dict(),
        "rounds": plan.rounds,
        "n": plan.n,
        "load_before": os.getloadavg(),
    }
    config = {"sizes": sizes.to_dict(), "expected": vars(Payloads(sizes).expected)}
    columns = [c for c in COLUMN_ORDER if c in args.columns]
    server = Server(args.smoke)
    try:
        if not args.memory_only:
            workers = start_workers(columns, server, config, plan, res)
            try:
                for rnd in range(plan.rounds):
                    run_round(plan, workers, rnd, res)
                    print(f"round {rnd + 1}/{plan.rounds} done", file=sys.stderr)
                for worker in workers:
                    res.new_types[worker.name] = worker.call("new_types", plan.new_types_calls)
                run_profiles(args.profile, plan, workers, res)
            finally:
                for worker in workers:
                    worker.stop()
            res.imports = import_times(plan.import_runs)
            res.import_profile = import_profile(IMPORTS["openai_async + client"])
        if args.memory or args.memory_only:
            memory_columns = [c for c in columns if c in (args.memory_columns or columns)]
            run_memory(memory_columns, server, config, plan, res)
    finally:
        server.stop()
    res.meta["load_after"] = os.getloadavg()
    return res


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny payloads, one round (CI)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds (default 5; smoke 1)")
    parser.add_argument("--memory", action="store_true", help="also run the memory cells")
    parser.add_argument("--memory-only", action="store_true", help="run only the memory cells")
    parser.add_argument("--memory-calls", type=int, default=100_000)
    parser.add_argument("--memory-columns", default="", help="columns for the memory cells")
    parser.add_argument("--columns", default=",".join(COLUMN_ORDER))
    parser.add_argument("--output", type=Path, help="Markdown report (default RESULTS.md)")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    parser.add_argument("--note", default="", help="free text added to the report")
    parser.add_argument(
        "--profile",
        default="",
        help="comma-separated cells to run once more under cProfile (async cells: main thread)",
    )
    args = parser.parse_args(argv)
    args.columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    args.memory_columns = [c.strip() for c in args.memory_columns.split(",") if c.strip()]
    args.profile = [c.strip() for c in args.profile.split(",") if c.strip()]
    unknown = set(args.profile) - set(CELLS)
    if unknown:
        parser.error(f"unknown cells for --profile: {sorted(unknown)}; cells: {CELLS}")
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    res = run(args)
    text = render(res, args.note)
    output = args.output
    if output is None and not args.smoke:
        output = Path(__file__).with_name("RESULTS.md")
    if output is not None:
        output.write_text(text)
    print(text)
    if args.json is not None:
        args.json.write_text(json.dumps(vars(res), indent=1, default=str))
    errors = res.errors()
    for error in errors:
        print("ERROR", error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
