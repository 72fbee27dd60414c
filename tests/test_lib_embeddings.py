"""embeddings.create asks for base64 and returns floats decoded in one pass; an explicit format
is left alone; raw responses are untouched; the blocking twin goes through the same path."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openai_async import AsyncOpenAI, OpenAI
from openai_async.lib import embeddings as lib_embeddings
from openai_async.testing import FakeOpenAI
from tests.server import TestServer


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


async def test_base64_by_default_floats_back(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        packed = await client.embeddings.create(
            input=["a", "bb"], model="text-embedding-3-small", dimensions=8
        )
        assert fake.last_request.json()["encoding_format"] == "base64"
        plain = await client.embeddings.create(
            input=["a", "bb"], model="text-embedding-3-small", dimensions=8, encoding_format="float"
        )
        assert fake.last_request.json()["encoding_format"] == "float"
    assert [e.embedding for e in packed.data] == [e.embedding for e in plain.data]
    assert [len(e.embedding) for e in packed.data] == [8, 8]
    assert packed.usage == plain.usage and packed.model == "text-embedding-3-small"
    assert packed._request_id is not None and packed._request_id.startswith("req_")


async def test_pure_python_decoder_and_raw_responses(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lib_embeddings, "numpy_module", lambda: None)
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        result = await client.embeddings.create(input="x", model="m", dimensions=4)
        raw = await client.embeddings.with_raw_response.create(input="x", model="m", dimensions=4)
        assert "encoding_format" not in fake.last_request.json()
        assert (await raw.parse()).data[0].embedding == result.data[0].embedding
        with pytest.raises(ImportError, match="numpy"):
            await client.embeddings.create_array(input="x", model="m")


def test_decoder_splits_uneven_vectors() -> None:
    import base64
    import struct

    texts = [
        base64.b64encode(struct.pack("<2f", 1.5, -2.0)).decode(),
        base64.b64encode(struct.pack("<3f", 0.25, 0.5, 4.0)).decode(),
    ]
    assert lib_embeddings.decode_vectors(texts) == [[1.5, -2.0], [0.25, 0.5, 4.0]]


async def test_server_errors_surface(fake: FakeOpenAI) -> None:
    from openai_async import BadRequestError

    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=0) as client:
        with pytest.raises(BadRequestError):
            await client.embeddings.create(input="x", model="m", dimensions=0)


def test_blocking_client_gets_floats() -> None:
    with FakeOpenAI() as fake, OpenAI(base_url=fake.url, api_key="k") as client:
        result = client.embeddings.create(input="hello", model="m", dimensions=3)
        assert fake.last_request.json()["encoding_format"] == "base64"
        assert len(result.data[0].embedding) == 3
        assert all(isinstance(v, float) for v in result.data[0].embedding)


async def test_floats_sent_back_despite_the_base64_request_are_kept(server: TestServer) -> None:
    body = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -1.0]}],
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    server.json(body, times=2)
    async with AsyncOpenAI(base_url=server.url, api_key="k") as client:
        result = await client.embeddings.create(input="x", model="m")
        array = await client.embeddings.create_array(input="x", model="m")
    assert server.requests[0].json()["encoding_format"] == "base64"
    assert result.data[0].embedding == [0.5, -1.0]
    assert array.shape == (1, 2) and array.tolist() == [[0.5, -1.0]]


async def test_create_array_with_numpy(fake: FakeOpenAI) -> None:
    numpy = pytest.importorskip("numpy")
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        array = await client.embeddings.create_array(
            input=["a", "bb", "c"], model="m", dimensions=5
        )
        floats = await client.embeddings.create(
            input=["a", "bb", "c"], model="m", dimensions=5, encoding_format="float"
        )
    assert isinstance(array, numpy.ndarray) and array.shape == (3, 5)
    expected = numpy.asarray([e.embedding for e in floats.data], dtype="<f4")
    assert numpy.array_equal(array, expected)
