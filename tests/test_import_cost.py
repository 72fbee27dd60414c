"""Importing the package stays cheap; touching one resource imports only that resource's modules."""

from __future__ import annotations

import json
import subprocess
import sys

GENERATED = ("openai_async.types", "openai_async.resources", "openai_async._sync.resources")


def _modules_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    modules: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return [m for m in modules if m.startswith(GENERATED)]


def test_import_is_cheap() -> None:
    loaded = _modules_after("import openai_async")
    assert len(loaded) <= 20, loaded


def test_client_import_is_cheap() -> None:
    loaded = _modules_after("from openai_async import AsyncOpenAI, OpenAI")
    assert len(loaded) <= 20, loaded


def test_touching_chat_imports_only_chat() -> None:
    before = set(_modules_after("from openai_async import AsyncOpenAI"))
    code = (
        "from openai_async import AsyncOpenAI\n"
        "client = AsyncOpenAI(api_key='sk-test')\n"
        "client.chat.completions.create\n"
        "client.chat.completions.with_raw_response.create"
    )
    added = set(_modules_after(code)) - before
    resources = [m for m in added if ".resources" in m]
    assert resources, "touching client.chat imported no resource module"
    assert all(m.startswith("openai_async.resources.chat") for m in resources), resources
    other_types = [m for m in added if m.startswith("openai_async.types.") and ".chat" not in m]
    # Chat's request and response types may use shared types; no other resource's types.
    forbidden = ("audio", "beta", "responses", "realtime", "admin", "evals", "fine_tuning")
    assert not [m for m in other_types if m.split(".")[2] in forbidden], other_types


def test_blocking_chat_imports_only_chat() -> None:
    before = set(_modules_after("from openai_async import OpenAI"))
    code = (
        "from openai_async import OpenAI\n"
        "client = OpenAI(api_key='sk-test')\n"
        "client.chat.completions.create\n"
        "client.close()"
    )
    added = set(_modules_after(code)) - before
    resources = [m for m in added if ".resources" in m]
    assert "openai_async._sync.resources.chat.completions.completions" in resources
    assert all(
        m.startswith(("openai_async.resources.chat", "openai_async._sync.resources.chat"))
        for m in resources
    ), resources
