"""Runs pyright on one file of this folder, as the typing tests do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def assert_pyright_passes(path: str) -> None:
    """Fail with pyright's report unless it finds no error in ``path``."""
    here = Path(path)
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", str(here)],
        capture_output=True,
        text=True,
        cwd=here.parents[2],
    )
    assert result.returncode == 0, result.stdout[-4000:]
