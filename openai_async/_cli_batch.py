"""``python -m openai_async batch IN.jsonl -o OUT.jsonl`` (and ``batch status`` / ``batch cancel``):
the Batch API engine from the shell. A job is named by its output file; its state file sits
beside it (``OUT.jsonl.batch.json``) unless ``--state`` says otherwise."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Final

from ._cli_bulk import (
    EXIT_CODES,
    FAILED,
    INTERRUPTED,
    OK,
    SOME_FAILED,
    USAGE,
    error,
    make_client,
    run_until_interrupted,
    summary,
)

if TYPE_CHECKING:
    from .lib.batch_engine import BatchJob, BatchJobStatus
    from .lib.bulk import BulkProgress

__all__ = ["HELP", "configure", "run"]

HELP: Final = "run a JSONL file of API requests through the Batch API (status, cancel)"
_ACTIONS: Final = ("status", "cancel")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.usage = (
        "%(prog)s IN.jsonl -o OUT.jsonl [options]\n"
        "       %(prog)s status -o OUT.jsonl\n"
        "       %(prog)s cancel -o OUT.jsonl"
    )
    parser.epilog = (
        "IN.jsonl and OUT.jsonl use the same line formats as the bulk command. Running the\n"
        "same command again resumes the job (polling the batches already created).\n"
        "'status' prints the job's batches; 'cancel' cancels those still running.\n\n" + EXIT_CODES
    )
    parser.add_argument("target", metavar="IN.jsonl | status | cancel")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="results file")
    parser.add_argument(
        "--state", metavar="FILE", help="job state file (default OUT.jsonl.batch.json)"
    )
    parser.add_argument(
        "--resubmit", type=int, default=0, metavar="N", help="send failed requests again, N times"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=5.0, metavar="S", help="first wait between polls"
    )
    parser.add_argument(
        "--max-poll-interval", type=float, default=60.0, metavar="S", help="longest wait"
    )


def _job(args: argparse.Namespace, progress: bool) -> BatchJob:
    from .lib.batch_engine import BatchJob

    return BatchJob(
        make_client(args),
        args.output,
        state=args.state,
        resubmit=args.resubmit,
        poll_interval=args.poll_interval,
        max_poll_interval=args.max_poll_interval,
        progress=_report if progress else None,
    )


def _report(status: BatchJobStatus) -> None:
    print(
        f"batch: {status.finished}/{status.batches} batches finished, "
        f"{status.completed} requests completed, {status.failed} failed",
        file=sys.stderr,
    )


def run(args: argparse.Namespace) -> int:
    from ._exceptions import OpenAIError

    try:
        if args.target in _ACTIONS:
            return _manage(args)
        return _run_job(args)
    except OpenAIError as exc:
        error(str(exc))
        return FAILED
    except (OSError, ValueError) as exc:
        error(str(exc))
        return FAILED


def _manage(args: argparse.Namespace) -> int:
    job = _job(args, progress=False)
    if not job.started:
        error(f"no batch job for {args.output} (no state file {job.state_path})")
        return USAGE

    async def main() -> int:
        async with job.client:
            if args.target == "cancel":
                for batch in await job.cancel():
                    print(f"{batch.id}\t{batch.status}")
                return OK
            for batch in await job.status():
                counts = batch.request_counts
                done = f"{counts.completed}/{counts.total}" if counts else "-"
                failed = counts.failed if counts else "-"
                print(f"{batch.id}\t{batch.status}\t{batch.endpoint}\tdone {done}\tfailed {failed}")
            return OK

    interrupted, code = run_until_interrupted(main)
    return INTERRUPTED if interrupted or code is None else code


def _run_job(args: argparse.Namespace) -> int:
    from .lib.bulk import BulkInputError, check_requests_file

    job = _job(args, progress=True)
    if job.started:
        print(f"batch: resuming the job in {job.state_path}", file=sys.stderr)
    else:
        try:
            check_requests_file(args.target)
        except BulkInputError as exc:
            error(f"malformed input line: {exc}")
            return USAGE
        except OSError as exc:
            error(f"cannot read {args.target}: {exc.strerror or exc}")
            return USAGE

    async def main() -> BulkProgress:
        async with job.client:
            return await job.run(None if job.started else args.target)

    interrupted, final = run_until_interrupted(main)
    if interrupted or final is None:
        print(
            f"batch: interrupted; the batches keep running. Run the same command again to "
            f"resume, or 'batch cancel -o {args.output}'",
            file=sys.stderr,
        )
        return INTERRUPTED
    print(f"batch: {summary(final, args.output)}", file=sys.stderr)
    return SOME_FAILED if final.failed else OK
