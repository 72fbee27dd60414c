"""Webhook signatures: valid deliveries, whsec_ and raw secrets, several signatures, tampering,
stale and future timestamps, missing headers, typed events, and the secret's sources."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from openai_async import AsyncOpenAI, InvalidWebhookSignatureError, OpenAI, OpenAIError
from openai_async.lib.webhooks import verify_signature

KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "created_at": 1,
        "type": "response.completed",
        "data": {"id": "resp_1"},
    }
)


def sign(
    body: str, key: bytes = KEY, msg_id: str = "msg_1", ts: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(key, f"{msg_id}.{stamp}.{body}".encode(), hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def test_unwrap_returns_the_typed_event() -> None:
    client = AsyncOpenAI(api_key="k")
    event = client.webhooks.unwrap(BODY, sign(BODY), secret=SECRET)
    assert type(event).__name__ == "ResponseCompletedWebhookEvent"
    assert event.data.id == "resp_1" and event.type == "response.completed"
    unknown = json.dumps({"id": "evt_2", "type": "brand.new", "data": {"x": 1}})
    other = client.webhooks.unwrap(unknown.encode(), sign(unknown), secret=SECRET)
    assert other.type == "brand.new" and other.data == {"x": 1}


def test_several_signatures_and_raw_secrets() -> None:
    headers = sign(BODY, key=b"raw-secret")
    headers["webhook-signature"] = "v1,bm90LWl0 " + headers["webhook-signature"]
    verify_signature(BODY, list(headers.items()), secret="raw-secret")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h, b + " "), "no webhook signature matches"),
        (lambda h, b: ({**h, "webhook-id": "msg_2"}, b), "no webhook signature matches"),
        (lambda h, b: ({**h, "webhook-signature": "v2,abc"}, b), "no webhook signature matches"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), "missing"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), "not a number"),
    ],
)
def test_tampered_deliveries_are_rejected(change: object, reason: str) -> None:
    headers, body = change(sign(BODY), BODY)  # type: ignore[operator]
    with pytest.raises(InvalidWebhookSignatureError, match=reason):
        verify_signature(body, headers, secret=SECRET)


def test_timestamps_outside_the_tolerance() -> None:
    now = 1_700_000_000
    old = sign(BODY, ts=now - 301)
    with pytest.raises(InvalidWebhookSignatureError, match="too old"):
        verify_signature(BODY, old, secret=SECRET, now=lambda: now)
    ahead = sign(BODY, ts=now + 301)
    with pytest.raises(InvalidWebhookSignatureError, match="future"):
        verify_signature(BODY, ahead, secret=SECRET, now=lambda: now)
    verify_signature(BODY, old, secret=SECRET, tolerance=400, now=lambda: now)
    with pytest.raises(InvalidWebhookSignatureError, match="base64"):
        verify_signature(BODY, sign(BODY), secret="whsec_***")


def test_secret_from_the_environment_or_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    client = OpenAI(api_key="k")
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    with pytest.raises(OpenAIError, match="No webhook secret"):
        client.webhooks.verify_signature(BODY, sign(BODY))
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    client.webhooks.verify_signature(BODY, sign(BODY))
    with pytest.raises(InvalidWebhookSignatureError):
        client.webhooks.verify_signature(BODY, sign(BODY, key=b"other"))
    client.close()


def test_webhook_secret_client_option_on_both_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    async_client = AsyncOpenAI(api_key="k", webhook_secret=SECRET)
    assert async_client.webhooks.unwrap(BODY, sign(BODY)).data.id == "resp_1"
    assert async_client.with_options(max_retries=0).webhook_secret == SECRET
    assert SECRET not in repr(async_client)
    with OpenAI(api_key="k", webhook_secret=SECRET) as blocking:
        assert blocking.webhook_secret == SECRET
        assert blocking.webhooks.unwrap(BODY, sign(BODY)).data.id == "resp_1"
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    assert AsyncOpenAI(api_key="k").webhook_secret == SECRET
