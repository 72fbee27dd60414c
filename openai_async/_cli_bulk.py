"""``python -m openai_async bulk IN.jsonl -o OUT.jsonl``: the bulk runner from the shell."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from ._client import AsyncOpenAI
    from .lib.bulk import BulkProgress

__all__ = ["EXIT_CODES", "HELP", "configure", "make_client", "run", "run_until_interrupted"]

_T = TypeVar("_T")

HELP: Final = "run a JSONL file of API requests, results to a JSONL file (resumable)"

OK: Final = 0
FAILED: Final = 1
USAGE: Final = 2
SOME_FAILED: Final = 3
INTERRUPTED: Final = 130

EXIT_CODES: Final = f"""exit status:
  {OK}    every request succeeded
  {SOME_FAILED}    the job finished, some requests failed (their lines say why)
  {USAGE}    bad arguments or a malformed input line (nothing was sent)
  {FAILED}    the job could not run (configuration, API or file error)
  {INTERRUPTED}  interrupted (Ctrl-C); run the same command again to resume
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "Each input line: {custom_id, method, url, body} as for the Batch API. Each output line:\n"
        "{id, custom_id, response: {status_code, request_id, body}, error}. Running again with\n"
        "the same output file skips the requests already in it.\n"
        "The key and server come from OPENAI_API_KEY and OPENAI_BASE_URL.\n\n" + EXIT_CODES
    )
    parser.add_argument("input", metavar="IN.jsonl", help="requests, one JSON object per line")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="results file")
    parser.add_argument(
        "--concurrency", type=_positive_int, default=16, metavar="N", help="requests in flight"
    )
    parser.add_argument("--rpm", type=_positive_float, metavar="R", help="requests per minute")
    parser.add_argument("--tpm", type=_positive_float, metavar="T", help="tokens per minute")
    parser.add_argument(
        "--max-retries", type=int, default=None, metavar="K", help="retries per request"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal and tqdm is installed)",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def make_client(
    args: argparse.Namespace, *, concurrency: int | None = None, **options: Any
) -> AsyncOpenAI:
    """The client of a CLI run: env configuration, ``--rpm``/``--tpm`` as a ``RateLimit``."""
    from ._client import AsyncOpenAI
    from .lib.limiter import RateLimit

    rpm: float | None = getattr(args, "rpm", None)
    tpm: float | None = getattr(args, "tpm", None)
    if rpm is not None or tpm is not None:
        options["rate_limit"] = RateLimit(
            requests_per_minute=rpm, tokens_per_minute=tpm, max_in_flight=concurrency
        )
    retries: int | None = getattr(args, "max_retries", None)
    if retries is not None:
        options["max_retries"] = retries
    if concurrency is not None:
        options["connection_limit"] = max(concurrency, 1)
    return AsyncOpenAI(**options)


def run_until_interrupted(main: Callable[[], Awaitable[_T]]) -> tuple[bool, _T | None]:
    """Run ``main()`` on a new event loop; Ctrl-C (SIGINT) or SIGTERM cancels it cleanly.

    Returns (interrupted, result).
    """

    async def guarded() -> tuple[bool, _T | None]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        stoppers = (signal.SIGINT, signal.SIGTERM)
        for signum in stoppers:
            loop.add_signal_handler(signum, task.cancel)
        try:
            return False, await main()
        except asyncio.CancelledError:
            return True, None
        finally:
            for signum in stoppers:
                loop.remove_signal_handler(signum)

    return asyncio.run(guarded())


def _show_bar(choice: bool | None) -> bool:
    if choice is not None:
        return choice
    if not sys.stderr.isatty():
        return False
    try:
        import tqdm  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def summary(progress: BulkProgress | None, output: str) -> str:
    if progress is None:
        return "no results written"
    return (
        f"{progress.succeeded} succeeded, {progress.failed} failed, "
        f"{progress.skipped} already in {output}; {progress.elapsed:.1f} s, "
        f"{progress.requests_per_second:.0f} req/s, {progress.tokens_per_second:.0f} tokens/s"
    )


def run(args: argparse.Namespace) -> int:
    from ._exceptions import OpenAIError
    from .lib.bulk import BulkInputError, ProgressBar, bulk, check_requests_file

    try:
        total = check_requests_file(args.input)
    except BulkInputError as exc:
        error(f"malformed input line: {exc}")
        return USAGE
    except OSError as exc:
        error(f"cannot read {args.input}: {exc.strerror or exc}")
        return USAGE
    try:
        client = make_client(args, concurrency=args.concurrency)
    except OpenAIError as exc:
        error(str(exc))
        return FAILED
    bar = ProgressBar(total, 0) if _show_bar(args.progress) else None
    last: list[BulkProgress] = []

    def on_progress(progress: BulkProgress) -> None:
        if not last:
            last.append(progress)
        if bar is not None:
            bar(progress)

    async def main() -> BulkProgress:
        async with client:
            return await bulk(
                client, args.input, args.output, concurrency=args.concurrency, progress=on_progress
            )

    try:
        interrupted, final = run_until_interrupted(main)
    except (OpenAIError, BulkInputError, OSError) as exc:
        error(str(exc))
        return FAILED
    finally:
        if bar is not None:
            bar.close()
    if interrupted:
        print(
            f"bulk: interrupted; {summary(last[0] if last else None, args.output)}\n"
            "bulk: every line written is complete; run the same command again to resume",
            file=sys.stderr,
        )
        return INTERRUPTED
    assert final is not None
    print(f"bulk: {summary(final, args.output)}", file=sys.stderr)
    return SOME_FAILED if final.failed else OK
