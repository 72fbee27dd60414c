"""The one place response bytes become Python objects.

``decode(cast_to, data)`` looks up a decoder cached per target type (one dict lookup) and
decodes straight from bytes. When the fast path rejects a well-formed document (a union tag
this client does not know, a ``null`` where the spec promised a value, a wrong scalar), the
lenient path decodes the same bytes to builtins and converts them field by field, so the caller
still gets Structs:

- an unknown tag in a tagged union becomes an ``UnknownObject`` (the received dict);
- a value that does not fit its field (``null``, wrong scalar) is kept as received;
- a required field the payload lacks is set to ``None``.

Bytes that are not JSON at all raise ``APIResponseValidationError``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union, cast

import msgspec

from ._models import UnknownObject

__all__ = ["decode", "decoder_for", "lenient_decode"]

Decoder = Callable[[bytes], Any]
Converter = Callable[[Any], Any]

_DECODERS: dict[Any, Decoder] = {}
_CONVERTERS: dict[Any, Converter] = {}
_BUILTINS = msgspec.json.Decoder()
_NONE_TYPE = type(None)


def decode(
    cast_to: Any,
    data: bytes,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """Decode a response body into ``cast_to`` (see the module docstring for the rules).

    ``status_code`` and ``headers`` only feed the ``APIResponseValidationError`` raised for a
    body that is not JSON.
    """
    decoder = _DECODERS.get(cast_to)
    if decoder is None:
        decoder = decoder_for(cast_to)
    try:
        return decoder(data)
    except msgspec.ValidationError:
        return lenient_decode(cast_to, data, status_code=status_code, headers=headers)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise invalid_json(data, exc, status_code, headers) from exc


def decoder_for(cast_to: Any) -> Decoder:
    """The cached fast-path decoder of ``cast_to`` (built once per type).

    It may raise ``msgspec.ValidationError`` (use ``lenient_decode``) or
    ``msgspec.DecodeError`` (not JSON).
    """
    decoder = _DECODERS.get(cast_to)
    if decoder is None:
        decoder = _build_decoder(cast_to)
        _DECODERS[cast_to] = decoder
    return decoder


def lenient_decode(
    cast_to: Any,
    data: bytes,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """The slow path: decode to builtins, then convert field by field, never failing on shape."""
    try:
        value = _BUILTINS.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise invalid_json(data, exc, status_code, headers) from exc
    return _converter(cast_to)(value)


def invalid_json(
    data: bytes, exc: Exception, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Exception:
    """The error for a body that is not JSON (``APIResponseValidationError``)."""
    from ._exceptions import APIResponseValidationError

    preview = data[:200].decode("utf-8", "replace")
    return APIResponseValidationError(
        f"The response body is not valid JSON ({exc}): {preview!r}",
        status_code=status_code,
        headers=headers,
        body=preview,
    )


# -- fast-path decoders --------------------------------------------------------------------


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _nothing(data: bytes) -> None:
    return None


def _always_lenient(cast_to: Any) -> Decoder:
    convert = _converter(cast_to)

    def decode_leniently(data: bytes) -> Any:
        return convert(_BUILTINS.decode(data))

    return decode_leniently


def _build_decoder(cast_to: Any) -> Decoder:
    if cast_to is str:
        return _text
    if cast_to is _NONE_TYPE or cast_to is None:
        return _nothing
    if cast_to is object or cast_to is Any:
        return _BUILTINS.decode
    from ._response import BinaryResponseContent

    if cast_to is BinaryResponseContent:
        return BinaryResponseContent.from_bytes
    try:
        return msgspec.json.Decoder(cast_to).decode
    except TypeError:
        # A type msgspec cannot decode directly (e.g. a union of untagged Structs):
        # every call takes the converting path.
        return _always_lenient(cast_to)


# -- lenient conversion ---------------------------------------------------------------------


def _converter(tp: Any) -> Converter:
    convert = _CONVERTERS.get(tp)
    if convert is None:
        convert = _build_converter(tp)
        _CONVERTERS[tp] = convert
    return convert


def _struct_class(tp: Any) -> type[msgspec.Struct] | None:
    origin = typing.get_origin(tp) or tp
    if isinstance(origin, type) and issubclass(origin, msgspec.Struct):
        return origin
    return None


def _build_converter(tp: Any) -> Converter:
    if tp is Any or tp is object:
        return _keep
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _converter(typing.get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return _union_converter(typing.get_args(tp))
    if _struct_class(tp) is not None:
        return _struct_converter(tp)
    if origin in (list, Sequence, tuple, set, frozenset):
        return _list_converter(tp)
    if origin in (dict, Mapping):
        return _dict_converter(tp)
    return _scalar_converter(tp)


def _keep(value: Any) -> Any:
    return value


def _scalar_converter(tp: Any) -> Converter:
    def convert_scalar(value: Any) -> Any:
        return _convert_or_keep(value, tp)

    return convert_scalar


def _list_converter(tp: Any) -> Converter:
    args = typing.get_args(tp)
    item_type: Any = args[0] if args else Any

    def convert_list(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        convert = _converter(item_type)
        return [convert(item) for item in cast("list[object]", value)]

    return convert_list


def _dict_converter(tp: Any) -> Converter:
    args = typing.get_args(tp)
    value_type: Any = args[1] if len(args) == 2 else Any

    def convert_dict(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        convert = _converter(value_type)
        return {key: convert(item) for key, item in cast("dict[str, Any]", value).items()}

    return convert_dict


def _struct_converter(tp: Any) -> Converter:
    cls = _struct_class(tp)
    assert cls is not None
    fields = msgspec.structs.fields(tp)
    plan = [(f.name, f.encode_name, f.type, f.required) for f in fields]

    def convert_struct(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        received = cast("dict[str, Any]", value)
        kwargs: dict[str, Any] = {}
        for name, key, field_type, required in plan:
            if key in received:
                kwargs[name] = _converter(field_type)(received[key])
            elif required:
                kwargs[name] = None
        return cls(**kwargs)

    return convert_struct


def _tag_table(members: Sequence[Any]) -> tuple[str | None, dict[Any, Any]]:
    """The tag field shared by the tagged Struct members of a union, and tag -> member."""
    field: str | None = None
    table: dict[Any, Any] = {}
    for member in members:
        cls = _struct_class(member)
        if cls is None:
            continue
        config = cls.__struct_config__
        if isinstance(config.tag_field, str) and config.tag is not None:
            field = config.tag_field
            table[config.tag] = member
    return field, table


def _union_converter(members: tuple[Any, ...]) -> Converter:
    structs = [m for m in members if _struct_class(m) is not None]
    others = [m for m in members if _struct_class(m) is None]
    tag_field, table = _tag_table(structs)
    untagged = [m for m in structs if m not in table.values()]
    candidates = untagged or structs
    union_type: Any = Union[tuple(others)] if others else None
    keeps_dicts = any(typing.get_origin(o) in (dict, Mapping) or o in (dict, Any) for o in others)

    def convert_union(value: Any) -> Any:
        if isinstance(value, dict) and structs:
            received = cast("dict[str, Any]", value)
            if tag_field is not None and tag_field in received:
                member = table.get(received[tag_field])
                if member is not None:
                    return _converter(member)(received)
                if not untagged:
                    return UnknownObject(received)
            for member in candidates:
                if _convertible(member):
                    try:
                        return msgspec.convert(received, member, strict=False)
                    except msgspec.ValidationError:
                        continue
            if keeps_dicts:
                return received
            return _converter(_closest(candidates, received))(received)
        return _convert_or_keep(value, union_type)

    return convert_union


_CONVERTIBLE: dict[Any, bool] = {}


def _convertible(tp: Any) -> bool:
    """Whether msgspec itself can convert into ``tp`` (some unions it cannot: see below)."""
    known = _CONVERTIBLE.get(tp)
    if known is None:
        try:
            msgspec.json.Decoder(tp)
            known = True
        except TypeError:
            known = False
        _CONVERTIBLE[tp] = known
    return known


def _closest(members: Sequence[Any], received: Mapping[str, Any]) -> Any:
    """The member whose required fields are all present and which names most of the keys."""

    def score(member: Any) -> tuple[bool, int]:
        fields = msgspec.structs.fields(member)
        missing = any(f.required and f.encode_name not in received for f in fields)
        return (not missing, sum(f.encode_name in received for f in fields))

    return max(members, key=score)


def _convert_or_keep(value: Any, tp: Any) -> Any:
    if tp is None:
        return value
    try:
        return msgspec.convert(value, tp, strict=False)
    except (msgspec.ValidationError, TypeError):
        return value
