"""Helpers that generated response types inherit (listed in ``codegen/type_extensions.py``).

A mixin here comes first in a generated Struct's bases. It declares ``__slots__ = ()`` and no
fields, so msgspec decodes the Struct exactly as before; it only adds computed properties the
official client offers on that type. This module imports nothing heavy: every generated module
that names a mixin imports it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ResponseMixin", "joined_output_text"]


def joined_output_text(output: Any) -> str:
    """The text of every ``output_text`` part of the ``message`` items in ``output``, joined."""
    texts: list[str] = []
    for item in output or ():
        if getattr(item, "type", None) != "message":
            continue
        for part in getattr(item, "content", None) or ():
            if getattr(part, "type", None) == "output_text":
                texts.append(str(part.text))
    return "".join(texts)


class ResponseMixin:
    """``Response.output_text`` (and ``BetaResponse.output_text``), computed from ``output``."""

    __slots__ = ()

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` content part of the message output items, joined.

        The API does not send this value; it is derived from ``output`` on each access
        (``""`` when the response has no text output).
        """
        output: Any = getattr(self, "output", None)
        return joined_output_text(output)
