"""The spec mock for the conformance tests: started once per session, stopped after it.

The mock (Steady, through ../shared/tools/mock-server.sh) validates every request against the
spec and answers 400 with the reason when one breaks it. It needs node and npm; when they are
missing the fixture fails (CI has them), it does not skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from openai_async import AsyncOpenAI, OpenAI
from tests.conformance._checks import Offline, OfflineSync
from tests.server import TestServer

REPO = Path(__file__).resolve().parents[2]
MOCK_SCRIPT = REPO.parent / "shared" / "tools" / "mock-server.sh"
# Stream events back to back: the mock's default pause between events is 100 ms.
MOCK_ARGS = "--stream-interval=0 --stream-count=3"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOCK_EXTRA_ARGS": MOCK_ARGS}
    return subprocess.run(
        ["bash", str(MOCK_SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def mock_url() -> Iterator[str]:
    if not MOCK_SCRIPT.is_file():
        pytest.fail(f"spec mock script not found at {MOCK_SCRIPT}")
    port = str(free_port())
    started = run_script("start", port)
    if started.returncode != 0:
        pytest.fail(f"spec mock did not start (node and npm are required):\n{started.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        run_script("stop", port)


API_KEY = "sk-conformance"


@pytest.fixture
async def client(mock_url: str) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(api_key=API_KEY, base_url=mock_url, max_retries=0) as api:
        yield api


@pytest.fixture(scope="module")  # closed per module: no portal thread outlives the package
def sync_client(mock_url: str) -> Iterator[OpenAI]:
    api = OpenAI(api_key=API_KEY, base_url=mock_url, max_retries=0)
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
async def offline(server: TestServer) -> AsyncIterator[Offline]:
    async with AsyncOpenAI(api_key=API_KEY, base_url=server.url, max_retries=0) as api:
        yield Offline(api, server.requests)


@pytest.fixture
def offline_sync(sync_server: TestServer) -> Iterator[OfflineSync]:
    api = OpenAI(api_key=API_KEY, base_url=sync_server.url, max_retries=0)
    try:
        yield OfflineSync(api, sync_server.requests)
    finally:
        api.close()
