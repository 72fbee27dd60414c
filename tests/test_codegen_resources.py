"""The generated resources, blocking twins and reference pages match what the generator writes.

Regenerates into a temporary folder and compares file sets and contents with the committed
tree, so a hand edit or a stale regeneration fails here. Also checks the model the generator
builds: one method per naming-table row and the request shapes of a few kinds of operation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.method_names import METHODS
from codegen.reference_gen import generate_reference
from codegen.resources_gen import HEADER, generate_resources
from codegen.resources_model import Method, build_tree, iter_methods
from codegen.spec import REPO_ROOT, load_spec
from codegen.typemap import TypeMap

TREES = (
    Path("openai_async", "resources"),
    Path("openai_async", "_sync", "resources"),
    Path("docs", "reference"),
)


@pytest.fixture(scope="module")
def typemap() -> TypeMap:
    return TypeMap(load_spec())


@pytest.fixture(scope="module")
def methods(typemap: TypeMap) -> dict[str, Method]:
    return {m.dotted: m for m in iter_methods(build_tree(load_spec(), typemap))}


def _files(root: Path) -> dict[Path, str]:
    found: dict[Path, str] = {}
    for tree in TREES:
        base = root / tree
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".md"):
                found[path.relative_to(root)] = path.read_text()
    return found


def test_no_drift(tmp_path: Path, typemap: TypeMap) -> None:
    spec = load_spec()
    generate_resources(spec, tmp_path, typemap)
    generate_reference(spec, tmp_path, typemap)
    fresh = _files(tmp_path)
    committed = _files(REPO_ROOT)
    assert sorted(fresh) == sorted(committed)
    changed = [str(path) for path, text in fresh.items() if committed[path] != text]
    assert changed == [], "regenerate with `python -m codegen`"


def test_every_python_file_has_the_header() -> None:
    for path, text in _files(REPO_ROOT).items():
        if path.suffix == ".py":
            assert text.startswith(HEADER), path


def test_one_method_per_row(methods: dict[str, Method]) -> None:
    assert sorted(methods) == sorted(row.method for row in METHODS)


def test_request_shapes(methods: dict[str, Method]) -> None:
    create = methods["chat.completions.create"]
    assert create.stream is not None and create.stream.annotation == "ChatCompletionChunk"
    assert {p.location for p in create.params} == {"body"}
    upload = methods["files.create"]
    assert upload.multipart
    assert {p.name: p.location for p in upload.params}["file"] == "file"
    runs = methods["beta.threads.runs.create"]
    assert {p.name: p.key for p in runs.params if p.location == "query"} == {"include": "include[]"}
    assert runs.positional == "thread_id"
    beta = methods["beta.responses.retrieve"]
    assert beta.path == "/responses/{response_id}" and beta.fixed_query == (("beta", "true"),)
    assert {p.name: p.location for p in beta.params}["betas"] == "header"
    responses = methods["responses.create"]
    assert responses.stream is not None and responses.stream_location == "body"
    assert methods["files.list"].page == "CursorPage"
    assert methods["models.list"].page == "Page"
    assert methods["audio.speech.create"].result == "binary"
    assert methods["responses.delete"].result == "none"
    assert methods["files.retrieve_content"].deprecated
    assert methods["beta.assistants.create"].deprecated
    assert not methods["files.content"].deprecated


def test_reference_names_every_method() -> None:
    text = "".join(
        (REPO_ROOT / "docs" / "reference").joinpath(p).read_text() for p in ["chat.md", "beta.md"]
    )
    assert "### `client.chat.completions.create()`" in text
    assert "`POST /chat/completions`" in text
    assert "### `client.beta.threads.runs.submit_tool_outputs()`" in text
    pages = list((REPO_ROOT / "docs" / "reference").glob("*.md"))
    total = sum(page.read_text().count("\n### `client.") for page in pages)
    assert total == len(METHODS)
