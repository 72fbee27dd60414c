# pyright: reportPrivateUsage=false
"""Helpers on ``client.vector_stores.files`` and ``client.vector_stores.file_batches``:
uploads and pollers (a file or batch is done once its status leaves ``in_progress``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .._types import NOT_GIVEN, FileTypes, NotGiven
from .polling import poll_until, status_not

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._sync._client import OpenAI
    from ..resources.vector_stores.file_batches import AsyncFileBatches
    from ..resources.vector_stores.files import AsyncFiles
    from ..types.file_object import FileObject
    from ..types.vector_stores.vector_store_file import VectorStoreFile
    from ..types.vector_stores.vector_store_file_batch import VectorStoreFileBatch

__all__ = [
    "AsyncVectorStoreFileBatchesMixin",
    "AsyncVectorStoreFilesMixin",
    "VectorStoreFileBatchesMixin",
    "VectorStoreFilesMixin",
]

Progress = Callable[[int, int], object]
"""``progress(done, total)``: called after each file of a batch is uploaded."""


class AsyncVectorStoreFilesMixin:
    """``create_and_poll``, ``poll``, ``upload``, ``upload_and_poll``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def create_and_poll(
        self,
        file_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFile:
        """Attach a file to the vector store, then poll it until processing ends."""
        await self._client.vector_stores.files.create(vector_store_id, file_id=file_id, **params)
        return await self.poll(
            file_id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )

    async def poll(
        self,
        file_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> VectorStoreFile:
        """Retrieve the vector-store file until it is no longer ``in_progress``."""
        retrieve = self._client.vector_stores.files.with_raw_response.retrieve
        return await poll_until(
            self._client,
            lambda: retrieve(file_id, vector_store_id=vector_store_id),
            status_not("in_progress"),
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )

    async def upload(
        self, *, vector_store_id: str, file: FileTypes, **params: Any
    ) -> VectorStoreFile:
        """Upload ``file`` (purpose ``assistants``) and attach it to the vector store."""
        uploaded = await self._client.files.create(file=file, purpose="assistants")
        return await self._client.vector_stores.files.create(
            vector_store_id, file_id=uploaded.id, **params
        )

    async def upload_and_poll(
        self,
        *,
        vector_store_id: str,
        file: FileTypes,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFile:
        """Upload and attach ``file``, then poll it until processing ends."""
        uploaded = await self._client.files.create(file=file, purpose="assistants")
        return await self.create_and_poll(
            uploaded.id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )


class AsyncVectorStoreFileBatchesMixin:
    """``create_and_poll``, ``poll``, ``upload_and_poll``."""

    __slots__ = ()
    _client: AsyncOpenAI

    async def create_and_poll(
        self,
        vector_store_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFileBatch:
        """Create a file batch, then poll it until it is no longer ``in_progress``."""
        batch = await self._client.vector_stores.file_batches.create(vector_store_id, **params)
        return await self.poll(
            batch.id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )

    async def poll(
        self,
        batch_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> VectorStoreFileBatch:
        """Retrieve the batch until it is no longer ``in_progress``."""
        retrieve = self._client.vector_stores.file_batches.with_raw_response.retrieve
        return await poll_until(
            self._client,
            lambda: retrieve(batch_id, vector_store_id=vector_store_id),
            status_not("in_progress"),
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )

    async def upload_and_poll(
        self,
        vector_store_id: str,
        *,
        files: Iterable[FileTypes],
        max_concurrency: int = 5,
        file_ids: Iterable[str] = (),
        progress: Progress | None = None,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFileBatch:
        """Upload ``files`` (at most ``max_concurrency`` at a time), create one batch of them
        and ``file_ids``, and poll it. An upload failure cancels the others and is raised."""
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        uploaded = await _upload_all(self._client, list(files), max_concurrency, progress)
        return await self.create_and_poll(
            vector_store_id,
            file_ids=[*file_ids, *(f.id for f in uploaded)],
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )


async def _upload_all(
    client: AsyncOpenAI, files: list[FileTypes], limit: int, progress: Progress | None
) -> list[FileObject]:
    """Upload every file, ``limit`` at a time; results in the order of ``files``."""
    gate = asyncio.Semaphore(limit)
    done = 0

    async def one(file: FileTypes) -> FileObject:
        nonlocal done
        async with gate:
            result = await client.files.create(file=file, purpose="assistants")
        done += 1
        if progress is not None:
            progress(done, len(files))
        return result

    tasks = [asyncio.ensure_future(one(file)) for file in files]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class VectorStoreFilesMixin:
    """The blocking twin of ``AsyncVectorStoreFilesMixin``."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncFiles

    def create_and_poll(
        self,
        file_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFile:
        """Attach a file to the vector store, then poll it until processing ends."""
        result: VectorStoreFile = self._client._call(
            self._async.create_and_poll,
            file_id=file_id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )
        return result

    def poll(
        self,
        file_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> VectorStoreFile:
        """Retrieve the vector-store file until it is no longer ``in_progress``."""
        result: VectorStoreFile = self._client._call(
            self._async.poll,
            file_id=file_id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )
        return result

    def upload(self, *, vector_store_id: str, file: FileTypes, **params: Any) -> VectorStoreFile:
        """Upload ``file`` and attach it to the vector store."""
        result: VectorStoreFile = self._client._call(
            self._async.upload, vector_store_id=vector_store_id, file=file, **params
        )
        return result

    def upload_and_poll(
        self,
        *,
        vector_store_id: str,
        file: FileTypes,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFile:
        """Upload and attach ``file``, then poll it until processing ends."""
        result: VectorStoreFile = self._client._call(
            self._async.upload_and_poll,
            vector_store_id=vector_store_id,
            file=file,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )
        return result


class VectorStoreFileBatchesMixin:
    """The blocking twin of ``AsyncVectorStoreFileBatchesMixin`` (``progress`` runs on the
    client's thread)."""

    __slots__ = ()
    _client: OpenAI
    _async: AsyncFileBatches

    def create_and_poll(
        self,
        vector_store_id: str,
        *,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFileBatch:
        """Create a file batch, then poll it until it is no longer ``in_progress``."""
        result: VectorStoreFileBatch = self._client._call(
            self._async.create_and_poll,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )
        return result

    def poll(
        self,
        batch_id: str,
        *,
        vector_store_id: str,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
    ) -> VectorStoreFileBatch:
        """Retrieve the batch until it is no longer ``in_progress``."""
        result: VectorStoreFileBatch = self._client._call(
            self._async.poll,
            batch_id=batch_id,
            vector_store_id=vector_store_id,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
        )
        return result

    def upload_and_poll(
        self,
        vector_store_id: str,
        *,
        files: Iterable[FileTypes],
        max_concurrency: int = 5,
        file_ids: Iterable[str] = (),
        progress: Progress | None = None,
        poll_interval_ms: int | NotGiven = NOT_GIVEN,
        max_wait_seconds: float | None = None,
        **params: Any,
    ) -> VectorStoreFileBatch:
        """Upload ``files`` concurrently, create one batch of them and poll it."""
        result: VectorStoreFileBatch = self._client._call(
            self._async.upload_and_poll,
            vector_store_id=vector_store_id,
            files=files,
            max_concurrency=max_concurrency,
            file_ids=file_ids,
            progress=progress,
            poll_interval_ms=poll_interval_ms,
            max_wait_seconds=max_wait_seconds,
            **params,
        )
        return result
