"""Blocking pages: first page, navigation, iteration across pages, the four page kinds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from openai_async import NotFoundError, OpenAI
from openai_async._sync._response import APIResponse
from openai_async.pagination import (
    AsyncCursorPage,
    SyncConversationCursorPage,
    SyncCursorPage,
    SyncNextCursorPage,
    SyncPage,
)
from openai_async.types.file_object import FileObject
from tests.server import TestServer
from tests.sync_helpers import blocking_client

KEY = "sk-pages-test"


@pytest.fixture
def client(sync_server: TestServer) -> Iterator[OpenAI]:
    with blocking_client(sync_server.url, KEY) as client:
        yield client


def items(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "value": i.upper()} for i in ids]


def test_cursor_pages_navigate_with_the_last_item_id(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.json({"object": "list", "data": items("a", "b"), "has_more": True})
    sync_server.json({"object": "list", "data": items("c"), "has_more": False})

    first = client.get_api_list("/things", page=SyncCursorPage[object], query={"limit": 2})
    assert isinstance(first, SyncCursorPage)
    assert first.data == items("a", "b")
    assert first.has_more is True
    assert first.object == "list"
    assert first.has_next_page()
    assert sync_server.last.raw_path == "/things?limit=2"

    second = first.get_next_page()
    assert isinstance(second, SyncCursorPage)
    assert second.data == items("c")
    assert not second.has_next_page()
    assert sync_server.last.raw_path == "/things?limit=2&after=b"
    assert sync_server.last.headers["Authorization"] == f"Bearer {KEY}"


def test_iterating_the_first_page_walks_every_page(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"data": items("a", "b"), "has_more": True})
    sync_server.json({"data": items("c", "d"), "has_more": True})
    sync_server.json({"data": items("e"), "has_more": False})
    first = client.get_api_list("/things", page=SyncCursorPage[object])
    assert [item["id"] for item in first] == ["a", "b", "c", "d", "e"]
    assert [r.query.get("after") for r in sync_server.requests] == [None, "b", "d"]


def test_iter_pages_yields_each_page_once(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"data": items("a"), "has_more": True})
    sync_server.json({"data": items("b"), "has_more": False})
    pages = list(client.get_api_list("/things", page=SyncCursorPage[object]).iter_pages())
    assert [page.data for page in pages] == [items("a"), items("b")]
    assert len(sync_server.requests) == 2


def test_single_page_has_no_next_page(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"object": "list", "data": items("m1", "m2")})
    page = client.get_api_list("/models", page=SyncPage[object])
    assert isinstance(page, SyncPage)
    assert not page.has_next_page()
    assert [item["id"] for item in page] == ["m1", "m2"]
    with pytest.raises(RuntimeError, match="no next page"):
        page.get_next_page()
    assert len(sync_server.requests) == 1


def test_conversation_cursor_pages_use_last_id(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"data": items("x"), "has_more": True, "last_id": "cursor-1"})
    sync_server.json({"data": items("y"), "has_more": False, "last_id": "y"})
    first = client.get_api_list("/items", page=SyncConversationCursorPage[object])
    assert isinstance(first, SyncConversationCursorPage)
    assert first.last_id == "cursor-1"
    assert [item["id"] for item in first] == ["x", "y"]
    assert sync_server.last.query["after"] == "cursor-1"


def test_next_cursor_pages_use_next(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"data": items("p"), "has_more": True, "next": "tok/2"})
    sync_server.json({"data": items("q"), "has_more": False, "next": None})
    first = client.get_api_list("/skills", page=SyncNextCursorPage[object])
    assert isinstance(first, SyncNextCursorPage)
    assert first.next == "tok/2"
    assert [item["id"] for item in first] == ["p", "q"]
    assert sync_server.last.query["after"] == "tok/2"


def test_async_page_kind_is_accepted_too(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"data": items("a"), "has_more": False})
    page = client.get_api_list("/things", page=AsyncCursorPage[object])
    assert isinstance(page, SyncCursorPage)
    assert page.data == items("a")


def test_a_failing_next_page_raises_in_the_calling_thread(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.json({"data": items("a"), "has_more": True})
    sync_server.json({"error": {"message": "gone", "type": "invalid_request_error"}}, status=404)
    first = client.get_api_list("/things", page=SyncCursorPage[object])
    seen: list[str] = []
    with pytest.raises(NotFoundError) as info:
        for item in first:
            seen.append(item["id"])
    assert seen == ["a"]
    assert info.value.status_code == 404
    assert info.value.message.endswith("gone")


def file(file_id: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": 3,
        "created_at": 1700000000,
        "filename": f"{file_id}.jsonl",
        "purpose": "batch",
        "status": "processed",
    }


def test_files_list_returns_a_typed_first_page(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"object": "list", "data": [file("file-1")], "has_more": True})
    sync_server.json({"object": "list", "data": [file("file-2")], "has_more": False})
    page = client.files.list(limit=1, purpose="batch")
    assert isinstance(page, SyncCursorPage)
    assert isinstance(page.data[0], FileObject)
    assert sync_server.last.path == "/files"
    assert dict(sync_server.last.query) == {"limit": "1", "purpose": "batch"}
    assert [f.id for f in page] == ["file-1", "file-2"]
    assert dict(sync_server.last.query) == {"limit": "1", "purpose": "batch", "after": "file-1"}


def test_raw_response_of_a_list_parses_to_a_page_that_can_go_on(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.json(
        {"object": "list", "data": [file("file-1")], "has_more": True},
        headers={"x-request-id": "req_list"},
    )
    sync_server.json({"object": "list", "data": [file("file-2")], "has_more": False})
    raw = client.files.with_raw_response.list()
    assert isinstance(raw, APIResponse)
    assert raw.request_id == "req_list"
    assert raw.status_code == 200
    page = raw.parse()
    assert isinstance(page, SyncCursorPage)
    assert [f.id for f in page.get_next_page().data] == ["file-2"]
