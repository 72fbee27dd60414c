"""The documentation site builds cleanly, and its code samples are true of the code.

- ``mkdocs build --strict`` succeeds with no warning (into a temporary directory).
- Every page under ``docs/`` is in the nav.
- Every ``python`` block of the user-facing pages parses (top-level ``await`` allowed), and
  every name it imports from ``openai_async`` exists.
- Blocks marked ``<!-- run -->`` run as scripts against a fresh fake server
  (``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` point at it); a ``text`` block marked
  ``<!-- output -->`` right after one is what the script must print.
- Blocks marked ``<!-- pytest -->`` are test modules: pytest runs them and they must pass.
- Every helper page has at least one ``run`` block followed by its ``output`` block.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from openai_async.testing import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Generated pages and the internals notes (their code sketches are not checked here).
NOT_CHECKED = ("reference/", "internals/")
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_MARK = re.compile(r"<!--\s*(run|output|pytest)\s*-->\s*$")


@dataclass
class Block:
    page: str
    line: int
    lang: str
    code: str
    mark: str | None

    @property
    def label(self) -> str:
        return f"{self.page}:{self.line}"


def _hand_written_pages() -> list[Path]:
    pages = sorted(DOCS.rglob("*.md"))
    return [p for p in pages if not p.relative_to(DOCS).as_posix().startswith(NOT_CHECKED)]


def _blocks(page: Path) -> Iterator[Block]:
    text = page.read_text(encoding="utf-8")
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        yield Block(
            page=page.relative_to(DOCS).as_posix(),
            line=text.count("\n", 0, match.start()) + 1,
            lang=match.group(1),
            code=match.group(2),
            mark=mark.group(1) if mark else None,
        )


ALL_BLOCKS = [block for page in _hand_written_pages() for block in _blocks(page)]
PYTHON_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "python"]


def _runs() -> list[tuple[Block, str | None]]:
    """``run`` blocks with the expected output of the ``output`` block after each, if any."""
    pairs: list[tuple[Block, str | None]] = []
    for index, block in enumerate(ALL_BLOCKS):
        if block.mark != "run":
            continue
        expected = None
        following = ALL_BLOCKS[index + 1] if index + 1 < len(ALL_BLOCKS) else None
        if following is not None and following.page == block.page and following.mark == "output":
            expected = following.code
        pairs.append((block, expected))
    return pairs


RUNS = _runs()
PYTESTS = [b for b in ALL_BLOCKS if b.mark == "pytest"]


def _nav_pages(node: object) -> Iterator[str]:
    if isinstance(node, str):
        if node.endswith(".md"):
            yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)


def _config() -> dict[str, object]:
    # mkdocs.yml may hold tags like !!python/name; none are used, so safe_load reads it.
    data: dict[str, object] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return data


def _script_env(fake: FakeOpenAI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    env["OPENAI_BASE_URL"] = fake.url
    env["OPENAI_API_KEY"] = "sk-docs-test"
    env["PYTHONPATH"] = str(ROOT)
    return env


# -- the site ------------------------------------------------------------------------------------


def test_site_builds_strict_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra (mkdocs, mkdocs-material) is needed")
    pytest.importorskip("material", reason="the docs extra (mkdocs, mkdocs-material) is needed")
    site = tmp_path / "site"
    # Material prints a banner about its future; it is not a warning about this site.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = [line for line in output.splitlines() if line.lstrip().startswith("WARNING")]
    assert not warnings, output
    for page in ("index.html", "quickstart/index.html", "guides/streaming/index.html"):
        assert (site / page).is_file(), page
    assert (site / "reference" / "chat" / "index.html").is_file()
    built = (site / "quickstart" / "index.html").read_text(encoding="utf-8")
    assert "AsyncOpenAI" in built


def test_every_page_is_in_the_nav() -> None:
    listed = set(_nav_pages(_config()["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    missing = sorted(pages - listed)
    assert not missing, f"add these pages to the nav in mkdocs.yml: {missing}"
    assert not listed - pages, f"the nav lists pages that do not exist: {listed - pages}"


# -- the code samples ------------------------------------------------------------------------------


def test_the_guides_have_runnable_samples() -> None:
    run_pages = {block.page for block, _ in RUNS}
    for page in (
        "quickstart.md",
        "guides/async.md",
        "guides/blocking.md",
        "guides/streaming.md",
        "guides/testing.md",
    ):
        assert page in run_pages or page in {b.page for b in PYTESTS}, page
    assert all(b.lang == "text" for b in ALL_BLOCKS if b.mark == "output")


def test_every_helper_page_has_a_checked_example() -> None:
    checked = {block.page for block, expected in RUNS if expected is not None}
    helpers = sorted(p.relative_to(DOCS).as_posix() for p in (DOCS / "helpers").glob("*.md"))
    assert helpers
    unchecked = [page for page in helpers if page not in checked]
    assert not unchecked, f"give these pages a run block with its output block: {unchecked}"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.label)
def test_python_block_parses_and_imports_exist(block: Block) -> None:
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST
    tree = compile(block.code, block.label, "exec", flags=flags, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openai_async"):
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("openai_async"):
                    importlib.import_module(alias.name)


@pytest.mark.parametrize(("block", "expected"), RUNS, ids=[b.label for b, _ in RUNS])
def test_runnable_block(block: Block, expected: str | None, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(block.code, encoding="utf-8")
    with FakeOpenAI() as fake:
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=_script_env(fake),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    if expected is not None:
        assert result.stdout == expected, result.stdout
    else:
        assert fake.requests or result.stdout, "the sample neither printed nor called the API"


@pytest.mark.parametrize("block", PYTESTS, ids=lambda b: b.label)
def test_pytest_block_passes(block: Block, tmp_path: Path) -> None:
    module = tmp_path / "test_sample.py"
    module.write_text(block.code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_mode=auto",
            "--rootdir",
            str(tmp_path),
            str(module),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
