"""The bulk cell: one JSONL job of chat requests, three ways, against the local benchmark server.

    python -m benchmarks.bulk_cell                 # 20,000 requests, 64 in flight
    python -m benchmarks.bulk_cell --n 2000 --concurrency 32 --json bulk.json

Columns (each in a fresh interpreter, so none shares a heap or a GC with another):

- ``openai_async.bulk``: ``await openai_async.bulk(client, IN, OUT, concurrency=C)``;
- ``openai gather``: the script people write with the official client: read the JSONL,
  ``asyncio.gather`` over a semaphore of ``C``, ``chat.completions.create(**body)``, one output
  line per result (``model_dump()``) in the same Batch-API format;
- ``openai-aiohttp gather``: the same script on the official client's aiohttp transport
  (skipped when ``openai[aiohttp]`` is missing).

Each child measures its own CPU time (``time.process_time``, all threads) and wall time around
the job only, then the parent checks the output: every ``custom_id`` exactly once, all 200.
Reported: requests per second (wall) and CPU microseconds per request; the server's CPU share
shows whether the server was the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["openai_async.bulk", "openai gather", "openai-aiohttp gather"]


# -- children ----------------------------------------------------------------------------------


async def _ours(base_url: str, source: str, output: str, concurrency: int) -> None:
    import openai_async

    async with openai_async.AsyncOpenAI(
        base_url=base_url, api_key="bench", connection_limit=concurrency
    ) as client:
        await openai_async.bulk(client, source, output, concurrency=concurrency)


async def _official(
    base_url: str, source: str, output: str, concurrency: int, aiohttp: bool
) -> None:
    import openai

    options: dict[str, Any] = {}
    if aiohttp:
        options["http_client"] = openai.DefaultAioHttpClient()
    text = Path(source).read_text()  # noqa: ASYNC240 - as the hand-written script does
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    gate = asyncio.Semaphore(concurrency)
    async with openai.AsyncOpenAI(base_url=base_url, api_key="bench", **options) as client:
        with open(output, "w") as out:  # noqa: ASYNC230 - as the hand-written script does

            async def one(line: dict[str, Any]) -> None:
                async with gate:
                    try:
                        result = await client.chat.completions.create(**line["body"])
                        response = {
                            "status_code": 200,
                            "request_id": result._request_id,
                            "body": result.model_dump(),
                        }
                        record = {"custom_id": line["custom_id"], "response": response}
                        record["error"] = None
                    except openai.APIError as exc:
                        record = {"custom_id": line["custom_id"], "response": None}
                        record["error"] = {"message": str(exc)}
                    out.write(json.dumps(record) + "\n")

            await asyncio.gather(*(one(line) for line in lines))


def child(column: str, base_url: str, source: str, output: str, concurrency: int) -> None:
    if column == "openai_async.bulk":
        job = _ours(base_url, source, output, concurrency)
    else:
        job = _official(base_url, source, output, concurrency, aiohttp="aiohttp" in column)
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(job)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"cpu": cpu, "wall": wall}))


# -- the parent --------------------------------------------------------------------------------


def _start_server(smoke: bool) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "benchmarks.server", "--port", "0"]
    if smoke:
        command.append("--smoke")
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("READY "):
        server.kill()
        raise RuntimeError(f"the benchmark server did not start: {line!r}")
    return server, f"http://127.0.0.1:{int(line.split()[1])}/v1"


def _server_cpu(base_url: str) -> float:
    from urllib.request import urlopen

    with urlopen(base_url.removesuffix("/v1") + "/__stats") as answer:
        stats: dict[str, Any] = json.load(answer)
    return float(stats.get("cpu", stats.get("cpu_seconds", 0.0)))


def write_input(path: Path, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            body = {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"Summarise item {i} in one line."}],
            }
            line = {"custom_id": f"item-{i}", "method": "POST", "url": "/v1/chat/completions"}
            out.write(json.dumps({**line, "body": body}) + "\n")


def _check_output(path: Path, n: int) -> str | None:
    seen: set[str] = set()
    for raw in path.read_text().splitlines():
        record = json.loads(raw)
        if record["response"] is None or record["response"]["status_code"] != 200:
            return f"a failed request: {raw[:200]}"
        if record["custom_id"] in seen:
            return f"{record['custom_id']} written twice"
        seen.add(record["custom_id"])
    return None if len(seen) == n else f"{len(seen)} results for {n} requests"


def _available(column: str) -> bool:
    if column == "openai_async.bulk":
        return True
    probe = "import openai" + ("; openai.DefaultAioHttpClient()" if "aiohttp" in column else "")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def run_column(
    column: str, base_url: str, source: Path, workdir: Path, n: int, concurrency: int
) -> dict[str, Any]:
    output = workdir / f"{column.replace(' ', '_')}.jsonl"
    output.unlink(missing_ok=True)
    before = _server_cpu(base_url)
    files = [str(source), str(output), str(concurrency)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bulk_cell", "--child", column, base_url, *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        return {"column": column, "error": done.stderr.strip().splitlines()[-1:]}
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    problem = _check_output(output, n)
    if problem is not None:
        return {"column": column, "error": problem}
    server_cpu = _server_cpu(base_url) - before
    return {
        "column": column,
        "requests_per_s": n / measured["wall"],
        "cpu_us_per_request": measured["cpu"] / n * 1e6,
        "wall_s": measured["wall"],
        "server_busy": server_cpu / measured["wall"],
    }


def render(rows: list[dict[str, Any]], n: int, concurrency: int) -> str:
    lines = [
        f"bulk cell: {n:,} chat requests, {concurrency} in flight, local server",
        "",
        "| column | req/s | CPU µs/request | wall s | server busy | CPU vs openai gather |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base = next((r for r in rows if r["column"] == "openai gather" and "error" not in r), None)
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['column']} | error: {row['error']} | | | | |")
            continue
        ratio = f"{row['cpu_us_per_request'] / base['cpu_us_per_request']:.2f}x" if base else "-"
        lines.append(
            f"| {row['column']} | {row['requests_per_s']:,.0f} | "
            f"{row['cpu_us_per_request']:,.0f} | {row['wall_s']:.1f} | "
            f"{row['server_busy']:.0%} | {ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000, help="requests per column")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--columns", default=",".join(COLUMNS))
    parser.add_argument("--smoke", action="store_true", help="small payloads, 200 requests")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers")
    parser.add_argument("--child", nargs=5, metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        column, base_url, source, output, concurrency = args.child
        child(column, base_url, source, output, int(concurrency))
        return 0
    n = 200 if args.smoke else args.n
    server, base_url = _start_server(args.smoke)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            source = workdir / "in.jsonl"
            write_input(source, n)
            for column in args.columns.split(","):
                if _available(column):
                    rows.append(run_column(column, base_url, source, workdir, n, args.concurrency))
    finally:
        server.terminate()
        server.wait(10)
    print(render(rows, n, args.concurrency))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
