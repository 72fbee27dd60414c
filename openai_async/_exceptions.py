"""The exception hierarchy, and the one place where an HTTP status becomes an exception."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from ._logging import redact

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsufficientQuotaError",
    "InternalServerError",
    "NotFoundError",
    "OpenAIError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "StreamIdleTimeoutError",
    "UnprocessableEntityError",
    "error_from_event",
    "make_status_error",
]

_EMPTY_HEADERS: Final[Mapping[str, str]] = {}
_MAX_TEXT: Final = 500


class OpenAIError(Exception):
    """Base of every error this library raises."""


class APIError(OpenAIError):
    """An error tied to an API call; the fields are ``None`` when the server gave none."""

    message: str
    status_code: int | None
    headers: Mapping[str, str]
    request_id: str | None
    body: object
    code: str | None
    param: str | None
    type: str | None

    def __init__(
        self,
        message: str,
        *,
        body: object = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.body = body
        self.code = code
        self.param = param
        self.type = type
        self.status_code = status_code
        self.headers = headers if headers is not None else _EMPTY_HEADERS
        self.request_id = self.headers.get("x-request-id")


class APIConnectionError(APIError):
    """The request did not get an HTTP answer (DNS, refused, reset, TLS, ...)."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """An attempt ran out of time."""

    def __init__(self, message: str = "Request timed out.") -> None:
        super().__init__(message)


class PoolTimeoutError(APITimeoutError):
    """No pooled connection became free in time."""

    pool_size: int

    def __init__(self, pool_size: int, waited: float | None) -> None:
        limit = f" after {waited:g} s" if waited is not None else ""
        super().__init__(
            f"Timed out{limit} waiting for a free connection: all {pool_size} connections "
            "of the pool are in use (raise connection_limit or lower concurrency)."
        )
        self.pool_size = pool_size


class StreamIdleTimeoutError(APITimeoutError):
    """A stream sent no event for longer than its idle limit; its connection was dropped."""

    idle_timeout: float

    def __init__(self, idle_timeout: float) -> None:
        super().__init__(
            f"The stream sent no event for {idle_timeout:g} s (the stream idle timeout); "
            "the connection was closed. Tune it with stream_idle_timeout= on the client or "
            "timeout=Timeout(stream_idle=...) on the call."
        )
        self.idle_timeout = idle_timeout


class APIResponseValidationError(APIError):
    """A 2xx answer whose body could not be read as the expected type."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: object = None,
    ) -> None:
        super().__init__(message, body=body, status_code=status_code, headers=headers)


class APIStatusError(APIError):
    """The server answered with a non-2xx status."""

    status_code: int  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
    ) -> None:
        super().__init__(
            message,
            body=body,
            code=code,
            param=param,
            type=type,
            status_code=status_code,
            headers=headers,
        )


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InsufficientQuotaError(RateLimitError):
    """429 whose error code is ``insufficient_quota``: retrying does not help."""


class InternalServerError(APIStatusError):
    """Any status >= 500."""


_BY_STATUS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_TAGS: Final = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACES: Final = re.compile(r"\s+")


def _text_of(content: bytes) -> str:
    text = content.decode("utf-8", "replace")
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "..."


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _fields(error: Mapping[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    message = error.get("message")
    return (
        _str_or_none(message) if message else None,
        _str_or_none(error.get("code")),
        _str_or_none(error.get("param")),
        _str_or_none(error.get("type")),
    )


def _error_object(body: object) -> Mapping[str, Any] | None:
    """The OpenAI-shaped error dict in ``body`` (``{"error": {...}}`` or the dict itself)."""
    if not isinstance(body, dict):
        return None
    data: dict[str, Any] = body  # type: ignore[assignment]
    inner = data.get("error")
    if isinstance(inner, dict):
        return inner  # type: ignore[return-value]
    if "message" in data:
        return data
    return None


def make_status_error(status: int, headers: Mapping[str, str], content: bytes) -> APIStatusError:
    """The typed exception for a non-2xx answer with these headers and body bytes."""
    body: object
    try:
        body = msgspec.json.decode(content) if content else None
    except msgspec.DecodeError:
        body = _text_of(content)
    message = code = param = kind = None
    error = _error_object(body)
    if error is not None:
        message, code, param, kind = _fields(error)
    if message is None:
        if isinstance(body, str):
            message = body or None
        elif body is not None:
            message = _text_of(content)
    text = f"Error code: {status} - {message}" if message else f"Error code: {status}"
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    elif cls is RateLimitError and "insufficient_quota" in (code, kind):
        cls = InsufficientQuotaError
    return cls(
        text, status_code=status, headers=headers, body=body, code=code, param=param, type=kind
    )


def error_from_event(payload: dict[str, object]) -> APIError:
    """The error for an ``error`` event received in the middle of a stream."""
    error = _error_object(payload)
    message = code = param = kind = None
    if error is not None:
        message, code, param, kind = _fields(error)
    if message is None:
        message = f"The stream reported an error: {msgspec.json.encode(payload).decode()}"
    return APIError(message, body=payload, code=code, param=param, type=kind)
