"""``rate_limit_info``: the x-ratelimit-* headers and request id of results, streams, raw
responses and errors, parsed on access."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Iterator

import pytest

import openai_async
from openai_async import AsyncOpenAI, OpenAI, RateLimitError, RateLimitInfo, rate_limit_info
from openai_async._ratelimit import parse_rate_limit, parse_reset
from openai_async.testing import FakeOpenAI
from openai_async.types.chat import ChatCompletion, ChatCompletionMessageParam

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6m0s", 360.0),
        ("1s", 1.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0.5s", 0.5),
        ("17.279s", 17.279),
        ("2", 2.0),
        ("1.25", 1.25),
        ("3d", 259_200.0),
        ("250us", 0.00025),
        (" 7s ", 7.0),
    ],
)
def test_reset_strings_become_seconds(text: str, seconds: float) -> None:
    assert parse_reset(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [None, "", "soon", "5x", "1s2", "m1s", "1h 2m", "-1s"])
def test_unreadable_reset_is_none(text: str | None) -> None:
    assert parse_reset(text) is None


def test_headers_parse_case_insensitively_and_tolerate_gaps() -> None:
    info = parse_rate_limit(
        {
            "X-Request-Id": "req_1",
            "X-RateLimit-Limit-Requests": "500",
            "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-reset-requests": "120ms",
            "x-ratelimit-limit-tokens": "garbage",
        }
    )
    assert info == RateLimitInfo(
        request_id="req_1",
        limit_requests=500,
        remaining_requests=499,
        reset_requests=pytest.approx(0.12),  # type: ignore[arg-type]
    )
    assert info.limit_tokens is None
    assert info.remaining_tokens is None


def test_objects_without_a_response_have_no_info() -> None:
    assert rate_limit_info({"id": "x"}) is None
    assert (
        rate_limit_info(
            ChatCompletion(id="c", choices=[], created=0, model="m", object="chat.completion")
        )
        is None
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        server.rate_limits.requests = 100
        server.rate_limits.tokens = 60_000
        yield server


def _expect_counted(info: RateLimitInfo | None, request_number: int) -> RateLimitInfo:
    assert info is not None
    assert info.limit_requests == 100
    assert info.limit_tokens == 60_000
    assert info.remaining_requests == 100 - request_number
    assert info.remaining_tokens is not None and info.remaining_tokens < 60_000
    # 1 request out of 100 per minute: 600 ms until the window refills
    assert info.reset_requests == pytest.approx(0.6 * request_number)
    assert info.reset_tokens is not None and info.reset_tokens > 0
    assert info.request_id is not None and info.request_id.startswith("req_")
    return info


async def test_result_stream_raw_and_error_all_carry_the_info(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=0) as client:
        completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        info = _expect_counted(rate_limit_info(completion), 1)
        assert info.request_id == completion._request_id

        stream = await client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        chunks = [chunk async for chunk in stream]
        assert chunks
        _expect_counted(rate_limit_info(stream), 2)

        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=MESSAGES
        )
        raw_info = _expect_counted(rate_limit_info(raw), 3)
        assert raw_info.request_id == raw.request_id
        parsed = await raw.parse()
        assert rate_limit_info(parsed) == raw_info

        async with client.chat.completions.with_streaming_response.create(
            model="gpt-4o", messages=MESSAGES
        ) as streamed:
            _expect_counted(rate_limit_info(streamed), 4)

        page = await client.files.list()
        _expect_counted(rate_limit_info(page), 5)

        fake.faults.add("POST /chat/completions", "status", status=429)
        with pytest.raises(RateLimitError) as caught:
            await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        error_info = rate_limit_info(caught.value)
        assert error_info is not None
        assert error_info.remaining_requests == 0
        assert error_info.request_id == caught.value.request_id


async def test_info_survives_pickling(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    restored = pickle.loads(pickle.dumps(completion))
    assert restored == completion
    assert rate_limit_info(restored) == rate_limit_info(completion)


async def test_the_header_is_kept_not_parsed_per_call(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    kept = vars(completion)["_headers"]
    assert kept["x-ratelimit-limit-requests"] == "100"
    assert not isinstance(kept, RateLimitInfo)


@pytest.fixture
def fake_thread() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_blocking_client_results_and_streams(fake_thread: FakeOpenAI) -> None:
    with OpenAI(base_url=fake_thread.url, api_key="k") as client:
        completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        info = rate_limit_info(completion)
        assert info is not None and info.limit_requests == 10_000
        assert info.request_id == completion._request_id

        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        assert list(stream)
        stream_info = rate_limit_info(stream)
        assert stream_info is not None and stream_info.remaining_requests == 10_000 - 2

        raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
        raw_info = rate_limit_info(raw)
        assert raw_info is not None and raw_info.request_id == raw.request_id


def test_public_names_are_lazy() -> None:
    assert openai_async.rate_limit_info is rate_limit_info
    assert "RateLimitInfo" in openai_async.__all__
