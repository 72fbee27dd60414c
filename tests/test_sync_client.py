"""The blocking client: config on the wire, low-level verbs, errors, retries, raw responses, Azure."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from openai_async import (
    AuthenticationError,
    AzureOpenAI,
    BadRequestError,
    OpenAI,
    OpenAIError,
)
from openai_async._response import BinaryResponseContent
from openai_async._sync._response import (
    APIResponse,
    StreamedResponse,
    to_sync_raw_response_wrapper,
    to_sync_streamed_response_wrapper,
)
from openai_async._sync._streaming import Stream
from openai_async.types.chat.chat_completion import ChatCompletion
from openai_async.types.model import Model
from tests.server import TestServer
from tests.sync_helpers import acquired, blocking_client, sse_events

KEY = "sk-client-test"


class Sleeps:
    """Injected retry sleep: records the delays, never sleeps."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def client(sync_server: TestServer) -> Iterator[OpenAI]:
    with blocking_client(sync_server.url, KEY) as client:
        yield client


def test_config_is_sent_on_every_call(sync_server: TestServer) -> None:
    sync_server.json({"ok": True})
    with OpenAI(
        api_key=KEY,
        organization="org-1",
        project="proj-1",
        base_url=sync_server.url + "/v1",
        default_headers={"X-App": "demo"},
        default_query={"tenant": "t1"},
    ) as client:
        assert client.get("/models", cast_to=object) == {"ok": True}
        assert client.api_key == KEY
        assert client.organization == "org-1"
        assert client.project == "proj-1"
        assert client.base_url == sync_server.url + "/v1"
        assert client.max_retries == 2
        assert client.default_headers == {"X-App": "demo"}
        assert client.default_query == {"tenant": "t1"}
    sent = sync_server.last
    assert sent.raw_path == "/v1/models?tenant=t1"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["OpenAI-Organization"] == "org-1"
    assert sent.headers["OpenAI-Project"] == "proj-1"
    assert sent.headers["X-App"] == "demo"
    assert sent.headers["User-Agent"].startswith("openai_async/")


def test_missing_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    baseline = threading.active_count()
    with pytest.raises(OpenAIError, match="OPENAI_API_KEY"):
        OpenAI()
    assert threading.active_count() == baseline


