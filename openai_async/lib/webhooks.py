# pyright: reportPrivateUsage=false
"""Webhook signature checks and typed events: ``client.webhooks.verify_signature / unwrap``.

A delivery carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` (space-separated ``v1,<base64>`` entries) headers. The signature is
HMAC-SHA256, keyed by the secret (``whsec_<base64>``, or the raw text of any other secret),
over ``"{id}.{timestamp}.{body}"``. Any one matching entry is enough; entries are compared in
constant time. A timestamp more than ``tolerance`` seconds in the past or the future fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import importlib
import os
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, TypeAlias, Union, cast

from .._exceptions import OpenAIError

if TYPE_CHECKING:
    from .._client import AsyncOpenAI

__all__ = [
    "AsyncWebhooksMixin",
    "InvalidWebhookSignatureError",
    "Webhooks",
    "WebhooksMixin",
    "unwrap",
    "verify_signature",
]

SECRET_ENV: Final = "OPENAI_WEBHOOK_SECRET"
DEFAULT_TOLERANCE: Final = 300

HeadersLike: TypeAlias = Union[Mapping[str, str], "list[tuple[str, str]]"]

# The event ``type`` of each webhook schema -> (module, class) under openai_async.types.webhooks.
_EVENTS: Final[dict[str, tuple[str, str]]] = {
    "batch.cancelled": ("batch_cancelled_webhook_event", "BatchCancelledWebhookEvent"),
    "batch.completed": ("batch_completed_webhook_event", "BatchCompletedWebhookEvent"),
    "batch.expired": ("batch_expired_webhook_event", "BatchExpiredWebhookEvent"),
    "batch.failed": ("batch_failed_webhook_event", "BatchFailedWebhookEvent"),
    "eval.run.canceled": ("eval_run_canceled_webhook_event", "EvalRunCanceledWebhookEvent"),
    "eval.run.failed": ("eval_run_failed_webhook_event", "EvalRunFailedWebhookEvent"),
    "eval.run.succeeded": ("eval_run_succeeded_webhook_event", "EvalRunSucceededWebhookEvent"),
    "fine_tuning.job.cancelled": (
        "fine_tuning_job_cancelled_webhook_event",
        "FineTuningJobCancelledWebhookEvent",
    ),
    "fine_tuning.job.failed": (
        "fine_tuning_job_failed_webhook_event",
        "FineTuningJobFailedWebhookEvent",
    ),
    "fine_tuning.job.succeeded": (
        "fine_tuning_job_succeeded_webhook_event",
        "FineTuningJobSucceededWebhookEvent",
    ),
    "live.call.incoming": ("live_call_incoming_webhook_event", "LiveCallIncomingWebhookEvent"),
    "realtime.call.incoming": (
        "realtime_call_incoming_webhook_event",
        "RealtimeCallIncomingWebhookEvent",
    ),
    "response.cancelled": ("response_cancelled_webhook_event", "ResponseCancelledWebhookEvent"),
    "response.completed": ("response_completed_webhook_event", "ResponseCompletedWebhookEvent"),
    "response.failed": ("response_failed_webhook_event", "ResponseFailedWebhookEvent"),
    "response.incomplete": (
        "response_incomplete_webhook_event",
        "ResponseIncompleteWebhookEvent",
    ),
}


class InvalidWebhookSignatureError(OpenAIError, ValueError):
    """The payload, its headers and the secret do not go together (or the delivery is stale)."""


def _header(headers: HeadersLike, name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if key.lower() == name:
            return value
    raise InvalidWebhookSignatureError(f"missing the {name} header")


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidWebhookSignatureError("the whsec_ secret is not valid base64") from exc
    return secret.encode()


def _check_time(timestamp: str, tolerance: float, now: float) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise InvalidWebhookSignatureError("webhook-timestamp is not a number") from None
    if now - sent > tolerance:
        raise InvalidWebhookSignatureError("the webhook timestamp is too old")
    if sent - now > tolerance:
        raise InvalidWebhookSignatureError("the webhook timestamp is too far in the future")


def verify_signature(
    payload: str | bytes,
    headers: HeadersLike,
    *,
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Callable[[], float] = time.time,
) -> None:
    """Raise ``InvalidWebhookSignatureError`` unless ``payload`` is signed with ``secret``."""
    body = payload.encode() if isinstance(payload, str) else payload
    message_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    _check_time(timestamp, tolerance, now())
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest())
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise InvalidWebhookSignatureError("no webhook signature matches the payload and secret")


def parse_event(payload: str | bytes) -> Any:
    """The typed event of a (verified) payload; an unknown ``type`` keeps its raw data."""
    import msgspec

    from .._decode import decode
    from .._models import UnknownObject

    body = payload.encode() if isinstance(payload, str) else payload
    fields: object = msgspec.json.decode(body)
    if not isinstance(fields, dict):
        raise InvalidWebhookSignatureError("the webhook payload is not a JSON object")
    event = cast("dict[str, Any]", fields)
    kind: object = event.get("type")
    target = _EVENTS.get(kind) if isinstance(kind, str) else None
    if target is None:
        unknown: Any = UnknownObject(event)
        return unknown
    module = importlib.import_module(f"openai_async.types.webhooks.{target[0]}")
    return decode(getattr(module, target[1]), body)


def unwrap(
    payload: str | bytes,
    headers: HeadersLike,
    *,
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Callable[[], float] = time.time,
) -> Any:
    """Verify the delivery, then return its typed event."""
    verify_signature(payload, headers, secret=secret, tolerance=tolerance, now=now)
    return parse_event(payload)


class Webhooks:
    """``client.webhooks``: the secret comes from the call, else the client's
    ``webhook_secret``, else ``OPENAI_WEBHOOK_SECRET``."""

    __slots__ = ("_default_secret",)

    def __init__(self, default_secret: str | None) -> None:
        self._default_secret = default_secret

    def _secret(self, secret: str | None) -> str:
        found = secret or self._default_secret or os.environ.get(SECRET_ENV)
        if not found:
            raise OpenAIError(
                "No webhook secret: pass secret=..., set the client's webhook_secret, or set "
                f"the {SECRET_ENV} environment variable"
            )
        return found

    def verify_signature(
        self,
        payload: str | bytes,
        headers: HeadersLike,
        *,
        secret: str | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> None:
        """Raise ``InvalidWebhookSignatureError`` unless the delivery is genuine and fresh."""
        verify_signature(payload, headers, secret=self._secret(secret), tolerance=tolerance)

    def unwrap(
        self,
        payload: str | bytes,
        headers: HeadersLike,
        *,
        secret: str | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> Any:
        """Verify the delivery, then return its typed event (e.g. ``ResponseCompletedWebhookEvent``)."""
        return unwrap(payload, headers, secret=self._secret(secret), tolerance=tolerance)


def _configured_secret(client: object) -> str | None:
    value = getattr(client, "webhook_secret", None)
    return value if isinstance(value, str) else None


class AsyncWebhooksMixin:
    """``client.webhooks`` on ``AsyncOpenAI``."""

    __slots__ = ()

    @cached_property
    def webhooks(self) -> Webhooks:
        """Webhook signature checks and typed events."""
        return Webhooks(_configured_secret(self))


class WebhooksMixin:
    """``client.webhooks`` on ``OpenAI``."""

    __slots__ = ()
    _async_client: AsyncOpenAI

    @cached_property
    def webhooks(self) -> Webhooks:
        """Webhook signature checks and typed events."""
        return Webhooks(_configured_secret(self._async_client))
