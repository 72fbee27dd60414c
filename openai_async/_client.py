"""``AsyncOpenAI`` and ``AsyncAzureOpenAI``: configuration, and the one place that sends HTTP."""

from __future__ import annotations

import asyncio
import inspect
import os
import platform
import sys
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, TypeAlias, Union
from urllib.parse import quote

import aiohttp
import msgspec
from typing_extensions import Self, override

from ._constants import (
    AZURE_MODEL_ROUTES,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_DELAY,
    DEFAULT_TIMEOUT,
    RETRY_COUNT_HEADER,
)
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    OpenAIError,
    PoolTimeoutError,
    make_status_error,
)
from ._logging import logger, register_secret
from ._multipart import Multipart, prepare_files
from ._request import check_header, encode_body, encode_query, form_fields, join_url, merge_headers
from ._response import finish
from ._retry import RetryPolicy, Sleep
from ._transport import (
    SessionFactory,
    SessionStore,
    credential_guard,
    request_middlewares,
    set_idle_limit,
)
from ._types import NOT_GIVEN, Headers, NotGiven, Omit, Query, RequestFiles, Timeout, TimeoutTypes
from ._version import __version__
from .resources._root import AsyncResourceRoot

if TYPE_CHECKING:
    from ._pagination import AsyncPaginator
    from .lib.limiter import RateLimit

__all__ = ["ApiKey", "AsyncAzureOpenAI", "AsyncOpenAI"]

ApiKey: TypeAlias = Union[str, Callable[[], str], Callable[[], Awaitable[str]]]
"""A key, or a sync or async function returning one (called before every attempt)."""

_USER_AGENT: Final = (
    f"openai_async/{__version__} Python/{platform.python_version()} "
    f"{platform.system() or sys.platform}"
)
_JSON: Final = "application/json"
_EVENT_STREAM: Final = "text/event-stream"
_DEBUG: Final = 10
_INFO: Final = 20
# Options whose change gives a copy its own connection pool.
_POOL_OPTIONS: Final = frozenset(
    {"session", "connector", "connection_limit", "proxy", "session_factory"}
)


def _sum(first: float | None, second: float | None) -> float | None:
    if first is None or second is None:
        return None
    return first + second


@lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout, stream: bool) -> aiohttp.ClientTimeout:
    """aiohttp limits for one attempt.

    ``total`` covers connect to last body byte; for streams it bounds each wait for data
    instead, so a long stream is not cut. aiohttp's ``connect`` covers the pool wait plus
    the connect; ``sock_connect`` the connect alone.
    """
    connect = _sum(timeout.pool, timeout.connect)
    if stream:
        read = timeout.read if timeout.read is not None else timeout.total
        return aiohttp.ClientTimeout(
            total=None, connect=connect, sock_connect=timeout.connect, sock_read=read
        )
    return aiohttp.ClientTimeout(
        total=timeout.total, connect=connect, sock_connect=timeout.connect, sock_read=timeout.read
    )


def _as_timeout(value: TimeoutTypes, stream_idle: float | None = 120.0) -> Timeout:
    """``value`` as a ``Timeout``; a number or ``None`` keeps ``stream_idle``."""
    if isinstance(value, Timeout):
        return value
    if value is None:
        return Timeout(total=None, connect=None, read=None, pool=None, stream_idle=stream_idle)
    seconds = float(value)
    connect = DEFAULT_TIMEOUT.connect
    return Timeout(
        total=seconds,
        connect=seconds if connect is None else min(connect, seconds),
        pool=seconds,
        stream_idle=stream_idle,
    )


