"""A plain blocking script: no ``async`` anywhere, the way older code uses the API.

It asks one question, streams a second answer to the terminal, lists the available models,
and shows how an API error looks. Run it with ``python examples/blocking_script.py``; it reads
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``, and without a key it starts the built-in fake
server and uses that.
"""

from __future__ import annotations

import os

from openai_async import NotFoundError, OpenAI

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")


def main() -> None:
    with OpenAI(max_retries=3) as client:
        completion = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "What is a haiku?"}]
        )
        print("answer:", completion.choices[0].message.content)

        stream = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Write one about tea."}],
            stream=True,
        )
        print("streamed: ", end="")
        with stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    print(chunk.choices[0].delta.content, end="", flush=True)
        print()

        models = client.models.list()
        print("models:", ", ".join(model.id for model in models.data[:3]))

        try:
            client.models.retrieve("no-such-model")
        except NotFoundError as error:
            print("error:", error.status_code, error.message)


if __name__ == "__main__":
    if os.environ.get("OPENAI_API_KEY"):
        main()
    else:
        from openai_async.testing import FakeOpenAI

        with FakeOpenAI() as fake:
            os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
            print("No OPENAI_API_KEY: using the built-in fake server.")
            main()
