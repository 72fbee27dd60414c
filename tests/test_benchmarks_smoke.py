"""The benchmark harness in smoke mode: every column runs every cell and validates its results.

No timing is asserted anywhere: only that the harness runs, that each client read back exactly
the payloads the benchmark server sent, and that wrong answers are reported as errors.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest

from benchmarks.columns import API_KEY, CHAT, FloorColumn
from benchmarks.floor import FloorClient, FloorError, SseSplitter
from benchmarks.payloads import SMOKE, Payloads
from benchmarks.run import CELLS, COLUMN_ORDER, Server
from benchmarks.worker import CheckFailed, Worker, serve
from tests.server import TestServer

ROOT = Path(__file__).resolve().parent.parent
BLOCKING_CELLS = {"chat_blocking", "chat_blocking_threads", "stream_blocking"}


def client_landed() -> bool:
    return importlib.util.find_spec("openai_async._client") is not None


def official_installed() -> bool:
    return importlib.util.find_spec("openai") is not None


OFFICIAL = {"openai", "openai-aiohttp"}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench")
    report, raw = out / "RESULTS.md", out / "results.json"
    command = ["-m", "benchmarks.run", "--smoke", "--memory", "--output", str(report)]
    done = subprocess.run(
        [sys.executable, *command, "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        print(done.stderr[-4000:])
    return done.returncode, json.loads(raw.read_text()), report.read_text()


def test_smoke_run_exits_cleanly(smoke_run: tuple[int, dict[str, Any], str]) -> None:
    code, results, _ = smoke_run
    assert results["cells"], "no cell ran"
    assert code == 0


def test_every_available_column_runs_every_cell(
    smoke_run: tuple[int, dict[str, Any], str],
) -> None:
    _, results, _ = smoke_run
    unavailable = results["unavailable"]
    allowed = set() if client_landed() else {"openai_async"}
    if not official_installed():
        allowed |= OFFICIAL
    assert set(unavailable) <= allowed, unavailable
    for column in COLUMN_ORDER:
        if column in unavailable:
            continue
        for cell in CELLS:
            answers = results["cells"][cell][column]
            assert len(answers) == results["meta"]["rounds"]
            for answer in answers:
                assert answer["ok"], (cell, column, answer)
                if column == "openai-aiohttp" and cell in BLOCKING_CELLS:
                    assert answer["skipped"]
                    continue
                assert answer["units"] > 0 and answer["cpu"] > 0 and answer["wall"] > 0
                assert answer["server_cpu"] >= 0


def test_official_columns_ran(smoke_run: tuple[int, dict[str, Any], str]) -> None:
    if not official_installed():
        pytest.skip("official client not installed: pip install -r benchmarks/requirements.txt")
    _, results, _ = smoke_run
    assert set(results["cells"]["chat_c1"]) >= OFFICIAL
    assert not OFFICIAL & set(results["unavailable"])


def test_one_off_checks_ran(smoke_run: tuple[int, dict[str, Any], str]) -> None:
    _, results, _ = smoke_run
    ran = [c for c in COLUMN_ORDER if c not in results["unavailable"]]
    assert set(results["new_types"]) == set(ran)
    assert results["new_types"]["floor"]["new_types"] == 0
    if "openai_async" in ran:
        assert results["new_types"]["openai_async"]["new_types"] == 0
    assert set(results["memory"]) == set(ran)
    for answer in results["memory"].values():
        first, last = answer["marks"]
        assert (first["calls"], last["calls"]) == (20, 60)
        assert last["rss"] > 0 and last["types"] > 0
    assert {"bare interpreter", "floor", "openai_async"} <= set(results["imports"])
    assert all(stats["cpu"] > 0 for stats in results["imports"].values())
    assert any(module.startswith("openai_async") for module, _, _ in results["import_profile"])


def test_report_has_every_section(smoke_run: tuple[int, dict[str, Any], str]) -> None:
    _, results, report = smoke_run
    for heading in ("## CPU per call", "## Same-round ratios", "## Targets", "## Import wall"):
        assert heading in report
    assert "## Errors" not in report
    machine = results["meta"]["machine"]
    assert f"{machine['nproc']} CPUs" in report
    assert "msgspec " in report
    assert report.count("| async chat, c=1 |") == 3  # CPU, kernel share, ratios


# --- the floor client over the recording server ------------------------------------------------


async def test_floor_chat_sends_json_and_decodes(server: TestServer) -> None:
    server.json({"id": "chatcmpl-1", "choices": [{"message": {"content": "hi"}}]})
    client = FloorClient(server.url + "/v1", API_KEY)
    try:
        got = await client.chat(CHAT)
    finally:
        await client.close()
    assert got == {"id": "chatcmpl-1", "choices": [{"message": {"content": "hi"}}]}
    sent = server.last
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.body == msgspec.json.encode(CHAT)


async def test_floor_raises_on_error_status(server: TestServer) -> None:
    server.json({"error": {"message": "nope"}}, status=429)
    client = FloorClient(server.url + "/v1", API_KEY)
    try:
        with pytest.raises(FloorError) as info:
            await client.chat(CHAT)
    finally:
        await client.close()
    assert info.value.status == 429
    assert b"nope" in info.value.body


async def test_floor_stream_splits_events_across_reads(server: TestServer) -> None:
    wire = b'data: {"n":1}\n\ndata: {"n":2}\n\n: keep-alive\n\ndata: [DONE]\n\ndata: {"n":3}\n\n'
    server.sse([wire[:9], wire[9:20], wire[20:]])
    client = FloorClient(server.url + "/v1", API_KEY)
    try:
        got = [event async for event in client.stream({"model": "m", "stream": True})]
    finally:
        await client.close()
    assert got == [{"n": 1}, {"n": 2}]
    assert server.last.json() == {"model": "m", "stream": True}


def test_sse_splitter_keeps_partial_event() -> None:
    splitter = SseSplitter()
    assert splitter.feed(b'data: {"a"') == []
    assert splitter.feed(b": 1}\n\nda") == [{"a": 1}]
    assert splitter.feed(b"ta: [DONE]\n\n") == []
    assert splitter.done


# --- the benchmark server and the worker's checks ----------------------------------------------


@pytest.fixture(scope="module")
def bench_server() -> Iterator[Server]:
    srv = Server(smoke=True)
    try:
        yield srv
    finally:
        srv.stop()


def test_server_rejects_bad_bodies(bench_server: Server) -> None:
    import urllib.error
    import urllib.request

    def post(path: str, body: bytes) -> tuple[int, Any]:
        req = urllib.request.Request(bench_server.base_url + path, data=body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, body = post("/chat/completions", b'{"model": 1}')
    assert status == 400 and "bad chat body" in body["error"]["message"]
    status, body = post("/embeddings", b'{"model": "m", "input": ["just one"]}')
    assert status == 400 and "expected 8 inputs" in body["error"]["message"]
    status, body = post("/embeddings", b'{"model": "m", "input": [], "encoding_format": "x"}')
    assert status == 400


def stats_url(srv: Server) -> str:
    return f"http://127.0.0.1:{srv.port}/__stats"


def test_worker_measures_and_validates(bench_server: Server) -> None:
    expected = Payloads(SMOKE).expected
    worker = Worker(FloorColumn(bench_server.base_url, SMOKE), expected, stats_url(bench_server))
    answer = worker.run("chat_c16", 32, {})
    assert answer["ok"] and answer["units"] == 32 and answer["cpu"] > 0
    answer = worker.run("stream_blocking", 1, {})
    assert answer["units"] == SMOKE.stream_chunks


def test_worker_reports_a_wrong_payload_as_an_error(bench_server: Server) -> None:
    wrong = replace(Payloads(SMOKE).expected, chat_total_tokens=1)
    worker = Worker(FloorColumn(bench_server.base_url, SMOKE), wrong, stats_url(bench_server))
    with pytest.raises(CheckFailed, match="chat"):
        worker.run("chat_c1", 2, {})
    answers = io.StringIO()
    serve(worker, io.StringIO('{"cell": "chat_c1", "n": 2}\n'), answers)
    answer = json.loads(answers.getvalue())
    assert answer["ok"] is False and "CheckFailed" in answer["error"]