class AsyncOpenAI(AsyncResourceRoot):
    """The asyncio client of the OpenAI API. Every argument is keyword-only."""

    api_key: ApiKey | None
    _store: SessionStore
    _auth_header: str
    _auth_prefix: str

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
        _store: SessionStore | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("OPENAI_API_KEY")
        if api_key is None:
            raise OpenAIError(
                "No API key: pass api_key=... to the client or set the OPENAI_API_KEY "
                "environment variable"
            )
        if organization is None:
            organization = os.environ.get("OPENAI_ORG_ID")
        if project is None:
            project = os.environ.get("OPENAI_PROJECT_ID")
        if base_url is None:
            base_url = os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.api_key = api_key
        self.organization = organization
        self.project = project
        self.websocket_base_url = websocket_base_url
        if webhook_secret is None:
            webhook_secret = os.environ.get("OPENAI_WEBHOOK_SECRET")
        if webhook_secret is not None:
            register_secret(webhook_secret)
        self.webhook_secret = webhook_secret
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "organization": organization,
            "project": project,
            "base_url": base_url,
            "websocket_base_url": websocket_base_url,
            "webhook_secret": webhook_secret,
        }
        identity: dict[str, str | Omit] = {}
        if organization is not None:
            identity["OpenAI-Organization"] = organization
        if project is not None:
            identity["OpenAI-Project"] = project
        self._configure(
            base_url=base_url,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            max_retries=max_retries,
            max_retry_delay=max_retry_delay,
            identity_headers=identity,
            default_headers=default_headers,
            default_query=default_query,
            session=session,
            connector=connector,
            session_factory=session_factory,
            proxy=proxy,
            connection_limit=connection_limit,
            rate_limit=rate_limit,
            sleep=_sleep,
            store=_store,
        )
        self._set_auth("Authorization", "Bearer ", api_key)

    # -- configuration -----------------------------------------------------------------------

    def _configure(
        self,
        *,
        base_url: str,
        timeout: TimeoutTypes,
        stream_idle_timeout: float | NotGiven | None,
        max_retries: int,
        max_retry_delay: float,
        identity_headers: dict[str, str | Omit],
        default_headers: Headers | None,
        default_query: Query | None,
        session: aiohttp.ClientSession | None,
        connector: aiohttp.BaseConnector | None,
        session_factory: SessionFactory | None,
        proxy: str | None,
        connection_limit: int,
        rate_limit: RateLimit | None,
        sleep: Sleep | None,
        store: SessionStore | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_delay = max_retry_delay
        self.default_headers: dict[str, str | Omit] = dict(default_headers or {})
        self.default_query: dict[str, object] = dict(default_query or {})
        self._timeout = _as_timeout(timeout)
        if not isinstance(stream_idle_timeout, NotGiven):
            self._timeout = msgspec.structs.replace(self._timeout, stream_idle=stream_idle_timeout)
        self._retry = RetryPolicy(max_retries, max_retry_delay, sleep)
        self._proxy = proxy
        self._limiter = rate_limit
        self._rewrite_routes = False
        static: dict[str, str] = {"User-Agent": _USER_AGENT, "Accept": _JSON}
        merge_headers(static, identity_headers)
        merge_headers(static, self.default_headers)
        self._static_headers = static
        self._options.update(
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
            _sleep=sleep,
        )
        if store is None:
            store = SessionStore(
                connection_limit=connection_limit,
                session=session,
                connector=connector,
                session_factory=session_factory,
            )
        self._store = store

    def _set_auth(self, header: str, prefix: str, credential: ApiKey) -> None:
        """Use ``credential`` (a value or a provider) as ``header: prefix + value``."""
        self._auth_header = header
        self._auth_prefix = prefix
        # aiohttp drops only Authorization on a cross-origin redirect: guard any other header.
        self._redirect_guard = (
            None if header.lower() == "authorization" else credential_guard(self.base_url, header)
        )
        if isinstance(credential, str):
            check_header(header, credential)
            register_secret(credential)
            self._static_headers[header] = prefix + credential
            self._auth_provider: Callable[[], Any] | None = None
        else:
            self._static_headers.pop(header, None)
            self._auth_provider = credential

    async def _provided_auth(self) -> str:
        provider = self._auth_provider
        assert provider is not None
        value = provider()
        if inspect.isawaitable(value):
            value = await value
        if not isinstance(value, str):
            raise OpenAIError(f"the {self._auth_header} provider must return a str")
        check_header(self._auth_header, value)
        register_secret(value)
        return self._auth_prefix + value

    def with_options(self, **changes: Any) -> Self:
        """A copy with some constructor options changed; it shares this client's pool
        unless ``session``, ``connector``, ``connection_limit`` or ``proxy`` change."""
        options = {**self._options}
        for name in ("default_headers", "default_query"):
            if changes.get(name) is not None and options.get(name):
                changes[name] = {**options[name], **changes[name]}
        options.update(changes)
        if _POOL_OPTIONS.isdisjoint(changes):
            options["_store"] = self._store
        return type(self)(**options)

    copy = with_options

    @override
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"organization={self.organization!r}, project={self.project!r}, "
            f"max_retries={self.max_retries}, timeout={self.timeout!r})"
        )

    # -- lifecycle -----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool this client (and its copies) opened."""
        await self._store.aclose()

    async def close(self) -> None:
        """The same as ``aclose()``: the official client's spelling (``await client.close()``)."""
        await self._store.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- sending -------------------------------------------------------------------------------

    def _route(self, path: str, body: object) -> str:
        return path

    async def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any,
        body: object = None,
        query: Query | None = None,
        files: RequestFiles | None = None,
        stream: bool = False,
        stream_type: Any = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        headers: Headers | None = None,
    ) -> Any:
        """Send one API call with retries and hand the 2xx answer to the response layer."""
        if self._rewrite_routes:
            path = self._route(path, body)
        query_string = (
            encode_query(self.default_query, query, extra_query)
            if self.default_query or query or extra_query
            else ""
        )
        url = join_url(self.base_url, path, query_string)
        call_headers = dict(self._static_headers)
        if stream:
            call_headers["Accept"] = _EVENT_STREAM
            if stream_type is None:
                stream_type = object
        merge_headers(call_headers, headers)
        merge_headers(call_headers, extra_headers)
        multipart: Multipart | None = None
        data: bytes | None = None
        if files is not None:
            multipart = Multipart(form_fields(body, extra_body), prepare_files(files))
        else:
            data = encode_body(body, extra_body)
            if data is not None and "Content-Type" not in call_headers:
                call_headers["Content-Type"] = _JSON
        limits = (
            self._timeout
            if isinstance(timeout, NotGiven)
            else _as_timeout(timeout, self._timeout.stream_idle)
        )
        client_timeout = _client_timeout(limits, stream)
        budget = None if multipart is None or multipart.replayable else 0

        def attempt(retries_taken: int) -> Awaitable[Any]:
            payload: Any = data if multipart is None else multipart.build()
            return self._attempt(
                method,
                url,
                label,
                call_headers,
                payload,
                client_timeout,
                limits,
                retries_taken,
                cast_to,
                stream,
                stream_type,
            )

        label = f"{method} {path}"
        limiter = self._limiter
        run = self._retry.run if limiter is None else limiter.wrap(self._retry.run, data)
        if multipart is None:
            return await run(label, attempt, budget)
        try:
            return await run(label, attempt, budget)
        finally:
            multipart.close()

    async def _attempt(
        self,
        method: str,
        url: str,
        label: str,
        call_headers: dict[str, str],
        data: Any,
        client_timeout: aiohttp.ClientTimeout,
        limits: Timeout,
        retries_taken: int,
        cast_to: Any,
        stream: bool,
        stream_type: Any,
    ) -> Any:
        # Attempts of one call run one after another, so they share its header dict.
        send_headers = call_headers
        send_headers[RETRY_COUNT_HEADER] = str(retries_taken)
        if self._auth_provider is not None:
            send_headers[self._auth_header] = await self._provided_auth()
        session = await self._store.get()
        if logger.isEnabledFor(_DEBUG):
            logger.debug("request %s (retry %d)", label, retries_taken)
        try:
            response = await session.request(
                method,
                url,
                headers=send_headers,
                data=data,
                timeout=client_timeout,
                proxy=self._proxy,
                middlewares=request_middlewares(session, self._redirect_guard),
            )
        except asyncio.TimeoutError as exc:
            raise self._timeout_error(session, limits) from exc
        except aiohttp.ClientError as exc:
            raise APIConnectionError(f"Connection error: {type(exc).__name__}: {exc}") from exc
        try:
            if logger.isEnabledFor(_INFO):
                logger.info(
                    "response %s -> %d (request id %s)",
                    label,
                    response.status,
                    response.headers.get("x-request-id"),
                )
            if response.status >= 300:
                content = await response.read()
                raise make_status_error(response.status, response.headers, content)
            if stream:
                set_idle_limit(response, limits.stream_idle)
            return await finish(
                response,
                cast_to=cast_to,
                stream=stream,
                stream_type=stream_type,
                retries_taken=retries_taken,
                client=self,
            )
        except asyncio.TimeoutError as exc:
            response.close()
            raise APITimeoutError() from exc
        except aiohttp.ClientError as exc:
            response.close()
            raise APIConnectionError(f"Connection error: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            response.close()
            raise

    def _timeout_error(self, session: aiohttp.ClientSession, limits: Timeout) -> APITimeoutError:
        """A pool timeout when every pooled connection is busy, else a plain timeout."""
        connector = session.connector
        if connector is not None and connector.limit:
            busy = len(connector._acquired)  # pyright: ignore[reportPrivateUsage]
            if busy >= connector.limit:
                return PoolTimeoutError(connector.limit, limits.pool)
        return APITimeoutError()

    # -- low-level verbs -----------------------------------------------------------------------

    async def get(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``GET path``; keyword arguments as for ``_request``."""
        return await self._request("GET", path, cast_to=cast_to, **kwargs)

    async def post(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``POST path``; keyword arguments as for ``_request``."""
        return await self._request("POST", path, cast_to=cast_to, **kwargs)

    async def put(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``PUT path``; keyword arguments as for ``_request``."""
        return await self._request("PUT", path, cast_to=cast_to, **kwargs)

    async def patch(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``PATCH path``; keyword arguments as for ``_request``."""
        return await self._request("PATCH", path, cast_to=cast_to, **kwargs)

    async def delete(self, path: str, *, cast_to: Any = object, **kwargs: Any) -> Any:
        """``DELETE path``; keyword arguments as for ``_request``."""
        return await self._request("DELETE", path, cast_to=cast_to, **kwargs)

    def get_api_list(
        self, path: str, *, page: Any, item: Any = object, **kwargs: Any
    ) -> AsyncPaginator[Any, Any]:
        """A paginator over ``path``: await it for the first page, iterate it for items."""
        return self._get_api_list(path, page=page, item=item, **kwargs)

    def _get_api_list(
        self,
        path: str,
        *,
        page: Any,
        item: Any = object,
        query: Query | None = None,
        body: object = None,
        method: str = "GET",
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        headers: Headers | None = None,
    ) -> AsyncPaginator[Any, Any]:
        from ._pagination import AsyncPaginator

        return AsyncPaginator(
            self,
            path,
            page=page,
            item=item,
            query=query,
            body=body,
            method=method,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            headers=headers,
        )


class AsyncAzureOpenAI(AsyncOpenAI):
    """The asyncio client of Azure OpenAI: ``api-key`` or Entra ID (Bearer) authentication,
    ``api-version`` on every call, ``/deployments/{model}`` routing."""

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
        _store: SessionStore | None = None,
    ) -> None:
        header, prefix, credential = _azure_auth(api_key, azure_ad_token, azure_ad_token_provider)
        if api_version is None:
            api_version = os.environ.get("OPENAI_API_VERSION")
        if api_version is None:
            raise OpenAIError(
                "No API version: pass api_version=... or set the OPENAI_API_VERSION "
                "environment variable"
            )
        if azure_endpoint is None:
            azure_endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")
        if base_url is None:
            if azure_endpoint is None:
                raise OpenAIError(
                    "No endpoint: pass azure_endpoint=... (or base_url=...) or set the "
                    "AZURE_OPENAI_ENDPOINT environment variable"
                )
            base_url = f"{azure_endpoint.rstrip('/')}/openai"
            if azure_deployment is not None:
                base_url = f"{base_url}/deployments/{quote(azure_deployment, safe='')}"
        if organization is None:
            organization = os.environ.get("OPENAI_ORG_ID")
        if project is None:
            project = os.environ.get("OPENAI_PROJECT_ID")
        self.api_key = api_key if isinstance(api_key, str) else None
        self.organization = organization
        self.project = project
        self.api_version = api_version
        self.azure_endpoint = azure_endpoint
        self.azure_deployment = azure_deployment
        self.websocket_base_url = websocket_base_url
        if webhook_secret is None:
            webhook_secret = os.environ.get("OPENAI_WEBHOOK_SECRET")
        if webhook_secret is not None:
            register_secret(webhook_secret)
        self.webhook_secret = webhook_secret
        self._options = {
            "websocket_base_url": websocket_base_url,
            "webhook_secret": webhook_secret,
            "azure_endpoint": azure_endpoint,
            "azure_deployment": azure_deployment,
            "api_version": api_version,
            "api_key": api_key,
            "azure_ad_token": azure_ad_token,
            "azure_ad_token_provider": azure_ad_token_provider,
            "organization": organization,
            "project": project,
            "base_url": base_url if azure_endpoint is None else None,
        }
        identity: dict[str, str | Omit] = {}
        if organization is not None:
            identity["OpenAI-Organization"] = organization
        if project is not None:
            identity["OpenAI-Project"] = project
        self._configure(
            base_url=base_url,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            max_retries=max_retries,
            max_retry_delay=max_retry_delay,
            identity_headers=identity,
            default_headers=default_headers,
            default_query={"api-version": api_version, **(default_query or {})},
            session=session,
            connector=connector,
            session_factory=session_factory,
            proxy=proxy,
            connection_limit=connection_limit,
            rate_limit=rate_limit,
            sleep=_sleep,
            store=_store,
        )
        self._options["default_query"] = default_query
        self._set_auth(header, prefix, credential)
        self._rewrite_routes = azure_deployment is None

    @override
    def with_options(self, **changes: Any) -> Self:
        if {"api_key", "azure_ad_token", "azure_ad_token_provider"} & changes.keys():
            for name in ("api_key", "azure_ad_token", "azure_ad_token_provider"):
                changes.setdefault(name, None)
        return super().with_options(**changes)

    copy = with_options

    @override
    def _route(self, path: str, body: object) -> str:
        if path in AZURE_MODEL_ROUTES and isinstance(body, Mapping):
            model: object = body.get("model")  # type: ignore[union-attr]
            if isinstance(model, str) and model:
                return f"/deployments/{quote(model, safe='')}{path}"
        return path

    @override
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"api_version={self.api_version!r}, azure_deployment={self.azure_deployment!r}, "
            f"max_retries={self.max_retries}, timeout={self.timeout!r})"
        )


def _azure_auth(
    api_key: ApiKey | None,
    token: str | None,
    provider: Callable[[], str] | Callable[[], Awaitable[str]] | None,
) -> tuple[str, str, ApiKey]:
    """(header, prefix, credential) of the single Azure auth mode configured."""
    given = [value for value in (api_key, token, provider) if value is not None]
    if len(given) > 1:
        raise OpenAIError(
            "Azure authentication is ambiguous: pass only one of api_key, azure_ad_token "
            "and azure_ad_token_provider"
        )
    if not given:
        env_key = os.environ.get("AZURE_OPENAI_API_KEY")
        env_token = os.environ.get("AZURE_OPENAI_AD_TOKEN")
        if env_key is not None:
            api_key = env_key
        elif env_token is not None:
            token = env_token
        else:
            raise OpenAIError(
                "No Azure credentials: pass api_key=..., azure_ad_token=... or "
                "azure_ad_token_provider=..., or set the AZURE_OPENAI_API_KEY or "
                "AZURE_OPENAI_AD_TOKEN environment variable"
            )
    if api_key is not None:
        return "api-key", "", api_key
    if token is not None:
        return "Authorization", "Bearer ", token
    assert provider is not None
    return "Authorization", "Bearer ", provider
