"""File inputs for upload calls, and large uploads sent in parts streamed from disk.

``to_file(content, filename, content_type)`` turns bytes, a path, a binary file object, an
aiohttp response or an async iterator of bytes into the ``(filename, content, content_type)``
form every upload parameter accepts. Responses and iterators are streamed, never read whole.

``upload_chunked`` drives the Uploads API: create the upload, send each part (a path is read
in small chunks as the part is sent, so memory stays flat whatever the file size), complete it
with the part ids in order.
"""

from __future__ import annotations

import asyncio
import builtins
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import IO, TYPE_CHECKING, Any, Final, TypeAlias, Union
from urllib.parse import unquote, urlsplit

from .._types import FileContent

if TYPE_CHECKING:
    import aiohttp

    from .._client import AsyncOpenAI
    from ..types.upload import Upload

__all__ = ["DEFAULT_PART_SIZE", "FileInput", "to_file", "upload_chunked"]

DEFAULT_PART_SIZE: Final = 64 * 1024 * 1024
"""The API's largest part (64 MiB)."""
READ_SIZE: Final = 64 * 1024

FileInput: TypeAlias = Union[
    bytes, str, "os.PathLike[str]", IO[bytes], AsyncIterable[bytes], "aiohttp.ClientResponse"
]


def to_file(
    content: FileInput, filename: str | None = None, content_type: str | None = None
) -> tuple[str | None, FileContent, str | None]:
    """``content`` as a file argument: ``(filename, content, content_type)``.

    A ``str`` is a path. An ``aiohttp.ClientResponse`` is streamed from its body (its
    ``Content-Type`` and URL name fill in what is not given).
    """
    if isinstance(content, str):
        content = _path(content)
    if _is_response(content):
        response: aiohttp.ClientResponse = content  # type: ignore[assignment]
        if filename is None:
            filename = os.path.basename(unquote(urlsplit(str(response.url)).path)) or None
        if content_type is None:
            content_type = response.content_type or None
        return filename, response.content.iter_chunked(READ_SIZE), content_type
    if isinstance(content, (bytes, os.PathLike, AsyncIterable)) or hasattr(content, "read"):
        if filename is None and isinstance(content, os.PathLike):
            filename = os.path.basename(os.fspath(content))
        data: FileContent = content  # type: ignore[assignment]
        return filename, data, content_type
    raise TypeError(
        "to_file() takes bytes, a path, a binary file object, an aiohttp response or an "
        f"async iterator of bytes, not {type(content).__name__}"
    )


def _path(value: str) -> os.PathLike[str]:
    from pathlib import Path

    return Path(value)


def _is_response(value: object) -> bool:
    import aiohttp

    return isinstance(value, aiohttp.ClientResponse)


async def _read_window(path: os.PathLike[str], start: int, length: int) -> AsyncIterator[bytes]:
    """``length`` bytes of the file from ``start``, in small reads off the event loop."""
    loop = asyncio.get_running_loop()
    handle = await loop.run_in_executor(None, open, path, "rb")
    try:
        await loop.run_in_executor(None, handle.seek, start)
        left = length
        while left > 0:
            chunk: bytes = await loop.run_in_executor(None, handle.read, min(READ_SIZE, left))
            if not chunk:
                raise OSError(f"{os.fspath(path)!r} ended {left} bytes early")
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _parts(
    file: os.PathLike[str] | bytes, size: int, part_size: int
) -> list[Callable[[], FileContent]]:
    """One factory per part; a path part reads its window only while it is sent."""
    starts = range(0, size, part_size) if size else range(1)
    if isinstance(file, bytes):
        view = memoryview(file)
        return [
            (lambda s=s: bytes(view[s : s + part_size]))  # type: ignore[misc]
            for s in starts
        ]
    return [
        (lambda s=s: _read_window(file, s, min(part_size, size - s)))  # type: ignore[misc]
        for s in starts
    ]


async def upload_chunked(
    client: AsyncOpenAI,
    *,
    file: str | os.PathLike[str] | bytes,
    mime_type: str,
    purpose: Any,
    filename: str | None = None,
    bytes: int | None = None,
    part_size: int | None = None,
    on_part: Callable[[int, int], object] | None = None,
) -> Upload:
    """Create an upload, send ``file`` in parts of ``part_size`` bytes, complete it."""
    source: os.PathLike[str] | builtins.bytes = _path(file) if isinstance(file, str) else file
    if isinstance(source, os.PathLike):
        size = os.stat(source).st_size if bytes is None else bytes
        name = filename or os.path.basename(os.fspath(source))
    else:
        size = len(source) if bytes is None else bytes
        if filename is None:
            raise TypeError("upload_file_chunked(): pass filename= when file is bytes")
        name = filename
    step = part_size or DEFAULT_PART_SIZE
    if step < 1:
        raise ValueError("part_size must be at least 1 byte")
    uploads = client.uploads
    upload = await uploads.create(bytes=size, filename=name, mime_type=mime_type, purpose=purpose)
    factories = _parts(source, size, step)
    part_ids: list[str] = []
    for number, make in enumerate(factories, 1):
        part = await uploads.parts.create(upload.id, data=(name, make(), mime_type))
        part_ids.append(part.id)
        if on_part is not None:
            on_part(number, len(factories))
    return await uploads.complete(upload.id, part_ids=part_ids)
