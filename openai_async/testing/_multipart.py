"""``multipart/form-data`` bodies parsed with aiohttp's own multipart reader.

The server reads each body once (to record it), so the reader runs over an in-memory
``StreamReader`` fed with those bytes rather than over the socket.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, MultipartReader, StreamReader
from aiohttp.base_protocol import BaseProtocol

from ._types import ApiError, Call

__all__ = ["Form", "Upload", "read_form"]


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Form:
    """A parsed form: ``fields`` and ``files`` by name (last wins), ``parts`` all in order."""

    fields: dict[str, str] = field(default_factory=dict[str, str])
    files: dict[str, Upload] = field(default_factory=dict[str, Upload])
    parts: list[tuple[str, str | Upload]] = field(default_factory=list[tuple[str, "str | Upload"]])

    def require_field(self, name: str) -> str:
        value = self.fields.get(name)
        if value is None:
            raise _missing(name)
        return value

    def require_file(self, name: str) -> Upload:
        upload = self.files.get(name)
        if upload is None:
            raise _missing(name)
        return upload


def _missing(name: str) -> ApiError:
    return ApiError(
        400,
        f"Missing required parameter: '{name}'.",
        param=name,
        code="missing_required_parameter",
    )


def _stream_of(body: bytes) -> StreamReader:
    loop = asyncio.get_running_loop()
    # A limit above the body size keeps the reader from asking the (absent) socket to pause.
    stream = StreamReader(BaseProtocol(loop), limit=len(body) + 1, loop=loop)
    stream.feed_data(body)
    stream.feed_eof()
    return stream


_FORMS: weakref.WeakKeyDictionary[Call, Form] = weakref.WeakKeyDictionary()


async def read_form(call: Call) -> Form:
    """The form fields and files of a multipart request (parsed once); a 400 for any other body."""
    if call.content_type != "multipart/form-data":
        raise ApiError(400, "This endpoint expects a multipart/form-data body.")
    form = _FORMS.get(call)
    if form is None:
        form = _FORMS[call] = await _parse(call)
    return form


async def _parse(call: Call) -> Form:
    reader = MultipartReader(
        {"Content-Type": call.headers.get("content-type", "")}, _stream_of(call.body)
    )
    form = Form()
    while True:
        part = await reader.next()
        if part is None:
            return form
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise ApiError(400, "Nested or unnamed multipart parts are not supported.")
        data = await part.read(decode=True)
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            upload = Upload(part.filename, content_type, bytes(data))
            form.files[part.name] = upload
            form.parts.append((part.name, upload))
        else:
            text = bytes(data).decode(part.get_charset("utf-8"))
            form.fields[part.name] = text
            form.parts.append((part.name, text))
