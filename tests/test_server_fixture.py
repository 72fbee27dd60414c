"""The recording test server itself records and scripts what the other tests rely on."""

from __future__ import annotations

import aiohttp

from tests.server import TestServer


async def test_records_request_and_replays_script(server: TestServer) -> None:
    server.json({"ok": True}, headers={"x-request-id": "req_1"})
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/v1/x?a=1", data=b'{"k":1}') as resp:
            assert resp.status == 200
            assert resp.headers["x-request-id"] == "req_1"
            assert await resp.json() == {"ok": True}
        async with session.get(f"{server.url}/nothing") as resp:
            assert resp.status == 599
    assert [r.path for r in server.requests] == ["/v1/x", "/nothing"]
    assert server.requests[0].body == b'{"k":1}'
    assert server.requests[0].query["a"] == "1"
    assert server.accepts == 1
