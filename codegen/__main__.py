"""``python -m codegen [--out DIR]``: regenerate types, resources and the API reference.

``DIR`` is the root the generated trees are written under (the repository by default):
``DIR/openai_async/types``, ``DIR/openai_async/resources``, ``DIR/openai_async/_sync/resources``
``DIR/docs/reference`` and the conformance tests in ``DIR/tests/conformance``. The output is formatted with ruff and is the same on every run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.spec import REPO_ROOT, load_spec

__all__ = ["generate", "main"]


def generate(out_dir: Path) -> None:
    """Write every generated file under ``out_dir``."""
    from codegen.conformance_gen import write as write_conformance
    from codegen.reference_gen import generate_reference
    from codegen.resources_gen import generate_resources
    from codegen.typemap import TypeMap
    from codegen.types_gen import generate_types

    spec = load_spec()
    typemap = TypeMap(spec)
    generate_types(spec, out_dir, typemap=typemap)
    generate_resources(spec, out_dir, typemap)
    generate_reference(spec, out_dir, typemap)
    write_conformance(out_dir / "tests" / "conformance")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT, help="root to write under")
    options = parser.parse_args(argv)
    generate(options.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
