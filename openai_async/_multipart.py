"""Multipart bodies for operations that upload files.

``files`` maps a field name to one file (or a list of files, sent as ``name[]``). A file is
bytes, a path, a binary file object, an async iterable of bytes (streamed, never read whole),
or a ``(filename, content[, content_type])`` tuple of those. The other parameters become form
fields in the API's bracket style.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import IO, Final

import aiohttp

from ._types import FileContent

__all__ = ["FilePart", "Multipart", "prepare_files"]

_DEFAULT_FILENAME: Final = "upload"
_OCTET_STREAM: Final = "application/octet-stream"


class FilePart:
    """One file field, normalised once per call so each attempt can rebuild the form."""

    __slots__ = ("content", "content_type", "filename", "name", "start")

    def __init__(self, name: str, filename: str, content: FileContent, content_type: str) -> None:
        self.name = name
        self.filename = filename
        self.content = content
        self.content_type = content_type
        self.start: int | None = None
        if not isinstance(content, (bytes, os.PathLike, AsyncIterable)):
            try:
                self.start = content.tell() if content.seekable() else None
            except (OSError, ValueError):
                self.start = None

    @property
    def replayable(self) -> bool:
        """Whether a second attempt can send the same bytes again."""
        return isinstance(self.content, (bytes, os.PathLike)) or self.start is not None


def _default_filename(content: FileContent) -> str:
    if isinstance(content, os.PathLike):
        return os.path.basename(os.fspath(content))
    name: object = getattr(content, "name", None)
    if isinstance(name, str) and name:
        return os.path.basename(name)
    return _DEFAULT_FILENAME


def _part(name: str, spec: object) -> FilePart:
    filename: str | None = None
    content_type: str | None = None
    if isinstance(spec, tuple):
        items: tuple[object, ...] = spec  # type: ignore[assignment]
        if len(items) not in (2, 3):
            raise TypeError(f"file {name!r}: a tuple must be (filename, content[, content_type])")
        filename = items[0] if isinstance(items[0], str) else None
        content: object = items[1]
        if len(items) == 3 and isinstance(items[2], str):
            content_type = items[2]
    else:
        content = spec
    if not isinstance(content, (bytes, os.PathLike, AsyncIterable)) and not hasattr(
        content, "read"
    ):
        raise TypeError(
            f"file {name!r}: expected bytes, a path, a binary file object or an async "
            f"iterable of bytes, got {type(content).__name__}"
        )
    data: FileContent = content  # type: ignore[assignment]
    filename = filename or _default_filename(data)
    content_type = content_type or mimetypes.guess_type(filename)[0] or _OCTET_STREAM
    return FilePart(name, filename, data, content_type)


def _is_file_list(value: object) -> bool:
    """A list (or other plain iterable) of files, as opposed to one file or a file tuple."""
    if isinstance(value, list):
        return True
    if hasattr(value, "read") or isinstance(value, (bytes, str, tuple, os.PathLike)):
        return False
    return isinstance(value, Iterable)


def prepare_files(files: Mapping[str, object]) -> list[FilePart]:
    """Normalise the ``files`` argument of a call into parts (lists become ``name[]``)."""
    parts: list[FilePart] = []
    for name, value in files.items():
        if _is_file_list(value):
            entries: Iterable[object] = value  # type: ignore[assignment]
            parts.extend(_part(f"{name}[]", entry) for entry in entries)
        else:
            parts.append(_part(name, value))
    return parts


class Multipart:
    """The form of one call: rebuilt for every attempt, files opened by us closed after it."""

    __slots__ = ("fields", "opened", "parts")

    def __init__(self, fields: list[tuple[str, str]], parts: list[FilePart]) -> None:
        self.fields = fields
        self.parts = parts
        self.opened: list[IO[bytes]] = []

    @property
    def replayable(self) -> bool:
        """Whether the form can be sent again on a retry."""
        return all(part.replayable for part in self.parts)

    def build(self) -> aiohttp.FormData:
        """A fresh ``FormData`` for one attempt."""
        self.close()
        # Always multipart, even with no file part: the operation's content type is fixed.
        form = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
        for name, value in self.fields:
            form.add_field(name, value)
        for part in self.parts:
            content = part.content
            if isinstance(content, os.PathLike):
                handle = open(content, "rb")  # noqa: SIM115 - closed by close()
                self.opened.append(handle)
                payload: object = handle
            elif part.start is not None and not isinstance(content, (bytes, AsyncIterable)):
                content.seek(part.start)
                payload = content
            else:
                payload = content
            form.add_field(
                part.name, payload, filename=part.filename, content_type=part.content_type
            )
        return form

    def close(self) -> None:
        """Close the files this form opened."""
        while self.opened:
            self.opened.pop().close()
