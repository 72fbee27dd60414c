"""Secrets never leak: with ``OPENAI_LOG=debug``, keys, Azure keys and AD tokens and webhook
secrets appear in no log line, no error message, no repr; CR/LF header values are refused
before anything is sent; webhook signatures are compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from openai_async import AsyncOpenAI
from openai_async.lib import webhooks
from tests.server import TestServer

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "key": "sk-proj-LEAKCHECK-aaaaaaaaaaaaaaaaaaaa",
    "plain_key": "plainkeywithoutshape123456",
    "azure_key": "azure0123456789abcdefLEAKCHECK",
    "ad_token": "eyJhbGciOiJSUzI1NiJ9.LEAKCHECK.signature",
    "provided": "provided-key-LEAKCHECK-77777777",
    "webhook": "whsec_TEVBS0NIRUNLLXdlYmhvb2stc2VjcmV0",
}

SCRIPT = """
import asyncio, traceback
from openai_async import AsyncOpenAI, AsyncAzureOpenAI, OpenAI, AzureOpenAI, Timeout
from openai_async.lib import webhooks

URL = {url!r}
S = {secrets!r}

def show(label, value):
    print(label, repr(value), str(value))

async def calls(client):
    show("client", client)
    show("copy", client.with_options(max_retries=0))
    for path in ("/echo-key", "/flaky", "/ok"):
        try:
            print(await client.post(path, body={{"x": 1}}))
        except Exception as exc:
            show("error", exc)
            traceback.print_exc()
    await client.aclose()

async def main():
    await calls(AsyncOpenAI(api_key=S["key"], base_url=URL, _sleep=lambda s: asyncio.sleep(0)))
    await calls(AsyncOpenAI(api_key=S["plain_key"], base_url=URL, max_retries=1))
    await calls(AsyncOpenAI(api_key=lambda: S["provided"], base_url=URL, max_retries=1))
    await calls(AsyncAzureOpenAI(api_key=S["azure_key"], base_url=URL, api_version="v", max_retries=1))
    await calls(AsyncAzureOpenAI(azure_ad_token=S["ad_token"], base_url=URL, api_version="v", max_retries=1))

asyncio.run(main())
with OpenAI(api_key=S["key"], base_url=URL, max_retries=0) as client:
    show("sync", client)
    try:
        client.post("/echo-key", body={{}})
    except Exception as exc:
        show("error", exc)
        traceback.print_exc()
with AzureOpenAI(api_key=S["azure_key"], base_url=URL, api_version="v") as client:
    show("azure", client)
try:
    webhooks.verify_signature(
        b"{{}}",
        {{"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}},
        secret=S["webhook"],
        now=lambda: 1.0,
    )
except Exception as exc:
    show("webhook", exc)
    traceback.print_exc()
"""


async def _answer(server: TestServer) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.StreamResponse:
        credential = request.headers.get("Authorization") or request.headers.get("api-key", "")
        if request.path.endswith("/echo-key"):
            message = f"Incorrect API key provided: {credential.removeprefix('Bearer ')}."
            return web.json_response({"error": {"message": message}}, status=401)
        if request.path.endswith("/flaky"):
            return web.Response(text=f"upstream broke for {credential}", status=502)
        return web.json_response({"ok": True})

    server.default = handler


def test_no_secret_in_logs_errors_reprs_or_tracebacks(sync_server: TestServer) -> None:
    import asyncio

    asyncio.run(_answer(sync_server))
    script = textwrap.dedent(SCRIPT).format(url=sync_server.url, secrets=SECRETS)
    script = script.replace("S = {", "S = {", 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_LOG": "debug"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "request POST /echo-key" in output  # debug logging was on
    assert "Incorrect API key provided: <redacted>" in output
    assert output.count("error ") >= 10
    leaked = [name for name, secret in SECRETS.items() if secret in output]
    assert leaked == []
    sent = {r.headers.get("Authorization", r.headers.get("api-key")) for r in sync_server.requests}
    assert f"Bearer {SECRETS['key']}" in sent and SECRETS["azure_key"] in sent  # they were used


@pytest.mark.parametrize("where", ["api_key", "default_headers", "extra_headers", "provider"])
async def test_header_values_with_cr_or_lf_are_refused_before_sending(
    server: TestServer, where: str
) -> None:
    bad = "sk-line-break-0123456789\r\nX-Injected: 1"
    with pytest.raises(ValueError, match="line break") as caught:
        if where == "api_key":
            AsyncOpenAI(api_key=bad, base_url=server.url)
        elif where == "default_headers":
            AsyncOpenAI(api_key="sk-ok-0123456789", base_url=server.url, default_headers={"X": bad})
        else:
            key: object = (lambda: bad) if where == "provider" else "sk-ok-0123456789"
            client = AsyncOpenAI(api_key=key, base_url=server.url)  # type: ignore[arg-type]
            extra = {"X": bad} if where == "extra_headers" else None
            async with client:
                await client.get("/never", extra_headers=extra)
    assert "sk-line-break" not in str(caught.value)  # the value is never echoed
    assert server.requests == []


def test_webhook_signatures_are_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    secret = SECRETS["webhook"]
    signed = b"msg_1.1700000000.{}"
    key = webhooks._key(secret)  # pyright: ignore[reportPrivateUsage]
    good = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000"}
    webhooks.verify_signature(
        b"{}", {**headers, "webhook-signature": f"v1,{good}"}, secret=secret, now=lambda: 1.7e9
    )
    assert compared == [(good.encode(), good.encode())]
    with pytest.raises(webhooks.InvalidWebhookSignatureError) as caught:
        webhooks.verify_signature(
            b"{}", {**headers, "webhook-signature": "v1,AAAA"}, secret=secret, now=lambda: 1.7e9
        )
    assert len(compared) == 2 and secret not in str(caught.value)
