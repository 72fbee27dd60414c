"""codegen/samples.py: sample values honour the schema rules they are built from.

The spec mock checks the samples of all operations (tests/conformance/test_samples_wire.py);
these tests pin each rule on small schemas, with no server.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from codegen.samples import (
    SAMPLE_FILE,
    OperationSamples,
    SampleError,
    Sampler,
    all_samples,
    load_spec,
)


def sampler(**schemas: Any) -> Sampler:
    return Sampler({"components": {"schemas": schemas}})


def test_required_mode_sets_only_required_properties() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
    }
    assert sampler().value(schema, "required") == {"a": "sample"}
    assert sampler().value(schema, "full") == {"a": "sample", "b": 1}


def test_scalars_respect_enums_bounds_lengths_and_formats() -> None:
    s = sampler()
    assert s.value({"type": "string", "enum": ["x", "y"]}, "full") == "x"
    assert s.value({"type": "string", "enum": [None, "y"]}, "full") == "y"
    assert s.value({"type": "integer", "minimum": 16}, "full") == 16
    assert s.value({"type": "integer", "maximum": 0}, "full") == 0
    assert s.value({"type": "integer", "exclusiveMinimum": 4}, "full") == 5
    assert s.value({"type": "number", "minimum": -2, "maximum": 2}, "full") == 1
    assert s.value({"type": "integer", "format": "unixtime"}, "full") == 1_700_000_000
    assert s.value({"type": "string", "minLength": 10}, "full") == "samplexxxx"
    assert s.value({"type": "string", "maxLength": 3}, "full") == "sam"
    assert s.value({"type": "string", "format": "uri"}, "full").startswith("https://")
    assert s.value({"type": "string", "format": "binary"}, "full") == SAMPLE_FILE
    assert s.value({"type": "boolean"}, "full") is True
    assert s.value({"type": ["null", "integer"]}, "full") == 1
    assert s.value({"const": "fixed", "type": "string"}, "full") == "fixed"


def test_patterns_use_a_checked_value_or_fail_loudly() -> None:
    s = sampler()
    tunnel = s.value({"type": "string", "pattern": "^tunnel_[a-z0-9]{32}$"}, "full")
    assert re.fullmatch("tunnel_[a-z0-9]{32}", tunnel)
    assert s.value({"type": "string", "pattern": "^[a-z]+$"}, "full") == "sample"
    with pytest.raises(SampleError, match="PATTERN_VALUES"):
        s.value({"type": "string", "pattern": "^[0-9]+$"}, "full")


def test_arrays_honour_min_and_max_items() -> None:
    s = sampler()
    assert s.value({"type": "array", "items": {"type": "integer"}}, "full") == [1]
    assert s.value({"type": "array", "minItems": 3, "items": {"type": "integer"}}, "full") == [
        1,
        1,
        1,
    ]
    assert s.value({"type": "array", "maxItems": 0, "items": {"type": "integer"}}, "full") == []


def test_unions_pick_the_first_non_null_variant_and_refs_resolve() -> None:
    s = sampler(Obj={"type": "object", "required": ["k"], "properties": {"k": {"type": "string"}}})
    assert s.value({"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Obj"}]}, "full") == {
        "k": "sample"
    }
    assert s.value({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "full") == 1
    assert s.value({"anyOf": [{"type": "null"}]}, "full") is None


def test_all_of_merges_properties_and_required_lists() -> None:
    s = sampler(Base={"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}})
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {
                "type": "object",
                "required": ["b"],
                "properties": {"b": {"type": "integer"}, "c": {}},
            },
        ]
    }
    assert s.value(schema, "required") == {"a": "sample", "b": 1}
    assert s.value(schema, "full") == {"a": "sample", "b": 1, "c": "sample"}


def test_required_alternatives_and_exclusions_are_honoured() -> None:
    schema = {
        "type": "object",
        "properties": {"url": {"type": "string"}, "file_id": {"type": "string"}},
        "anyOf": [{"required": ["url"]}, {"required": ["file_id"]}],
        "not": {"required": ["url", "file_id"]},
    }
    assert sampler().value(schema, "required") == {"url": "sample"}
    assert sampler().value(schema, "full") == {"url": "sample"}


def test_recursive_schemas_stop_at_a_non_recursive_branch() -> None:
    s = sampler(
        Filter={
            "type": "object",
            "required": ["filters"],
            "properties": {
                "filters": {
                    "type": "array",
                    "items": {"anyOf": [{"$recursiveRef": "#"}, {"type": "string"}]},
                },
                "child": {"$ref": "#/components/schemas/Filter"},
            },
        }
    )
    assert s.value({"$ref": "#/components/schemas/Filter"}, "full") == {"filters": ["sample"]}


def test_maps_get_one_entry_of_the_value_type() -> None:
    s = sampler()
    assert s.value({"type": "object", "additionalProperties": {"type": "integer"}}, "required") == {
        "key": 1
    }
    assert s.value({"type": "object"}, "required") == {}
    assert s.value({"type": "object"}, "full") == {"key": "sample"}


OPERATION = {
    "parameters": [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
        {"name": "stream", "in": "query", "schema": {"type": "boolean"}},
    ],
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "meta": {
                            "type": "object",
                            "properties": {"a": {"type": "integer"}},
                        },
                    },
                }
            },
        }
    },
    "responses": {"200": {"content": {"text/event-stream": {}}}},
}


def test_operation_splits_arguments_by_place_and_prefers_multipart() -> None:
    op = sampler().operation("POST", "/things/{thing_id}", OPERATION)
    assert op.content_type == "multipart/form-data"
    assert op.streams is True
    assert op.required.path == {"thing_id": "sample"}
    assert op.required.query == {}
    assert op.required.body == {}
    assert op.required.files == {"file": SAMPLE_FILE}
    assert op.full.query == {"limit": 1, "stream": False}
    assert op.full.body == {"meta": {}}  # nested form objects carry required fields only
    assert op.full.files == {"file": SAMPLE_FILE, "files": [SAMPLE_FILE]}


@pytest.fixture(scope="module")
def spec_samples() -> list[OperationSamples]:
    return all_samples(load_spec())


def test_every_spec_operation_gets_two_deterministic_sets(
    spec_samples: list[OperationSamples],
) -> None:
    assert len(spec_samples) == 288
    assert len({(s.method, s.path) for s in spec_samples}) == 288
    assert all_samples(load_spec()) == spec_samples


def test_full_sets_never_ask_for_a_stream(spec_samples: list[OperationSamples]) -> None:
    streaming = [s for s in spec_samples if s.streams]
    assert {s.path for s in streaming} >= {"/chat/completions", "/responses"}
    for s in spec_samples:
        for values in (s.full.query, s.full.body):
            if isinstance(values, dict) and "stream" in values:
                assert values["stream"] is False
