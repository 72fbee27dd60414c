"""The generated conformance tests match what the generator writes (no drift)."""

from __future__ import annotations

from pathlib import Path

from codegen.conformance_gen import HEADER, OUT_DIR, write


def _generated(folder: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in folder.glob("test_*.py")
        if path.read_text(encoding="utf-8").startswith(HEADER)
    }


def test_no_drift(tmp_path: Path) -> None:
    write(tmp_path)
    fresh = _generated(tmp_path)
    committed = _generated(OUT_DIR)
    assert sorted(fresh) == sorted(committed), "regenerate with `python -m codegen`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], "regenerate with `python -m codegen`"
