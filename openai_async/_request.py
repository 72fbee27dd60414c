"""Building one request: URL, query string, headers and body bytes. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import msgspec

from ._types import NOT_GIVEN, Omit

__all__ = [
    "check_header",
    "encode_body",
    "encode_query",
    "flatten",
    "form_fields",
    "join_url",
    "merge_headers",
]

_ENCODER: Final = msgspec.json.Encoder()
_SAFE_KEY: Final = "[]"


def flatten(key: str, value: object, out: list[tuple[str, str]]) -> None:
    """Append ``key=value`` pairs in the API's bracket style to ``out``.

    Lists give ``key[]`` once per item, dicts give ``key[sub]``, booleans ``true``/``false``;
    ``None`` and ``NOT_GIVEN`` are left out.
    """
    if value is None or value is NOT_GIVEN:
        return
    if isinstance(value, str):
        out.append((key, value))
    elif isinstance(value, bool):
        out.append((key, "true" if value else "false"))
    elif isinstance(value, (int, float)):
        out.append((key, str(value)))
    elif isinstance(value, Mapping):
        items: Mapping[str, object] = value  # type: ignore[assignment]
        for sub, item in items.items():
            flatten(f"{key}[{sub}]", item, out)
    elif isinstance(value, (list, tuple)):
        seq: list[object] | tuple[object, ...] = value  # type: ignore[assignment]
        for item in seq:
            flatten(f"{key}[]", item, out)
    elif isinstance(value, msgspec.Struct):
        flatten(key, msgspec.to_builtins(value), out)
    else:
        out.append((key, str(value)))


def encode_query(*params: Mapping[str, object] | None) -> str:
    """The percent-encoded query string of the merged mappings (later ones win)."""
    merged: dict[str, object] = {}
    for mapping in params:
        if mapping:
            merged.update(mapping)
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        flatten(key, value, pairs)
    return "&".join(f"{quote(k, safe=_SAFE_KEY)}={quote(v, safe='')}" for k, v in pairs)


def join_url(base_url: str, path: str, query: str) -> str:
    """``base_url`` + ``path`` (an absolute ``path`` replaces the base) + ``query``."""
    if path.startswith(("http://", "https://")):
        url = path
    elif path.startswith("/"):
        url = base_url + path
    else:
        url = f"{base_url}/{path}"
    if not query:
        return url
    return f"{url}&{query}" if "?" in url else f"{url}?{query}"


def check_header(name: str, value: str) -> None:
    """Reject a header value holding CR or LF (never echoing the value)."""
    if "\r" in value or "\n" in value:
        raise ValueError(
            f"the value of header {name!r} contains a line break (CR or LF); "
            "check for a trailing newline in a key or header setting"
        )


def merge_headers(target: dict[str, str], extra: Mapping[str, str | Omit] | None) -> None:
    """Apply ``extra`` onto ``target`` case-insensitively; ``omit`` removes a header."""
    if not extra:
        return
    for name, value in extra.items():
        lowered = name.lower()
        for existing in [k for k in target if k.lower() == lowered]:
            del target[existing]
        if isinstance(value, Omit):
            continue
        check_header(name, value)
        target[name] = value


def encode_body(body: object, extra_body: object) -> bytes | None:
    """JSON bytes of ``body`` with top-level ``NOT_GIVEN`` dropped and ``extra_body`` merged."""
    if isinstance(body, Mapping):
        data: dict[str, Any] = {
            k: v
            for k, v in body.items()  # type: ignore[misc]
            if v is not NOT_GIVEN
        }
        if isinstance(extra_body, Mapping):
            data.update(extra_body)  # type: ignore[arg-type]
        return _ENCODER.encode(data)
    if body is None:
        if extra_body is None:
            return None
        return _ENCODER.encode(extra_body)
    return _ENCODER.encode(body)


def form_fields(body: object, extra_body: object) -> list[tuple[str, str]]:
    """Multipart form fields of ``body`` (+ ``extra_body``) in bracket style."""
    merged: dict[str, object] = {}
    if isinstance(body, Mapping):
        merged.update(body)  # type: ignore[arg-type]
    if isinstance(extra_body, Mapping):
        merged.update(extra_body)  # type: ignore[arg-type]
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        flatten(key, value, pairs)
    return pairs
