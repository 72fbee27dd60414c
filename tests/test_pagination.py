"""Pages and paginators over the recording server: cursors sent, items across pages, stops."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from openai_async import AsyncOpenAI
from openai_async._exceptions import NotFoundError
from openai_async._models import BaseModel
from openai_async._pagination import (
    AsyncConversationCursorPage,
    AsyncCursorPage,
    AsyncNextCursorPage,
    AsyncPage,
    AsyncPaginator,
)
from openai_async._response import AsyncAPIResponse, to_raw_response_wrapper
from tests.server import TestServer

KEY = "sk-test-pagination-0123456789"


class Item(BaseModel):
    id: str
    n: int = 0


def items(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "n": k} for k, i in enumerate(ids)]


def client_for(server: TestServer) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0)


def afters(server: TestServer) -> list[str | None]:
    return [r.query.get("after") for r in server.requests]


async def test_cursor_pages_iterate_items_across_pages(server: TestServer) -> None:
    server.json({"object": "list", "data": items("a", "b"), "has_more": True, "first_id": "a"})
    server.json({"object": "list", "data": items("c", "d"), "has_more": True})
    server.json({"object": "list", "data": items("e"), "has_more": False})
    async with client_for(server) as client:
        paginator = client.get_api_list(
            "/files",
            page=AsyncCursorPage[Item],
            item=Item,
            query={"limit": 2, "order": "asc"},
            extra_query={"purpose": "batch"},
        )
        assert isinstance(paginator, AsyncPaginator)
        assert not server.requests  # nothing is sent before await / async for
        ids = [item.id async for item in paginator]
    assert ids == ["a", "b", "c", "d", "e"]
    assert afters(server) == [None, "b", "d"]
    for request in server.requests:
        assert request.method == "GET"
        assert request.path == "/files"
        assert request.query["limit"] == "2"
        assert request.query["order"] == "asc"
        assert request.query["purpose"] == "batch"


async def test_awaiting_gives_the_first_page_with_navigation(server: TestServer) -> None:
    server.json({"data": items("a"), "has_more": True}, headers={"x-request-id": "req_p1"})
    server.json({"data": items("b"), "has_more": False})
    async with client_for(server) as client:
        page = await client.get_api_list("/things", page=AsyncCursorPage[Item], item=Item)
        assert isinstance(page, AsyncCursorPage)
        assert page.data == [Item(id="a")]
        assert page.has_more is True
        assert page._request_id == "req_p1"
        assert page.has_next_page()
        second = await page.get_next_page()
        assert second.data == [Item(id="b")]
        assert not second.has_next_page()
        with pytest.raises(RuntimeError, match="no next page"):
            await second.get_next_page()
        assert afters(server) == [None, "a"]

        server.json({"data": items("a"), "has_more": True})
        server.json({"data": items("b"), "has_more": False})
        first = await client.get_api_list("/things", page=AsyncCursorPage[Item], item=Item)
        pages = [p async for p in first.iter_pages()]
        assert [[i.id for i in p.data] for p in pages] == [["a"], ["b"]]
        assert pages[0] is first


async def test_cursor_page_stops_on_empty_data_or_missing_ids(server: TestServer) -> None:
    server.json({"data": [], "has_more": True})
    server.json({"data": [{"n": 1}], "has_more": True})
    async with client_for(server) as client:
        empty = await client.get_api_list("/x", page=AsyncCursorPage[Item], item=Item)
        assert not empty.has_next_page()
        odd = await client.get_api_list("/x", page=AsyncCursorPage[Item], item=Item)
        assert odd.data[0].id is None  # lenient: a missing required id becomes None
        assert not odd.has_next_page()


async def test_cursor_page_of_untyped_items(server: TestServer) -> None:
    server.json({"data": [{"id": "a"}], "has_more": True})
    server.json({"data": [{"id": "b"}], "has_more": False})
    async with client_for(server) as client:
        got = [x async for x in client.get_api_list("/x", page=AsyncCursorPage[dict[str, Any]])]
    assert got == [{"id": "a"}, {"id": "b"}]
    assert afters(server) == [None, "a"]


async def test_single_page(server: TestServer) -> None:
    server.json({"object": "list", "data": items("m1", "m2")})
    async with client_for(server) as client:
        page = await client.get_api_list("/models", page=AsyncPage[Item], item=Item)
        assert page.object == "list"
        assert [i.id for i in page.data] == ["m1", "m2"]
        assert not page.has_next_page()
        with pytest.raises(RuntimeError):
            await page.get_next_page()
        assert [i.id async for i in page] == ["m1", "m2"]
    assert len(server.requests) == 1


async def test_post_single_page_sends_its_body(server: TestServer) -> None:
    server.json({"object": "list", "data": items("r")})
    async with client_for(server) as client:
        page = await client.get_api_list(
            "/vector_stores/vs/search",
            page=AsyncPage[Item],
            item=Item,
            method="POST",
            body={"query": "cats"},
        )
    assert page.data == [Item(id="r")]
    assert server.last.method == "POST"
    assert server.last.json() == {"query": "cats"}


async def test_conversation_cursor_page_uses_last_id(server: TestServer) -> None:
    server.json({"data": items("a", "b"), "has_more": True, "first_id": "a", "last_id": "zz"})
    server.json({"data": items("c"), "has_more": False, "last_id": "c"})
    async with client_for(server) as client:
        paginator = client.get_api_list(
            "/conversations/c/items", page=AsyncConversationCursorPage[Item], item=Item
        )
        first = await paginator
        assert first.last_id == "zz"
        assert [i.id async for i in first] == ["a", "b", "c"]
    assert afters(server) == [None, "zz"]


async def test_conversation_cursor_page_without_last_id_stops(server: TestServer) -> None:
    server.json({"data": items("a"), "has_more": True, "last_id": None})
    async with client_for(server) as client:
        page = await client.get_api_list(
            "/organization/invites", page=AsyncConversationCursorPage[Item], item=Item
        )
        assert not page.has_next_page()


async def test_next_cursor_page_uses_the_server_cursor(server: TestServer) -> None:
    server.json({"object": "list", "data": items("g1"), "has_more": True, "next": "cur_2"})
    server.json({"object": "list", "data": items("g2"), "has_more": True, "next": "cur_3"})
    server.json({"object": "list", "data": items("g3"), "has_more": False, "next": None})
    async with client_for(server) as client:
        paginator = client.get_api_list(
            "/organization/groups",
            page=AsyncNextCursorPage[Item],
            item=Item,
            query={"limit": 1},
            extra_query={"after": "caller_value"},
        )
        ids = [i.id async for i in paginator]
    assert ids == ["g1", "g2", "g3"]
    # The caller's own cursor starts the walk; the server's cursors continue it.
    assert afters(server) == ["caller_value", "cur_2", "cur_3"]


async def test_error_on_a_later_page_propagates(server: TestServer) -> None:
    server.json({"data": items("a"), "has_more": True})
    server.json({"error": {"message": "gone", "type": "invalid_request_error"}}, status=404)
    async with client_for(server) as client:
        seen: list[str] = []
        with pytest.raises(NotFoundError, match="gone"):
            async for item in client.get_api_list("/x", page=AsyncCursorPage[Item], item=Item):
                seen.append(item.id)
    assert seen == ["a"]


async def test_raw_response_of_the_first_page_keeps_navigation(server: TestServer) -> None:
    server.json({"data": items("a"), "has_more": True}, headers={"x-request-id": "req_raw"})
    server.json({"data": items("b"), "has_more": False})
    async with client_for(server) as client:

        def list_things(limit: int) -> AsyncPaginator[Item, AsyncCursorPage[Item]]:
            return client.get_api_list(
                "/things", page=AsyncCursorPage[Item], item=Item, query={"limit": limit}
            )

        raw = await to_raw_response_wrapper(list_things)(limit=1)
        assert isinstance(raw, AsyncAPIResponse)
        assert raw.request_id == "req_raw"
        assert raw.status_code == 200
        page = await raw.parse()
        assert isinstance(page, AsyncCursorPage)
        nxt = await page.get_next_page()
        assert isinstance(nxt, AsyncCursorPage)  # a parsed page, not another raw response
        assert nxt.data == [Item(id="b")]
    assert afters(server) == [None, "a"]


def test_a_page_built_outside_a_client_cannot_fetch() -> None:
    page = msgspec.json.decode(
        b'{"data": [{"id": "a"}], "has_more": true}', type=AsyncCursorPage[Item]
    )
    assert page.has_next_page()

    async def fetch() -> None:
        await page.get_next_page()

    import asyncio

    with pytest.raises(RuntimeError, match="not fetched through a client"):
        asyncio.run(fetch())
