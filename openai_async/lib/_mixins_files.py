# pyright: reportPrivateUsage=false
"""Helpers on ``client.files`` (``wait_for_processing``), ``client.uploads``
(``upload_file_chunked``) and ``client.videos`` (``create_and_poll``, ``poll``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._types import NOT_GIVEN, NotGiven
from .polling import FILE_DONE, poll_until, status_in

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._sync._client import OpenAI
    from ..resources.files import AsyncFiles
    from ..resources.uploads.uploads import AsyncUploads
    from ..resources.videos import AsyncVideos
    from ..types.file_object import FileObject
    from ..types.upload import Upload
    from ..types.video import Video

__all__ = [
    "AsyncFilesMixin",
    "AsyncUploadsMixin",
    "AsyncVideosMixin",
    "FilesMixin",
    "UploadsMixin",
    "VideosMixin",
]

VIDEO_DONE = frozenset({"completed", "failed"})


class AsyncFilesMixin:
    """``wait_for_processing``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def wait_for_processing(
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = 30 * 60
    ) -> FileObject:
        """Retrieve the file every ``poll_interval`` seconds until it is processed (or failed);
        past ``max_wait_seconds`` raise ``PollingTimeoutError``."""
        retrieve = self._client.files.with_raw_response.retrieve
        return await poll_until(
            self._client,
            lambda: retrieve(id),
            status_in(FILE_DONE),
            poll_interval_ms=round(poll_interval * 1000),
            max_wait_seconds=max_wait_seconds,
        )


class AsyncUploadsMixin:
    """``upload_file_chunked``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def upload_file_chunked(
        self,
        *,
        file: str | os.PathLike[str] | bytes,
        mime_type: str,
        purpose: Any,
        filename: str | None = None,
        bytes: int | None = None,
        part_size: int | None = None,
        on_part: Callable[[int, int], object] | None = None,
    ) -> Upload:
        """Upload ``file`` through the Uploads API in parts of ``part_size`` bytes (64 MiB by
        default), each streamed from disk; ``on_part(done, total)`` after each part."""
        from .uploads import upload_chunked

        return await upload_chunked(
            self._client,
            file=file,
            mime_type=mime_type,
            purpose=purpose,
            filename=filename,
            bytes=bytes,
            part_size=part_size,
            on_part=on_part,
        )


class AsyncVideosMixin:
    """``create_and_poll`` and ``poll``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def create_and_poll(
        self,
        *,
        prompt: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> Video:
        """Create a video, then poll it until it is completed or failed."""
        video = await self._client.videos.create(prompt=prompt, **params)
        return await self.poll(
            video.id, poll_interval_ms=poll_interval_ms, max_wait_seconds=max_wait_seconds
        )

    async def poll(
        self,
        video_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> Video:
        """Retrieve the video until it is completed or failed."""
        retrieve = self._client.videos.with_raw_response.retrieve
        return await poll_until(
            self._client,
            lambda: retrieve(video_id),
            status_in(VIDEO_DONE),
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )


class FilesMixin:
    """The blocking twin of ``AsyncFilesMixin``."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncFiles

    def wait_for_processing(
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = 30 * 60
    ) -> FileObject:
        """Retrieve the file until it is processed (or failed)."""
        result: FileObject = self._client._call(
            self._async.wait_for_processing,
            id=id,
            poll_interval=poll_interval,
            max_wait_seconds=max_wait_seconds,
        )
        return result


class UploadsMixin:
    """The blocking twin of ``AsyncUploadsMixin`` (``on_part`` runs on the client's thread)."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncUploads

    def upload_file_chunked(
        self,
        *,
        file: str | os.PathLike[str] | bytes,
        mime_type: str,
        purpose: Any,
        filename: str | None = None,
        bytes: int | None = None,
        part_size: int | None = None,
        on_part: Callable[[int, int], object] | None = None,
    ) -> Upload:
        """Upload ``file`` in parts streamed from disk, then complete the upload."""
        result: Upload = self._client._call(
            self._async.upload_file_chunked,
            file=file,
            mime_type=mime_type,
            purpose=purpose,
            filename=filename,
            bytes=bytes,
            part_size=part_size,
            on_part=on_part,
        )
        return result


class VideosMixin:
    """The blocking twin of ``AsyncVideosMixin``."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncVideos

    def create_and_poll(
        self,
        *,
        prompt: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> Video:
        """Create a video, then poll it until it is completed or failed."""
        result: Video = self._client._call(
            self._async.create_and_poll,
            prompt=prompt,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )
        return result

    def poll(
        self,
        video_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> Video:
        """Retrieve the video until it is completed or failed."""
        result: Video = self._client._call(
            self._async.poll,
            video_id=video_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )
        return result
