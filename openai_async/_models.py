"""The base of every response type: a msgspec Struct with plain-data helpers.

Forward compatibility lives here. The API adds fields faster than any client is regenerated, so
the core keeps the JSON bytes a top-level result was decoded from beside it (no copy: the same
``bytes`` object the transport read). Two documented accessors expose what the Struct does not
declare, at any depth:

- ``obj.to_dict()`` / ``obj.to_json()``: the payload as received, with the Struct's current
  field values laid over it (so edits show, and undeclared keys are still there);
- ``obj.raw_json()``: the exact bytes received (``None`` for objects built in code or nested
  objects, whose top-level result holds the bytes).

``_request_id`` on a result is the ``x-request-id`` header of the response it came from.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec

__all__ = ["BaseModel", "UnknownObject", "attach_response_info"]

_REQUEST_ID = "_request_id"
_RAW_JSON = "_raw_json"
_HEADERS = "_headers"


class BaseModel(msgspec.Struct, kw_only=True, dict=True, omit_defaults=True):
    """Base of generated response Structs.

    ``dict=True`` lets the core attach per-response metadata (``_request_id``, the raw JSON)
    to top-level objects without declaring fields for them; equality and ``repr`` look at the
    declared fields only. ``omit_defaults=True`` keeps fields the payload did not carry out of
    ``to_dict()``.
    """

    @property
    def _request_id(self) -> str | None:
        """The ``x-request-id`` of the response this object came from (top-level results)."""
        value: str | None = vars(self).get(_REQUEST_ID)
        return value

    def raw_json(self) -> bytes | None:
        """The JSON bytes this object was decoded from, as received (top-level results only)."""
        value: bytes | None = vars(self).get(_RAW_JSON)
        return value

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the received payload with the current field values laid over it.

        Properties the API sent but this type does not declare are kept, at any depth.
        Declared fields left at their default (and absent from the payload) are left out.
        """
        data = cast("dict[str, Any]", msgspec.to_builtins(self))
        raw = vars(self).get(_RAW_JSON)
        if raw is None:
            return data
        received: object = msgspec.json.decode(raw)
        merged = _overlay(received, data)
        return cast("dict[str, Any]", merged)

    def to_json(self, *, indent: int = 2) -> str:
        """JSON text of ``to_dict()``; ``indent=0`` gives the compact form."""
        encoded = msgspec.json.encode(self.to_dict())
        if indent:
            encoded = msgspec.json.format(encoded, indent=indent)
        return encoded.decode()

    def __reduce__(self) -> tuple[Any, ...]:
        extra = dict(vars(self))
        if _HEADERS in extra:  # aiohttp's header proxy does not pickle; a plain dict does
            extra[_HEADERS] = dict(extra[_HEADERS])
        return (_restore, (type(self), msgspec.structs.asdict(self), extra))


def _restore(cls: type[BaseModel], fields: dict[str, Any], extra: dict[str, Any]) -> BaseModel:
    obj = cls(**fields)
    vars(obj).update(extra)
    return obj


def _overlay(received: Any, current: Any) -> Any:
    """``current`` wins; keys only present in ``received`` are kept (recursively)."""
    if isinstance(received, dict) and isinstance(current, dict):
        base = cast("dict[str, Any]", received)
        top = cast("dict[str, Any]", current)
        out = dict(base)
        for key, value in top.items():
            out[key] = _overlay(base[key], value) if key in base else value
        return out
    if isinstance(received, list) and isinstance(current, list):
        old = cast("list[object]", received)
        new = cast("list[object]", current)
        if len(old) == len(new):
            return [_overlay(a, b) for a, b in zip(old, new, strict=True)]
        return new
    return current


def attach_response_info(
    obj: object, request_id: str | None, raw: bytes | None, headers: object = None
) -> None:
    """Record the request id, raw JSON and response headers (kept as received, parsed only
    by ``openai_async.rate_limit_info``) on a top-level result (no-op for non-models)."""
    if isinstance(obj, BaseModel):
        extra = vars(obj)
        extra[_REQUEST_ID] = request_id
        if raw is not None:
            extra[_RAW_JSON] = raw
        if headers is not None:
            extra[_HEADERS] = headers


class UnknownObject(dict[str, Any]):
    """A union member whose ``type`` (or ``object``) tag this client does not know yet.

    It is the received JSON object itself (a ``dict``), so nothing is lost; keys are also
    readable as attributes (``item.type``) unless they collide with a ``dict`` method name.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` copy of the received object."""
        return dict(self)

    def to_json(self, *, indent: int = 2) -> str:
        """JSON text of the received object."""
        encoded = msgspec.json.encode(self)
        if indent:
            encoded = msgspec.json.format(encoded, indent=indent)
        return encoded.decode()

    def __repr__(self) -> str:
        return f"UnknownObject({dict(self)!r})"
