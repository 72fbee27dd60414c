"""The ``openai_async`` logger, ``OPENAI_LOG`` support and secret redaction.

Every module logs through ``logger``. A filter on it rewrites any record whose text holds an
API key or an ``Authorization`` / ``api-key`` value, so secrets never reach a handler.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from typing import Final

from typing_extensions import override

__all__ = ["RedactingFilter", "logger", "redact", "register_secret", "setup_logging"]

logger: Final = logging.getLogger("openai_async")

REDACTED: Final = "<redacted>"
_PATTERN: Final = re.compile(
    r"(?P<header>\b(?:authorization|api-key)['\"]?\s*[:=]\s*['\"]?(?:Bearer\s+)?)[^\s'\",;}]+"
    r"|(?P<bearer>\bBearer\s+)[^\s'\",;]+"
    r"|\bsk-[A-Za-z0-9_\-]{4,}",
    re.IGNORECASE,
)
# Secrets the clients actually hold (static keys, and the latest values of key providers),
# so that keys without a recognisable shape are redacted too. Bounded: providers rotate.
_secrets: deque[str] = deque(maxlen=64)


def register_secret(value: str) -> None:
    """Remember ``value`` as a secret to redact (values shorter than 8 characters are ignored)."""
    if len(value) >= 8 and value not in _secrets:
        _secrets.append(value)


def _replace(match: re.Match[str]) -> str:
    prefix = match.group("bearer") or match.group("header") or ""
    return prefix + REDACTED


def redact(text: str) -> str:
    """``text`` with API keys and credential header values replaced by ``<redacted>``."""
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _PATTERN.sub(_replace, text)


class RedactingFilter(logging.Filter):
    """Rewrites records so that no secret survives formatting."""

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_FILTER: Final = RedactingFilter()
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}


def setup_logging() -> None:
    """Install the redaction filter; with ``OPENAI_LOG=debug|info`` also log to stderr."""
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    level = _LEVELS.get(os.environ.get("OPENAI_LOG", "").strip().lower())
    if level is None or any(getattr(h, "_openai_async", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    handler.addFilter(_FILTER)
    handler._openai_async = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


setup_logging()
