"""Helper mixins listed in codegen/extensions.py become bases of the generated classes."""

from __future__ import annotations

import pytest

from codegen import extensions
from codegen.resources_gen import ASYNC, SYNC, render_module, render_root
from codegen.resources_model import Resource, build_tree
from codegen.spec import load_spec
from codegen.typemap import TypeMap


@pytest.fixture(scope="module")
def root() -> Resource:
    spec = load_spec()
    return build_tree(spec, TypeMap(spec))


def test_mixins_come_first_in_the_bases(root: Resource, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        extensions.EXTENSIONS,
        "embeddings",
        (
            ("openai_async.lib.example", "AsyncExampleMixin"),
            ("openai_async.lib.example", "ExampleMixin"),
        ),
    )
    monkeypatch.setitem(
        extensions.EXTENSIONS, "", (("openai_async.lib.example", "AsyncRootMixin"), None)
    )
    node = root.children["embeddings"]
    async_source = render_module(node, ASYNC)
    sync_source = render_module(node, SYNC)
    assert "from openai_async.lib.example import AsyncExampleMixin" in async_source
    assert "class AsyncEmbeddings(AsyncExampleMixin, AsyncAPIResource):" in async_source
    assert "class Embeddings(ExampleMixin, SyncAPIResource):" in sync_source
    assert "class AsyncResourceRoot(AsyncRootMixin):" in render_root(root, ASYNC)
    assert "class SyncResourceRoot:" in render_root(root, SYNC)


def test_without_an_entry_the_generated_base_stands_alone(
    root: Resource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(extensions.EXTENSIONS, "models", raising=False)
    assert "class AsyncModels(AsyncAPIResource):" in render_module(root.children["models"], ASYNC)


def test_a_slotted_mixin_combines_with_the_resource_base() -> None:
    from openai_async._resource import AsyncAPIResource

    class Mixin:
        __slots__ = ()

        def hello(self) -> str:
            return "hi"

    class Combined(Mixin, AsyncAPIResource):
        pass

    assert Combined(None).hello() == "hi"  # type: ignore[arg-type]
