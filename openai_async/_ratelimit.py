"""Rate-limit information of a response: the ``x-ratelimit-*`` headers and the request id.

Every result keeps a reference to the headers of the response it came from (no parsing on the
way in); ``rate_limit_info(result)`` parses them when asked. It accepts what calls return:
response objects (Structs), ``AsyncStream`` / ``Stream``, raw and streamed responses, binary
content, and API errors. Reset values such as ``6m0s``, ``1s``, ``20ms`` or ``1h2m3.5s`` become
seconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import msgspec

__all__ = ["RateLimitInfo", "headers_of", "parse_rate_limit", "parse_reset", "rate_limit_info"]

_HEADERS_KEY: Final = "_headers"
_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s|d)")
_UNIT_SECONDS: Final = {
    "d": 86_400.0,
    "h": 3_600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "ns": 1e-9,
}


class RateLimitInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What one response said about the caller's limits; ``None`` where a header is missing.

    ``reset_*`` are seconds until the limit is fully replenished.
    """

    request_id: str | None = None
    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None


def parse_reset(text: str | None) -> float | None:
    """Seconds in a reset value: ``"6m0s"`` -> 360.0, ``"20ms"`` -> 0.02, ``"1.5"`` -> 1.5.

    ``None`` for a missing or unreadable value.
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    total = 0.0
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text):
        return None
    return total


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return None


def _lookup(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A mapping whose keys are found case-insensitively (aiohttp's headers already are)."""
    if hasattr(headers, "getall"):  # a CIMultiDict(Proxy)
        return headers
    return {key.lower(): value for key, value in headers.items()}


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitInfo:
    """The ``RateLimitInfo`` of a set of response headers."""
    found = _lookup(headers)
    return RateLimitInfo(
        request_id=found.get("x-request-id"),
        limit_requests=_int(found.get("x-ratelimit-limit-requests")),
        limit_tokens=_int(found.get("x-ratelimit-limit-tokens")),
        remaining_requests=_int(found.get("x-ratelimit-remaining-requests")),
        remaining_tokens=_int(found.get("x-ratelimit-remaining-tokens")),
        reset_requests=parse_reset(found.get("x-ratelimit-reset-requests")),
        reset_tokens=parse_reset(found.get("x-ratelimit-reset-tokens")),
    )


def headers_of(obj: object) -> Mapping[str, str] | None:
    """The response headers ``obj`` carries, if any (no parsing)."""
    extra: dict[str, Any] | None = getattr(obj, "__dict__", None)
    if extra is not None and _HEADERS_KEY in extra:
        kept: Mapping[str, str] | None = extra[_HEADERS_KEY]
        return kept
    headers: object = getattr(obj, "headers", None)  # raw responses, API errors
    if isinstance(headers, Mapping):
        return headers  # type: ignore[return-value]
    response: object = getattr(obj, "response", None)  # streams, binary content
    if response is None or response is obj:
        return None
    headers = getattr(response, "headers", None)
    if isinstance(headers, Mapping):
        return headers  # type: ignore[return-value]
    return None


def rate_limit_info(obj: object) -> RateLimitInfo | None:
    """The rate-limit headers and request id of the response ``obj`` came from.

    ``obj`` is anything a call returns (a response object, a stream, a raw or streamed
    response, binary content) or an ``APIStatusError``. ``None`` when ``obj`` carries no
    response (an object built in code, a nested object, a plain ``dict``).
    """
    headers = headers_of(obj)
    if headers is None:
        return None
    return parse_rate_limit(headers)
