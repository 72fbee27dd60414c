"""Structured outputs: ask for JSON that fits a type, and get an instance of that type back.

``client.chat.completions.parse(response_format=SomeStruct)`` sends the type's strict JSON
schema and parses the reply into it (``choices[0].message.parsed``). A refusal comes back in
``message.refusal`` instead. msgspec Structs, dataclasses, TypedDicts and (with the
``pydantic`` extra) pydantic models are accepted.

Run it with ``python examples/structured_outputs.py``; it reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL``, and without a key it starts the built-in fake server, scripted to reply
with matching JSON.
"""

from __future__ import annotations

import asyncio
import os

import msgspec

from openai_async import AsyncOpenAI

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
TEXT = "Ada Lovelace booked a table for 4 on Friday at 19:30 at Luigi's."


class Booking(msgspec.Struct):
    guest: str
    party_size: int
    day: str
    time: str
    restaurant: str


async def main() -> None:
    async with AsyncOpenAI() as client:
        completion = await client.chat.completions.parse(
            model=MODEL,
            messages=[
                {"role": "system", "content": "Extract the booking from the user's text."},
                {"role": "user", "content": TEXT},
            ],
            response_format=Booking,
        )
        message = completion.choices[0].message
        if message.parsed is None:
            print("refused:", message.refusal)
            return
        booking = message.parsed
        print(f"{booking.guest}, {booking.party_size} people, {booking.day} {booking.time}")
        print("restaurant:", booking.restaurant)


if __name__ == "__main__":
    if os.environ.get("OPENAI_API_KEY"):
        asyncio.run(main())
    else:
        from openai_async.testing import FakeOpenAI

        with FakeOpenAI() as fake:
            fake.chat.reply(
                msgspec.json.encode(
                    Booking("Ada Lovelace", 4, "Friday", "19:30", "Luigi's")
                ).decode()
            )
            os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
            print("No OPENAI_API_KEY: using the built-in fake server, scripted to reply.")
            asyncio.run(main())
