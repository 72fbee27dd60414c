"""Answer a list of prompts with the bulk runner: many requests in flight, one results file.

The results file uses the Batch API's output format, one JSON line per request, written as each
answer arrives. Running the script again with the same results file skips the requests already
answered, so an interrupted job picks up where it stopped.

Run it with ``python examples/bulk_job.py [RESULTS.jsonl]``; it reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL``, and without a key it starts the built-in fake server and uses that.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import openai_async
from openai_async import AsyncOpenAI, RateLimit

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
CITIES = ["Lisbon", "Oslo", "Quito", "Hanoi", "Accra", "Perth", "Tallinn", "Lima"]


def requests() -> list[dict[str, object]]:
    """One Batch-API request line per city."""
    return [
        {
            "custom_id": f"city-{index}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": MODEL,
                "messages": [{"role": "user", "content": f"One fact about {city}."}],
            },
        }
        for index, city in enumerate(CITIES)
    ]


async def run(results: Path) -> None:
    limit = RateLimit(requests_per_minute=600, max_in_flight=4)
    async with AsyncOpenAI(rate_limit=limit) as client:
        summary = await openai_async.bulk(client, requests(), results, concurrency=4)
    print(f"{summary.succeeded} answered, {summary.failed} failed, {summary.skipped} skipped")


def main(results: Path) -> None:
    asyncio.run(run(results))
    for line in results.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        answer = record["response"]["body"]["choices"][0]["message"]["content"]
        print(f"{record['custom_id']}: {answer}")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bulk-results.jsonl")
    if os.environ.get("OPENAI_API_KEY"):
        main(target)
    else:
        from openai_async.testing import FakeOpenAI

        with FakeOpenAI() as fake:
            os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
            print("No OPENAI_API_KEY: using the built-in fake server.")
            main(target)
