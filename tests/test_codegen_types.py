"""The types generator: no drift from the committed tree, the naming table, and its rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen.render import HEADER
from codegen.spec import REPO_ROOT, load_spec
from codegen.type_names import TypeNames, official_types
from codegen.typemap import TypeMap
from codegen.types_gen import generate_types, render_files

TYPES_DIR = REPO_ROOT / "openai_async" / "types"


def tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*.py")}


def test_committed_types_match_a_fresh_generation(tmp_path: Path) -> None:
    generate_types(load_spec(), tmp_path)
    fresh = tree(tmp_path / "openai_async" / "types")
    committed = tree(TYPES_DIR)
    assert sorted(fresh) == sorted(committed), "files added/removed: run `python -m codegen`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], f"generated types drifted, run `python -m codegen`: {changed[:5]}"
    assert all(content.startswith(HEADER.encode() + b"\n") for content in fresh.values())


def test_official_names_are_importable_from_their_modules() -> None:
    import importlib

    missing: list[str] = []
    for module_name, names in official_types().items():
        module = importlib.import_module(module_name)
        missing.extend(f"{module_name}.{name}" for name in names if not hasattr(module, name))
    total = sum(len(names) for names in official_types().values())
    # The table maps most official names; the rest are listed by TypeNames.unmatched.
    assert len(TypeNames(load_spec()).unmatched) <= len(missing)
    assert total - len(missing) >= 630
    for module_name, name in [
        ("openai_async.types.chat", "ChatCompletion"),
        ("openai_async.types.chat", "ChatCompletionChunk"),
        ("openai_async.types.chat", "ChatCompletionMessageParam"),
        ("openai_async.types", "FileObject"),
        ("openai_async.types", "CreateEmbeddingResponse"),
        ("openai_async.types.responses", "Response"),
        ("openai_async.types.responses", "ResponseStreamEvent"),
    ]:
        assert f"{module_name}.{name}" not in missing


def test_importing_a_types_package_stays_cheap() -> None:
    code = (
        "import sys, openai_async.types.chat as chat\n"
        "before = {m for m in sys.modules if m.startswith('openai_async.types')}\n"
        "chat.ChatCompletion\n"
        "after = {m for m in sys.modules if m.startswith('openai_async.types')}\n"
        "print(len(before), len(after))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    before, after = map(int, out.stdout.split())
    assert before <= 2  # openai_async.types and openai_async.types.chat
    assert after < 20  # ChatCompletion and what it refers to, not the whole tree


SMALL_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    }
                },
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        }
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "class", "part"],
                "properties": {
                    "id": {"type": "string"},
                    "class": {"type": "string", "enum": ["a", "b"]},
                    "part": {"$ref": "#/components/schemas/Part"},
                    "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "parent": {"$ref": "#/components/schemas/Thing"},
                },
            },
            "Part": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Wheel"},
                    {"$ref": "#/components/schemas/Door"},
                ]
            },
            "Wheel": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string", "enum": ["wheel"]}},
            },
            "Door": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"type": "string", "enum": ["door", "hatch"]}},
                    },
                ]
            },
            "Base": {"type": "object", "properties": {"size": {"type": "number"}}},
        }
    },
}


@pytest.fixture(scope="module")
def small_files() -> dict[str, str]:
    files = render_files(TypeMap(SMALL_SPEC))
    return {module.rsplit(".", 1)[-1]: source for module, (source, _) in files.items()}


def test_struct_rules(small_files: dict[str, str]) -> None:
    thing = small_files["thing"]
    assert "class Thing(BaseModel, kw_only=True):" in thing
    assert "    id: str\n" in thing
    assert "    class_: str = field(name='class')" in thing  # keyword, enum-like -> str
    assert "    labels: dict[str, int] | None = None" in thing
    assert "    note: str | None = None" in thing
    assert "    parent: Thing | None = None" in thing  # recursive


def test_tagged_union_with_a_subclass_per_extra_tag(small_files: dict[str, str]) -> None:
    wheel, door, part = small_files["wheel"], small_files["door"], small_files["part"]
    assert "class Wheel(BaseModel, kw_only=True, tag_field='type', tag='wheel'):" in wheel
    assert "def type(self) -> Literal['wheel']:" in wheel
    assert "class Door(BaseModel, kw_only=True, tag_field='type', tag='door'):" in door
    assert "    size: float | None = None" in door  # allOf merged
    assert "class DoorHatch(Door, kw_only=True, tag='hatch'):" in door
    assert "Part: TypeAlias = Wheel | Door | DoorHatch" in part


def test_request_side_typed_dicts(small_files: dict[str, str]) -> None:
    param = small_files["thing_param"]
    # ``class`` is a keyword, so the TypedDict uses the functional form
    assert "ThingParam = TypedDict('ThingParam', {'id': Required[str]," in param
    assert "'class': Required[Literal['a', 'b']]" in param
    assert "'labels': dict[str, int]," in param
    assert "total=False)" in param
    assert "PartParam" in small_files["part_param"]


def test_typemap_answers_for_the_resource_generator() -> None:
    spec = load_spec()
    typemap = TypeMap(spec)
    operation = spec["paths"]["/chat/completions"]["post"]
    event = typemap.stream_event_type(operation)
    assert event is not None and event.annotation == "ChatCompletionChunk"
    assert ("openai_async.types.chat.chat_completion_chunk", "ChatCompletionChunk") in event.imports
    ref = {"$ref": "#/components/schemas/CreateChatCompletionResponse"}
    assert typemap.response_type(ref).annotation == "ChatCompletion"
    body = typemap.merged(spec["components"]["schemas"]["CreateChatCompletionRequest"])
    messages = typemap.param_type(body["properties"]["messages"])
    assert messages.annotation == "Iterable[ChatCompletionMessageParam]"
    assert ("collections.abc", "Iterable") in messages.imports
    assert typemap.stream_event_type(spec["paths"]["/models"]["get"]) is None


def test_an_all_of_that_only_annotates_one_schema_is_that_schema() -> None:
    from codegen.typemap import lone_all_of

    ref = {"$ref": "#/components/schemas/AssistantsApiToolChoiceOption"}
    assert lone_all_of({"allOf": [ref, {"nullable": True}]}) == ref
    assert lone_all_of({"allOf": [ref, {"$ref": "#/components/schemas/Other"}]}) is None
    assert lone_all_of({"allOf": [ref], "properties": {}}) is None
    import inspect

    from openai_async.resources.beta.threads.runs.runs import AsyncRuns

    annotation = str(inspect.signature(AsyncRuns.create).parameters["tool_choice"].annotation)
    assert "AssistantToolChoiceOptionParam" in annotation and "None" in annotation
