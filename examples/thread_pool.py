"""Fan many blocking calls out over a ``ThreadPoolExecutor``, all through one client.

``OpenAI`` is safe to share between threads: each call is handed to the client's single
background event loop, which runs them concurrently over one connection pool. Building a
client per thread would open a pool (and a thread) per client instead.

Run it with ``python examples/thread_pool.py``; it reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL``, and without a key it starts the built-in fake server and uses that.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from openai_async import OpenAI

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
WORDS = ["apple", "river", "lantern", "granite", "meadow", "copper", "harbor", "thistle"]


def main() -> None:
    with OpenAI() as client:

        def define(word: str) -> str:
            completion = client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": f"Define {word} in five words."}],
            )
            return completion.choices[0].message.content or ""

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(define, WORDS))

    for word, answer in zip(WORDS, answers, strict=True):
        print(f"{word}: {answer}")
    print(f"{len(answers)} answers from one client")


if __name__ == "__main__":
    if os.environ.get("OPENAI_API_KEY"):
        main()
    else:
        from openai_async.testing import FakeOpenAI

        with FakeOpenAI() as fake:
            os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
            print("No OPENAI_API_KEY: using the built-in fake server.")
            main()
