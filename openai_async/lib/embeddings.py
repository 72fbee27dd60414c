# pyright: reportPrivateUsage=false
"""Embeddings fetched as base64 and decoded in one pass.

When ``encoding_format`` is not given, ``embeddings.create`` asks the API for base64 (about a
quarter of the bytes of the JSON floats) and returns float lists as before: every vector's
bytes are joined and decoded at once (numpy when installed, else ``array``), then split.
An explicit ``encoding_format`` and the raw/streaming-response wrappers are left untouched.
``embeddings.create_array(...)`` returns a ``numpy.ndarray`` of shape ``(inputs, dimensions)``.

The generated class defines ``create`` itself, so a base class cannot override it: the mixin
wraps the generated method once, when the generated class is created (``__init_subclass__``).
"""

from __future__ import annotations

import array
import base64
import functools
import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import msgspec

from .._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._response import AsyncAPIResponse
    from .._sync._client import OpenAI
    from ..resources.embeddings import AsyncEmbeddings
    from ..types.create_embedding_response import CreateEmbeddingResponse

__all__ = ["AsyncEmbeddingsMixin", "EmbeddingsMixin", "decode_vectors", "numpy_module"]


class _PackedItem(msgspec.Struct):
    index: int
    embedding: str | list[float]  # a server may ignore the base64 request and send floats
    object: str = "embedding"


class _Packed(msgspec.Struct):
    data: list[_PackedItem]
    model: str
    object: str = "list"
    usage: dict[str, Any] = {}


@functools.cache
def numpy_module() -> Any:
    """numpy if it can be imported (looked up once per process), else ``None``."""
    try:
        return importlib.import_module("numpy")
    except ImportError:
        return None


def decode_vectors(encoded: list[str]) -> list[list[float]]:
    """Little-endian float32 vectors, base64-encoded, as float lists (one decode pass)."""
    raw = [base64.b64decode(text) for text in encoded]
    buffer = b"".join(raw)
    numpy = numpy_module()
    if numpy is not None:
        values: list[float] = numpy.frombuffer(buffer, dtype="<f4").tolist()
    else:
        floats = array.array("f", buffer)
        if sys.byteorder == "big":
            floats.byteswap()
        values = floats.tolist()
    vectors: list[list[float]] = []
    start = 0
    for chunk in raw:
        end = start + len(chunk) // 4
        vectors.append(values[start:end])
        start = end
    return vectors


def _vectors(items: list[_PackedItem]) -> list[list[float]]:
    """Float lists of the items: base64 ones decoded in one pass, float ones kept."""
    encoded = [item.embedding for item in items]
    texts = [e for e in encoded if isinstance(e, str)]
    if len(texts) == len(encoded):
        return decode_vectors(texts)
    decoded = iter(decode_vectors(texts))
    return [next(decoded) if isinstance(e, str) else e for e in encoded]


def _as_array(items: list[_PackedItem]) -> Any:
    numpy = numpy_module()
    if numpy is None:
        raise ImportError("embeddings.create_array() needs numpy: pip install numpy")
    if not all(isinstance(item.embedding, str) for item in items):
        return numpy.asarray(_vectors(items), dtype="<f4").reshape(len(items), -1)
    encoded = [cast("str", item.embedding) for item in items]
    buffer = b"".join(base64.b64decode(text) for text in encoded)
    flat = numpy.frombuffer(buffer, dtype="<f4")
    return flat.reshape(len(encoded), -1) if encoded else flat.reshape(0, 0)


async def _fetch_packed(
    create: Callable[..., Awaitable[Any]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[_Packed, AsyncAPIResponse[Any]]:
    from .._response import to_raw_response_wrapper

    kwargs["encoding_format"] = "base64"
    raw: AsyncAPIResponse[Any] = await to_raw_response_wrapper(create)(*args, **kwargs)
    packed: _Packed = await raw.parse(to=_Packed)
    return packed, raw


def _unpack(packed: _Packed, request_id: str | None) -> CreateEmbeddingResponse:
    from .._decode import lenient_decode
    from .._models import attach_response_info
    from ..types.create_embedding_response import (
        CreateEmbeddingResponse,
        CreateEmbeddingResponseUsage,
    )
    from ..types.embedding import Embedding

    vectors = _vectors(packed.data)
    data = [
        Embedding(index=item.index, embedding=vector, object=item.object)
        for item, vector in zip(packed.data, vectors, strict=True)
    ]
    try:
        usage = msgspec.convert(packed.usage, CreateEmbeddingResponseUsage)
    except msgspec.ValidationError:
        usage = lenient_decode(CreateEmbeddingResponseUsage, msgspec.json.encode(packed.usage))
    result = CreateEmbeddingResponse(
        data=data, model=packed.model, object=packed.object, usage=usage
    )
    attach_response_info(result, request_id, None)
    return result


def _wrap_create(create: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(create)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        from .._response import response_mode

        given = kwargs.get("encoding_format", NOT_GIVEN)
        if not isinstance(given, NotGiven) or response_mode.get() != "parsed":
            return await create(*args, **kwargs)
        packed, raw = await _fetch_packed(create, args, kwargs)
        return _unpack(packed, raw.request_id)

    return wrapped


class AsyncEmbeddingsMixin:
    """Base64 transfer for ``create``; ``create_array`` for numpy users."""

    __slots__ = ()
    _client: AsyncOpenAI

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = "create"
        create = cls.__dict__.get(name)
        if create is not None:
            setattr(cls, name, _wrap_create(create))

    async def create_array(self, **params: Any) -> Any:
        """``embeddings.create(**params)`` as a float32 ``numpy.ndarray``, one row per input
        in input order (numpy must be installed)."""
        numpy_missing = numpy_module() is None
        if numpy_missing:
            raise ImportError("embeddings.create_array() needs numpy: pip install numpy")
        create = cast("Callable[..., Awaitable[Any]]", type(self).__dict__.get("create"))
        generated: Callable[..., Awaitable[Any]] = getattr(create, "__wrapped__", create)
        packed, _ = await _fetch_packed(generated, (self,), dict(params))
        ordered = sorted(packed.data, key=lambda item: item.index)
        return _as_array(ordered)


class EmbeddingsMixin:
    """The blocking twin of ``AsyncEmbeddingsMixin`` (``create`` goes through the async one)."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncEmbeddings

    def create_array(self, **params: Any) -> Any:
        """``embeddings.create(**params)`` as a float32 ``numpy.ndarray``."""
        return self._client._call(self._async.create_array, **params)
