"""Defaults of the client and the request pipeline, in one place."""

from __future__ import annotations

from typing import Final

from ._types import Timeout

__all__ = [
    "AZURE_MODEL_ROUTES",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_KEEPALIVE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_DELAY",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_BACKOFF_DELAY",
    "RETRY_COUNT_HEADER",
]

DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_TIMEOUT: Final = Timeout(total=600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
# Longest Retry-After the client is willing to wait; a longer one raises at once.
DEFAULT_MAX_RETRY_DELAY: Final = 120.0
# Exponential backoff when the server gives no Retry-After: 0.5 s doubling up to 8 s.
INITIAL_RETRY_DELAY: Final = 0.5
MAX_BACKOFF_DELAY: Final = 8.0
DEFAULT_CONNECTION_LIMIT: Final = 1000
DEFAULT_KEEPALIVE: Final = 30.0
RETRY_COUNT_HEADER: Final = "OpenAI-Async-Retry-Count"

# Routes whose Azure form is /deployments/{model}/... when no deployment is configured.
AZURE_MODEL_ROUTES: Final = frozenset(
    {
        "/completions",
        "/chat/completions",
        "/embeddings",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/images/generations",
        "/images/edits",
        "/images/variations",
    }
)
