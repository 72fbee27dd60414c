"""openai_async: an asyncio-first client for the OpenAI REST API, with a blocking twin.

Public names are imported lazily (PEP 562) so that ``import openai_async`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._types import NOT_GIVEN, NotGiven, Omit, Timeout, omit
from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncAzureOpenAI, AsyncOpenAI
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        InsufficientQuotaError,
        InternalServerError,
        NotFoundError,
        OpenAIError,
        PermissionDeniedError,
        PoolTimeoutError,
        RateLimitError,
        StreamIdleTimeoutError,
        UnprocessableEntityError,
    )
    from ._ratelimit import RateLimitInfo, rate_limit_info
    from ._response import AsyncAPIResponse
    from ._streaming import AsyncStream
    from ._sync._client import AzureOpenAI, OpenAI
    from ._sync._response import APIResponse
    from ._sync._streaming import Stream
    from ._transport import NewestFirstConnector
    from .lib.assistants import AssistantEventHandler, AsyncAssistantEventHandler
    from .lib.batch_engine import BatchJob
    from .lib.bulk import BulkProgress, bulk, bulk_sync
    from .lib.limiter import RateLimit
    from .lib.parsing import ContentFilterFinishReasonError, LengthFinishReasonError
    from .lib.polling import PollingTimeoutError
    from .lib.tool_runner import ToolRoundLimitError
    from .lib.tools import function_tool
    from .lib.uploads import to_file
    from .lib.webhooks import InvalidWebhookSignatureError

_LAZY: dict[str, str] = {
    "AsyncOpenAI": "._client",
    "AsyncAzureOpenAI": "._client",
    "OpenAI": "._sync._client",
    "AzureOpenAI": "._sync._client",
    "AsyncStream": "._streaming",
    "NewestFirstConnector": "._transport",
    "Stream": "._sync._streaming",
    "AsyncAPIResponse": "._response",
    "APIResponse": "._sync._response",
    "OpenAIError": "._exceptions",
    "APIError": "._exceptions",
    "APIConnectionError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "PoolTimeoutError": "._exceptions",
    "StreamIdleTimeoutError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "NotFoundError": "._exceptions",
    "ConflictError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "RateLimitError": "._exceptions",
    "InsufficientQuotaError": "._exceptions",
    "InternalServerError": "._exceptions",
    "RateLimitInfo": "._ratelimit",
    "rate_limit_info": "._ratelimit",
    "RateLimit": ".lib.limiter",
    "bulk": ".lib.bulk",
    "bulk_sync": ".lib.bulk",
    "BulkProgress": ".lib.bulk",
    "BatchJob": ".lib.batch_engine",
    "LengthFinishReasonError": ".lib.parsing",
    "ContentFilterFinishReasonError": ".lib.parsing",
    "ToolRoundLimitError": ".lib.tool_runner",
    "function_tool": ".lib.tools",
    "AsyncAssistantEventHandler": ".lib.assistants",
    "AssistantEventHandler": ".lib.assistants",
    "PollingTimeoutError": ".lib.polling",
    "to_file": ".lib.uploads",
    "InvalidWebhookSignatureError": ".lib.webhooks",
}

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "Omit",
    "Timeout",
    "__version__",
    "omit",
    "AsyncOpenAI",
    "AsyncAzureOpenAI",
    "OpenAI",
    "AzureOpenAI",
    "AsyncStream",
    "Stream",
    "NewestFirstConnector",
    "AsyncAPIResponse",
    "APIResponse",
    "OpenAIError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "PoolTimeoutError",
    "StreamIdleTimeoutError",
    "APIStatusError",
    "APIResponseValidationError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InsufficientQuotaError",
    "InternalServerError",
    "RateLimitInfo",
    "rate_limit_info",
    "RateLimit",
    "bulk",
    "bulk_sync",
    "BulkProgress",
    "BatchJob",
    "LengthFinishReasonError",
    "ContentFilterFinishReasonError",
    "ToolRoundLimitError",
    "function_tool",
    "AsyncAssistantEventHandler",
    "AssistantEventHandler",
    "PollingTimeoutError",
    "to_file",
    "InvalidWebhookSignatureError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'openai_async' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
