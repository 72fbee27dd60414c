"""Command line: ``python -m openai_async <command>`` (also installed as ``openai-async``).

Each command lives in its own module, listed in ``COMMANDS``; a command module provides
``HELP`` (one line), ``configure(parser)`` (its arguments) and ``run(args) -> int`` (the exit
code). Only the module of the command being run is imported.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, one-line help)
    "demo": (
        "openai_async.testing._demo",
        "tour the client (uses a built-in fake server without a key)",
    ),
    "bulk": ("openai_async._cli_bulk", "run a JSONL file of API requests, results to JSONL"),
    "batch": ("openai_async._cli_batch", "run a JSONL file of API requests via the Batch API"),
}


def _load(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name][0])


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openai_async")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            _load(name).configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if a in COMMANDS), None)
    args = _parser(chosen).parse_args(args_list)
    code: int = _load(args.command).run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