def test_key_from_the_environment(sync_server: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", sync_server.url)
    sync_server.json({})
    with OpenAI() as client:
        client.get("/models")
    assert sync_server.last.headers["Authorization"] == "Bearer sk-from-env"


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_low_level_verbs_send_method_path_and_body(
    sync_server: TestServer, client: OpenAI, verb: str
) -> None:
    sync_server.json({"verb": verb})
    send = getattr(client, verb)
    if verb == "get":
        result = send("/things/1", cast_to=object, query={"expand": ["a", "b"]})
    else:
        result = send("/things/1", cast_to=object, body={"name": "x", "n": None})
    assert result == {"verb": verb}
    sent = sync_server.last
    assert sent.method == verb.upper()
    assert sent.path == "/things/1"
    if verb == "get":
        assert sent.query.getall("expand[]") == ["a", "b"]
        assert sent.body == b""
    else:
        assert sent.body == b'{"name":"x","n":null}'
        assert sent.headers["Content-Type"] == "application/json"


def test_extra_headers_query_and_body_per_call(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({})
    client.post(
        "/things",
        body={"a": 1},
        extra_headers={"X-Extra": "1"},
        extra_query={"q": "v"},
        extra_body={"b": 2},
    )
    sent = sync_server.last
    assert sent.headers["X-Extra"] == "1"
    assert sent.query["q"] == "v"
    assert sent.json() == {"a": 1, "b": 2}


def test_status_errors_raise_in_the_calling_thread(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json(
        {"error": {"message": "bad model", "type": "invalid_request_error", "param": "model"}},
        status=400,
        headers={"x-request-id": "req_bad"},
    )
    with pytest.raises(BadRequestError) as info:
        client.post("/chat/completions", body={"model": "nope"})
    assert info.value.status_code == 400
    assert info.value.request_id == "req_bad"
    assert info.value.param == "model"
    assert KEY not in str(info.value)


def test_retries_run_on_the_portal_with_the_injected_sleep(sync_server: TestServer) -> None:
    sleeps = Sleeps()
    sync_server.json({"error": {"message": "busy"}}, status=503)
    sync_server.json({"ok": True}, headers={"x-request-id": "req_ok"})
    with OpenAI(api_key=KEY, base_url=sync_server.url, _sleep=sleeps) as client:
        raw = client.get("/models", cast_to=APIResponse[object])
        assert isinstance(raw, APIResponse)
        assert raw.retries_taken == 1
        assert raw.parse() == {"ok": True}
    assert len(sleeps.delays) == 1
    assert [r.headers["OpenAI-Async-Retry-Count"] for r in sync_server.requests] == ["0", "1"]


def test_with_options_copies_without_touching_the_original(sync_server: TestServer) -> None:
    sync_server.json({"error": {"message": "nope"}}, status=401)
    with OpenAI(api_key=KEY, base_url=sync_server.url, max_retries=5) as client:
        copy = client.with_options(max_retries=0, api_key="sk-other")
        assert isinstance(copy, OpenAI)
        assert copy.max_retries == 0
        assert client.max_retries == 5
        with pytest.raises(AuthenticationError):
            copy.get("/models")
        assert client.copy is not None
    assert sync_server.last.headers["Authorization"] == "Bearer sk-other"
    assert len(sync_server.requests) == 1


def test_raw_response_wrapper(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json({"id": "m1"}, headers={"x-request-id": "req_raw", "x-custom": "yes"})
    raw = to_sync_raw_response_wrapper(client.get)("/models/m1", cast_to=object)
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 200
    assert raw.request_id == "req_raw"
    assert raw.headers["X-Custom"] == "yes"
    assert raw.retries_taken == 0
    assert raw.method == "GET"
    assert raw.url == f"{sync_server.url}/models/m1"
    assert raw.read() == b'{"id": "m1"}'
    assert raw.json() == {"id": "m1"}
    assert raw.text() == '{"id": "m1"}'
    assert raw.parse() == {"id": "m1"}
    assert acquired(client) == 0


def test_raw_response_of_a_stream_parses_to_a_blocking_stream(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(b'{"n": 1}', b'{"n": 2}')])
    raw = to_sync_raw_response_wrapper(client.post)(
        "/chat/completions", body={"stream": True}, stream=True, stream_type=object
    )
    assert raw.request_id == "req_stream"
    stream = raw.parse()
    assert isinstance(stream, Stream)
    assert list(stream) == [{"n": 1}, {"n": 2}]
    assert acquired(client) == 0


def test_streamed_response_reads_lazily_and_releases_on_exit(
    sync_server: TestServer, client: OpenAI
) -> None:
    body = b"".join(b"line %d\r\n" % i for i in range(200))
    sync_server.raw(body, headers={"content-type": "text/plain", "x-request-id": "req_lines"})
    wrapped = to_sync_streamed_response_wrapper(client.get)
    with wrapped("/files/f1/content", cast_to=BinaryResponseContent) as response:
        assert isinstance(response, StreamedResponse)
        assert response.status_code == 200
        assert response.request_id == "req_lines"
        assert list(response.iter_lines()) == [f"line {i}" for i in range(200)]
    assert acquired(client) == 0
    assert sync_server.last.path == "/files/f1/content"


def test_streamed_response_bytes_text_json_and_parse(
    sync_server: TestServer, client: OpenAI
) -> None:
    wrapped = to_sync_streamed_response_wrapper(client.get)
    sync_server.raw(b"x" * 10_000)
    with wrapped("/blob", cast_to=BinaryResponseContent) as response:
        assert b"".join(response.iter_bytes(4096)) == b"x" * 10_000
    sync_server.json({"a": [1, 2]})
    with wrapped("/doc", cast_to=object) as response:
        assert response.json() == {"a": [1, 2]}
        assert response.text() == '{"a": [1, 2]}'
        assert response.parse() == {"a": [1, 2]}
    sync_server.raw(b"\x00\x01binary")
    with wrapped("/bin", cast_to=BinaryResponseContent) as response:
        content = response.parse()
        assert isinstance(content, BinaryResponseContent)
        assert content.read() == b"\x00\x01binary"
    assert acquired(client) == 0


def test_streamed_response_left_unread_drops_its_connection(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([b"data: 1\n\n"] * 100, delay=0.01)
    wrapped = to_sync_streamed_response_wrapper(client.get)
    with wrapped("/slow", cast_to=object) as response:
        assert next(iter(response.iter_bytes())).startswith(b"data: 1")
    assert acquired(client) == 0


def test_streamed_response_as_a_cast_to(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.raw(b"abc")
    response = client.get("/raw", cast_to=StreamedResponse[bytes])
    assert isinstance(response, StreamedResponse)
    assert response.read() == b"abc"
    response.close()
    assert acquired(client) == 0


def test_azure_routes_and_authenticates(sync_server: TestServer) -> None:
    sync_server.json({"id": "chatcmpl-1"})
    with AzureOpenAI(
        api_key="azure-key", azure_endpoint=sync_server.url, api_version="2024-10-21"
    ) as client:
        assert client.api_version == "2024-10-21"
        assert client.azure_endpoint == sync_server.url
        assert client.azure_deployment is None
        result = client.post("/chat/completions", body={"model": "gpt-4o", "messages": []})
        assert result == {"id": "chatcmpl-1"}
    sent = sync_server.last
    assert sent.path == "/openai/deployments/gpt-4o/chat/completions"
    assert sent.query["api-version"] == "2024-10-21"
    assert sent.headers["api-key"] == "azure-key"
    assert "Authorization" not in sent.headers


def test_azure_token_provider_runs_before_each_attempt(sync_server: TestServer) -> None:
    tokens = iter(["t1", "t2"])
    sync_server.json({"error": {"message": "busy"}}, status=500)
    sync_server.json({})
    with AzureOpenAI(
        azure_ad_token_provider=lambda: next(tokens),
        azure_endpoint=sync_server.url,
        azure_deployment="dep",
        api_version="2024-10-21",
        _sleep=Sleeps(),
    ) as client:
        client.post("/embeddings", body={"model": "ignored", "input": "x"})
    assert [r.headers["Authorization"] for r in sync_server.requests] == [
        "Bearer t1",
        "Bearer t2",
    ]
    assert sync_server.last.path == "/openai/deployments/dep/embeddings"


def test_repr_hides_the_key(sync_server: TestServer) -> None:
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    assert repr(client).startswith("OpenAI(")
    assert KEY not in repr(client)


MODEL = {"id": "gpt-test", "object": "model", "created": 1, "owned_by": "openai"}


def test_resource_methods_return_typed_results(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-test",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "hi there", "refusal": None},
                }
            ],
        },
        headers={"x-request-id": "req_chat"},
    )
    completion = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], temperature=0
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == "hi there"
    assert completion._request_id == "req_chat"
    assert sync_server.last.json() == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0,
    }


def test_resource_with_raw_response(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json(MODEL, headers={"x-request-id": "req_model"})
    raw = client.models.with_raw_response.retrieve("gpt-test")
    assert isinstance(raw, APIResponse)
    assert raw.request_id == "req_model"
    model = raw.parse()
    assert isinstance(model, Model)
    assert model.owned_by == "openai"
    assert sync_server.last.path == "/models/gpt-test"


def test_resource_with_streaming_response(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.json(MODEL)
    with client.models.with_streaming_response.retrieve("gpt-test") as response:
        assert isinstance(response, StreamedResponse)
        assert response.status_code == 200
        model = response.parse()
        assert isinstance(model, Model)
        assert model.id == "gpt-test"
    assert acquired(client) == 0
