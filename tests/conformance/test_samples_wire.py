"""The sample arguments of every operation, sent with a plain aiohttp session, pass the mock.

This checks codegen/samples.py on its own, independent of the client: the request is encoded
here the way the client encodes it (JSON bodies, `key[]=a` query arrays, `key[sub]=v` objects,
multipart with the same bracket names), and the mock must report no diagnostic at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from codegen.samples import CallArgs, OperationSamples, all_samples, load_spec

pytestmark = pytest.mark.mock

SAMPLES = all_samples(load_spec())


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def bracket_pairs(key: str, value: object) -> list[tuple[str, str]]:
    """`key[]=a` for arrays and `key[sub]=v` for objects, recursively."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for sub, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            pairs += bracket_pairs(f"{key}[{sub}]", item)
        return pairs
    if isinstance(value, list):
        pairs = []
        for item in value:  # pyright: ignore[reportUnknownVariableType]
            pairs += bracket_pairs(f"{key}[]", item)
        return pairs
    return [(key, scalar(value))]


def all_pairs(values: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        pairs += bracket_pairs(key, value)
    return pairs


def form(args: CallArgs) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    assert isinstance(args.body, dict)
    for key, value in all_pairs(args.body):
        data.add_field(key, value)
    for key, value in args.files.items():
        files = value if isinstance(value, list) else [value]
        name = f"{key}[]" if isinstance(value, list) else key
        for filename, content, mime in files:
            data.add_field(name, content, filename=filename, content_type=mime)
    return data


def request_kwargs(op: OperationSamples, args: CallArgs) -> dict[str, Any]:
    headers = {"Authorization": "Bearer sk-mock"}
    headers.update({k: ",".join(map(scalar, v)) if isinstance(v, list) else scalar(v) for k, v in args.headers.items()})  # fmt: skip
    kwargs: dict[str, Any] = {"headers": headers, "params": all_pairs(args.query)}
    if op.content_type == "multipart/form-data":
        kwargs["data"] = form(args)
    elif op.content_type == "application/json":
        kwargs["data"] = json.dumps(args.body).encode()
        headers["Content-Type"] = "application/json"
    elif op.content_type is not None:
        kwargs["data"] = str(args.body).encode()
        headers["Content-Type"] = op.content_type
    return kwargs


def url_path(op: OperationSamples, args: CallArgs) -> str:
    path, _, fixed_query = op.path.partition("?")
    for name, value in args.path.items():
        path = path.replace("{" + name + "}", str(value))
    return f"{path}?{fixed_query}" if fixed_query else path


@pytest.fixture
async def session(mock_url: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(mock_url) as client:
        yield client


@pytest.mark.parametrize("mode", ["required", "full"])
@pytest.mark.parametrize("op", SAMPLES, ids=[f"{s.method} {s.path}" for s in SAMPLES])
async def test_sample_is_valid(
    session: aiohttp.ClientSession, op: OperationSamples, mode: str
) -> None:
    args = op.required if mode == "required" else op.full
    async with session.request(op.method, url_path(op, args), **request_kwargs(op, args)) as resp:
        body = await resp.read()
        diagnostics = [
            f"{resp.headers.get(f'x-steady-error-{i}-path')}: {resp.headers.get(f'x-steady-error-{i}-message')}"
            for i in range(1, int(resp.headers.get("x-steady-error-count", "0")) + 1)
        ]
        assert resp.status < 400, body[:2000]
        assert diagnostics == []
        assert resp.headers["x-steady-matched-path"] == op.path


def test_every_operation_has_samples() -> None:
    spec = load_spec()
    count = sum(
        1
        for item in spec["paths"].values()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    )
    assert len(SAMPLES) == count == 288
