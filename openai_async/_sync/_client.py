"""``OpenAI`` and ``AzureOpenAI``: blocking clients that drive an async client on a portal thread.

Each blocking client holds the ``AsyncOpenAI`` (or ``AsyncAzureOpenAI``) it drives as
``_async_client``; every blocking method is one call of the async method on the client's portal
thread (see ``_portal.py``), so there is one HTTP stack. ``with_options()`` copies share the
portal thread and, like the async copies, the connection pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from typing_extensions import Self, override

from .._client import ApiKey, AsyncAzureOpenAI, AsyncOpenAI
from .._constants import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_DELAY,
    DEFAULT_TIMEOUT,
)
from .._exceptions import OpenAIError
from .._retry import Sleep
from .._transport import SessionFactory
from .._types import NOT_GIVEN, Headers, NotGiven, Omit, Query, TimeoutTypes
from ._convert import async_cast_to, async_page_kind, call
from ._pagination import BaseSyncPage
from ._portal import PortalThread
from ._response import response_mode
from .resources._root import SyncResourceRoot

if TYPE_CHECKING:
    from ..lib.limiter import RateLimit

__all__ = ["AzureOpenAI", "OpenAI"]


class OpenAI(SyncResourceRoot):
    """The blocking client of the OpenAI API. Every argument is keyword-only.

    The options are those of ``AsyncOpenAI``. The first call starts one background thread
    running the async client; ``close()`` (or leaving ``with``) stops it.
    """

    _async_client: AsyncOpenAI
    _portal: PortalThread

    def __init__(
        self,
        *,
        api_key: ApiKey | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        webhook_secret: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        stream_idle_timeout: float | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY,
        default_headers: Headers | None = None,
        default_query: Query | None = None,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        session_factory: SessionFactory | None = None,
        proxy: str | None = None,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
        rate_limit: RateLimit | None = None,
        _sleep: Sleep | None = None,
    ) -> None:
        self._bind(
            AsyncOpenAI(
                api_key=api_key,
                organization=organization,
                project=project,
                base_url=base_url,
                websocket_base_url=websocket_base_url,
                webhook_secret=webhook_secret,
                timeout=timeout,
                stream_idle_timeout=stream_idle_timeout,
                max_retries=max_retries,
                max_retry_delay=max_retry_delay,
                default_headers=default_headers,
                default_query=default_query,
                session=session,
                connector=connector,
                session_factory=session_factory,
                proxy=proxy,
                connection_limit=connection_limit,
                rate_limit=rate_limit,
                _sleep=_sleep,
            ),
            None,
        )

    def _bind(self, async_client: AsyncOpenAI, portal: PortalThread | None) -> None:
        _refuse_loop_bound(async_client)
        self._async_client = async_client
        self._portal = portal if portal is not None else PortalThread(async_client.aclose)

    @classmethod
    def _wrap(cls, async_client: AsyncOpenAI, portal: PortalThread) -> Self:
        client = cls.__new__(cls)
        client._bind(async_client, portal)
        return client

    # -- configuration (read from the async client) --------------------------------------------

    @property
    def websocket_base_url(self) -> str | None:
        """Where ``realtime.connect()`` opens its WebSocket (``None``: from ``base_url``)."""
        return self._async_client.websocket_base_url

    @property
    def webhook_secret(self) -> str | None:
        """The secret ``client.webhooks`` checks signatures with."""
        return self._async_client.webhook_secret

    @property
    def api_key(self) -> ApiKey | None:
        """The key, or the function that provides it."""
        return self._async_client.api_key

    @property
    def organization(self) -> str | None:
        """Sent as ``OpenAI-Organization``."""
        return self._async_client.organization

    @property
    def project(self) -> str | None:
        """Sent as ``OpenAI-Project``."""
        return self._async_client.project

    @property
    def base_url(self) -> str:
        """The URL that request paths are joined to."""
        return self._async_client.base_url

    @property
    def timeout(self) -> TimeoutTypes:
        """The default per-attempt timeout."""
        return self._async_client.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed call is retried."""
        return self._async_client.max_retries

    @property
    def default_headers(self) -> dict[str, str | Omit]:
        """Headers sent with every call."""
        return self._async_client.default_headers

    @property
    def default_query(self) -> dict[str, object]:
        """Query parameters sent with every call."""
        return self._async_client.default_query

    def with_options(self, **changes: Any) -> Self:
        """A copy with some constructor options changed, sharing this client's thread.

        It shares the connection pool too unless ``session``, ``connector``,
        ``connection_limit`` or ``proxy`` change.
        """
        return self._wrap(self._async_client.with_options(**changes), self._portal)

    copy = with_options

    @override
    def __repr__(self) -> str:
        return repr(self._async_client)[len("Async") :]

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool and stop the thread (shared with this client's copies).

        A later call starts them again.
        """
        self._portal.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- running async methods -----------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """Run ``fn(**kwargs)`` on the portal, await it, and return its blocking counterpart."""
        return call(self._portal, response_mode.get(), fn, kwargs)

    # -- low-level verbs -----------------------------------------------------------------------

    def get(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``GET path``; keyword arguments as for ``AsyncOpenAI._request``.

        ``cast_to=APIResponse[T]`` (or ``StreamedResponse[T]``) returns the raw response; a
        streamed one must be closed (``close()``) unless its body is read to the end.
        """
        return self._call(
            self._async_client.get, path=path, cast_to=async_cast_to(cast_to), **kwargs
        )

    def post(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``POST path``; keyword arguments as for ``AsyncOpenAI._request``."""
        return self._call(
            self._async_client.post, path=path, cast_to=async_cast_to(cast_to), **kwargs
        )

    def put(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``PUT path``; keyword arguments as for ``AsyncOpenAI._request``."""
        return self._call(
            self._async_client.put, path=path, cast_to=async_cast_to(cast_to), **kwargs
        )

    def patch(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``PATCH path``; keyword arguments as for ``AsyncOpenAI._request``."""
        return self._call(
            self._async_client.patch, path=path, cast_to=async_cast_to(cast_to), **kwargs
        )

    def delete(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``DELETE path``; keyword arguments as for ``AsyncOpenAI._request``."""
        return self._call(
            self._async_client.delete, path=path, cast_to=async_cast_to(cast_to), **kwargs
        )

    def get_api_list(
        self, path: str, *, page: Any, item: Any = object, **kwargs: Any
    ) -> BaseSyncPage[Any]:
        """The first page of ``path``; iterating it yields the items of every page.

        ``page`` is a page kind, blocking (``SyncCursorPage[T]``) or async
        (``AsyncCursorPage[T]``).
        """
        first: BaseSyncPage[Any] = self._call(
            self._async_client.get_api_list,
            path=path,
            page=async_page_kind(page),
            item=item,
            **kwargs,
        )
        return first


def _refuse_loop_bound(async_client: AsyncOpenAI) -> None:
    """aiohttp sessions and connectors belong to the loop they were made in; the blocking
    client's loop lives in its portal thread, so only a factory called there can work."""
    options = async_client._options  # pyright: ignore[reportPrivateUsage]
    for name in ("session", "connector"):
        if options.get(name) is not None:
            raise OpenAIError(
                f"the blocking client cannot use {name}=: aiohttp binds it to the event loop "
                "it was created in, and this client runs its own loop in a background thread. "
                "Pass session_factory=<a function returning an aiohttp.ClientSession>; it is "
                "called inside that loop."
            )


class AzureOpenAI(OpenAI):
    """The blocking client of Azure OpenAI; options as for ``AsyncAzureOpenAI``."""

    def __init__(
        self,
        *,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_version: str | None = None,
        api_key: ApiKey | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: Callable[[], str] | Callable[[], Awaitable[str]] | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        webhook_secret: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        stream_idle_timeout: float | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY,
        default_headers: Headers | None = None,
        default_query: Query | None = None,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        session_factory: SessionFactory | None = None,
        proxy: str | None = None,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
        rate_limit: RateLimit | None = None,
        _sleep: Sleep | None = None,
    ) -> None:
        self._bind(
            AsyncAzureOpenAI(
                azure_endpoint=azure_endpoint,
                azure_deployment=azure_deployment,
                api_version=api_version,
                api_key=api_key,
                azure_ad_token=azure_ad_token,
                azure_ad_token_provider=azure_ad_token_provider,
                organization=organization,
                project=project,
                base_url=base_url,
                websocket_base_url=websocket_base_url,
                webhook_secret=webhook_secret,
                timeout=timeout,
                stream_idle_timeout=stream_idle_timeout,
                max_retries=max_retries,
                max_retry_delay=max_retry_delay,
                default_headers=default_headers,
                default_query=default_query,
                session=session,
                connector=connector,
                session_factory=session_factory,
                proxy=proxy,
                connection_limit=connection_limit,
                rate_limit=rate_limit,
                _sleep=_sleep,
            ),
            None,
        )

    @property
    def _azure(self) -> AsyncAzureOpenAI:
        return cast("AsyncAzureOpenAI", self._async_client)

    @property
    def api_version(self) -> str:
        """Sent as the ``api-version`` query parameter."""
        return self._azure.api_version

    @property
    def azure_endpoint(self) -> str | None:
        """The resource endpoint, ``https://<name>.openai.azure.com``."""
        return self._azure.azure_endpoint

    @property
    def azure_deployment(self) -> str | None:
        """The deployment every call is routed to, if fixed at construction."""
        return self._azure.azure_deployment
