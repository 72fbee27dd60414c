"""Hand-written helpers that generated response types inherit.

This table is the one place where code from ``openai_async/lib`` joins a generated type, as
``codegen/extensions.py`` is for resources. Keys are public types as ``package.Name``
(``"openai_async.types.responses.Response"``). Each value names a mixin class, listed first in
the generated Struct's bases (it declares ``__slots__ = ()`` and no fields), and the spec
properties to leave out of the Struct because the mixin computes them (the spec marks
``Response.output_text`` as a client-side convenience the API does not send; a field of the same
name would hide the mixin's property).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TYPE_EXTENSIONS", "TypeExtension", "extension_for"]


class TypeExtension(NamedTuple):
    mixin: tuple[str, str]  # (module, class name)
    computed: tuple[str, ...] = ()  # wire names of spec properties the mixin provides


RESPONSE_MIXIN = ("openai_async.lib._type_mixins", "ResponseMixin")

TYPE_EXTENSIONS: dict[str, TypeExtension] = {
    "openai_async.types.responses.Response": TypeExtension(RESPONSE_MIXIN, ("output_text",)),
    "openai_async.types.beta.BetaResponse": TypeExtension(RESPONSE_MIXIN, ("output_text",)),
}


def extension_for(package: str, name: str) -> TypeExtension | None:
    """The extension of the public type ``name`` exported from ``package``, if any."""
    return TYPE_EXTENSIONS.get(f"{package}.{name}")
