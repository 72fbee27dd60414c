"""Hand-written helper mixins that generated resource classes inherit.

This table is the one place where code from ``openai_async/lib`` joins the generated resource
tree: ``client.chat.completions.stream(...)``, ``client.beta.threads.runs.create_and_poll(...)``,
``client.webhooks`` and the like are methods of a mixin listed here. A mixin comes first in the
generated class's bases, declares ``__slots__ = ()``, and reaches the client through
``self._client`` (and, on the blocking side, the async twin through ``self._async``).

Keys are resource paths as dotted names (``"chat.completions"``); the empty key is the client
root (``AsyncResourceRoot`` / ``SyncResourceRoot``). Values are ``(async mixin, sync mixin)``,
each a ``(module, class name)`` pair, or ``None`` for a side with no mixin.
"""

from __future__ import annotations

Mixin = tuple[str, str]

EXTENSIONS: dict[str, tuple[Mixin | None, Mixin | None]] = {
    "chat.completions": (
        ("openai_async.lib.chat", "AsyncChatCompletionsMixin"),
        ("openai_async.lib.chat", "ChatCompletionsMixin"),
    ),
    "responses": (
        ("openai_async.lib.responses", "AsyncResponsesMixin"),
        ("openai_async.lib.responses", "ResponsesMixin"),
    ),
    "beta.threads.runs": (
        ("openai_async.lib._mixins_runs", "AsyncRunsMixin"),
        ("openai_async.lib._mixins_runs", "RunsMixin"),
    ),
    "beta.threads": (
        ("openai_async.lib._mixins_runs", "AsyncThreadsMixin"),
        ("openai_async.lib._mixins_runs", "ThreadsMixin"),
    ),
    "vector_stores.files": (
        ("openai_async.lib._mixins_vector_stores", "AsyncVectorStoreFilesMixin"),
        ("openai_async.lib._mixins_vector_stores", "VectorStoreFilesMixin"),
    ),
    "vector_stores.file_batches": (
        ("openai_async.lib._mixins_vector_stores", "AsyncVectorStoreFileBatchesMixin"),
        ("openai_async.lib._mixins_vector_stores", "VectorStoreFileBatchesMixin"),
    ),
    "files": (
        ("openai_async.lib._mixins_files", "AsyncFilesMixin"),
        ("openai_async.lib._mixins_files", "FilesMixin"),
    ),
    "uploads": (
        ("openai_async.lib._mixins_files", "AsyncUploadsMixin"),
        ("openai_async.lib._mixins_files", "UploadsMixin"),
    ),
    "videos": (
        ("openai_async.lib._mixins_files", "AsyncVideosMixin"),
        ("openai_async.lib._mixins_files", "VideosMixin"),
    ),
    "realtime": (
        ("openai_async.lib.realtime._mixin", "AsyncRealtimeMixin"),
        ("openai_async.lib.realtime._mixin", "RealtimeMixin"),
    ),
    "embeddings": (
        ("openai_async.lib.embeddings", "AsyncEmbeddingsMixin"),
        ("openai_async.lib.embeddings", "EmbeddingsMixin"),
    ),
    "": (
        ("openai_async.lib.webhooks", "AsyncWebhooksMixin"),
        ("openai_async.lib.webhooks", "WebhooksMixin"),
    ),
}


def mixins(path: tuple[str, ...], is_async: bool) -> list[Mixin]:
    """The mixins the generated class for ``path`` inherits, before its generated base."""
    pair = EXTENSIONS.get(".".join(path))
    if pair is None:
        return []
    mixin = pair[0] if is_async else pair[1]
    return [] if mixin is None else [mixin]
