"""Markdown for ``benchmarks/RESULTS.md`` from the runner's results."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.run import Results

COLUMNS = ["openai_async", "openai", "openai-aiohttp", "floor"]
OURS = "openai_async"

LABELS = {
    "chat_c1": ("async chat, c=1", "call"),
    "chat_c16": ("async chat, c=16", "call"),
    "chat_c128": ("async chat, c=128", "call"),
    "chat_c1_after_burst": ("async chat, c=1 after the c=128 burst", "call"),
    "stream_async": ("stream, `async for`", "chunk"),
    "stream_paced": ("20 paced streams at once, `async for`", "chunk"),
    "stream_blocking": ("stream, blocking `for`", "chunk"),
    "embed_float": ("embeddings, `encoding_format='float'`", "call"),
    "embed_default": ("embeddings, default format", "call"),
    "chat_blocking": ("blocking chat, sequential", "call"),
    "chat_blocking_threads": ("blocking chat, 16 threads on one client", "call"),
    "logprobs": ("chat with 32K-token logprobs (decode)", "call"),
}

RATIOS = [
    ("openai_async / openai", OURS, "openai"),
    ("openai_async / floor", OURS, "floor"),
    ("openai-aiohttp / openai", "openai-aiohttp", "openai"),
    ("openai / floor", "openai", "floor"),
]


def fmt_us(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    us = seconds * 1e6
    if us < 1_000:
        return f"{us:.1f} µs" if us < 100 else f"{us:.0f} µs"
    if us < 1_000_000:
        return f"{us / 1000:.1f} ms"
    return f"{us / 1e6:.2f} s"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def per_unit(answer: dict[str, Any], key: str = "cpu") -> float | None:
    if not answer.get("ok") or key not in answer or not answer.get("units"):
        return None
    return float(answer[key]) / int(answer["units"])


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def cell_median(res: Results, cell: str, column: str, key: str = "cpu") -> float | None:
    answers = res.cells.get(cell, {}).get(column, [])
    return median_or_none([v for a in answers if (v := per_unit(a, key)) is not None])


def ratio_median(res: Results, cell_a: str, col_a: str, cell_b: str, col_b: str) -> float | None:
    """Median over rounds of (a / b), pairing the two measurements of the same round."""
    a = res.cells.get(cell_a, {}).get(col_a, [])
    b = res.cells.get(cell_b, {}).get(col_b, [])
    ratios: list[float] = []
    for x, y in zip(a, b, strict=False):
        ux, uy = per_unit(x), per_unit(y)
        if ux is not None and uy:
            ratios.append(ux / uy)
    return median_or_none(ratios)


def server_busy(res: Results, cell: str) -> str:
    """The server's CPU as a share of the cell's wall time (worst column, median over rounds)."""
    worst: float | None = None
    for answers in res.cells.get(cell, {}).values():
        shares = [a["server_cpu"] / a["wall"] for a in answers if a.get("ok") and a.get("wall")]
        if shares:
            share = statistics.median(shares)
            worst = share if worst is None else max(worst, share)
    return "-" if worst is None else f"{worst:.0%}"


def cell_text(res: Results, cell: str, column: str, key: str = "cpu") -> str:
    answers = res.cells.get(cell, {}).get(column, [])
    if column in res.unavailable:
        return "n/a"
    if not answers:
        return "not run"
    if any(not a.get("ok") for a in answers):
        return "**error**"
    if all("skipped" in a for a in answers):
        return "n/a"
    return fmt_us(cell_median(res, cell, column, key))


def cpu_table(res: Results, key: str = "cpu") -> list[str]:
    busy = key == "cpu"
    head = "| cell | per | " + " | ".join(COLUMNS) + (" | server busy |" if busy else " |")
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2 + busy)]
    for cell, (label, unit) in LABELS.items():
        values = " | ".join(cell_text(res, cell, col, key) for col in COLUMNS)
        tail = f" {server_busy(res, cell)} |" if busy else ""
        lines.append(f"| {label} | {unit} | {values} |{tail}")
    return lines


def ratio_table(res: Results) -> list[str]:
    lines = [
        "| cell | " + " | ".join(r[0] for r in RATIOS) + " |",
        "|" + "---|" * (len(RATIOS) + 1),
    ]
    for cell, (label, _unit) in LABELS.items():
        values = " | ".join(fmt_ratio(ratio_median(res, cell, a, cell, b)) for _, a, b in RATIOS)
        lines.append(f"| {label} | {values} |")
    return lines


def _import_over_bare(res: Results, label: str) -> float | None:
    bare = res.imports.get("bare interpreter")
    got = res.imports.get(label)
    return None if bare is None or got is None else got["median"] - bare["median"]


def _memory_growth(res: Results) -> tuple[float, float, int] | None:
    answer = res.memory.get(OURS)
    if not answer or not answer.get("ok"):
        return None
    first, last = answer["marks"]
    return (
        last["rss"] - first["rss"],
        last["traced"] - first["traced"],
        last["types"] - first["types"],
    )


Check = tuple[
    str, Callable[["Results"], float | None], Callable[[float], bool], Callable[[float], str]
]


def _targets() -> list[Check]:
    def vs(cell_a: str, col_a: str, cell_b: str, col_b: str) -> Callable[[Results], float | None]:
        return lambda res: ratio_median(res, cell_a, col_a, cell_b, col_b)

    checks: list[Check] = [
        (
            f"async chat c={c} <= 1.5x floor",
            vs(f"chat_c{c}", OURS, f"chat_c{c}", "floor"),
            lambda v: v <= 1.5,
            fmt_ratio,
        )
        for c in (1, 16, 128)
    ]
    checks += [
        (
            "after-burst c=1 within 10 % of c=1",
            vs("chat_c1_after_burst", OURS, "chat_c1", OURS),
            lambda v: v <= 1.10,
            fmt_ratio,
        ),
        (
            "stream chunk <= 2x floor (async)",
            vs("stream_async", OURS, "stream_async", "floor"),
            lambda v: v <= 2.0,
            fmt_ratio,
        ),
        (
            "(ours) paced stream chunk <= 2x floor",
            vs("stream_paced", OURS, "stream_paced", "floor"),
            lambda v: v <= 2.0,
            fmt_ratio,
        ),
        (
            "blocking stream <= 1.5x async stream",
            vs("stream_blocking", OURS, "stream_async", OURS),
            lambda v: v <= 1.5,
            fmt_ratio,
        ),
        (
            "float embeddings <= 1.3x floor",
            vs("embed_float", OURS, "embed_float", "floor"),
            lambda v: v <= 1.3,
            fmt_ratio,
        ),
        (
            "blocking chat <= 1.5x portal floor",
            vs("chat_blocking", OURS, "chat_blocking", "floor"),
            lambda v: v <= 1.5,
            fmt_ratio,
        ),
        (
            "32K-logprobs decode >= 5x faster than openai",
            vs("logprobs", "openai", "logprobs", OURS),
            lambda v: v >= 5.0,
            lambda v: f"{v:.1f}x faster",
        ),
        (
            "import <= 350 ms over a bare interpreter",
            lambda res: _import_over_bare(res, "openai_async + client"),
            lambda v: v <= 0.350,
            lambda v: f"{v * 1000:.0f} ms",
        ),
    ]
    return checks


def targets_table(res: Results) -> list[str]:
    lines = ["| target | measured | met |", "|---|---|---|"]
    for label, measure, ok, show in _targets():
        value = measure(res)
        if value is None:
            lines.append(f"| {label} | not measured | - |")
        else:
            lines.append(f"| {label} | {show(value)} | {'yes' if ok(value) else '**no**'} |")
    floor_burst = ratio_median(res, "chat_c1_after_burst", "floor", "chat_c1", "floor")
    if floor_burst is not None:
        shown = fmt_ratio(floor_burst)
        lines.append(
            "| (reference) the floor's own after-burst c=1 / c=1, on aiohttp's default"
            f" oldest-first pool | {shown} | - |"
        )
    growth = _memory_growth(res)
    if growth is None:
        lines.append("| memory flat (100,000 vs 1,000 calls) | not measured | - |")
    else:
        rss, traced, types = growth
        flat = rss < 5_000_000 and traced < 1_000_000 and types == 0
        shown = f"RSS {rss / 1e6:+.1f} MB, traced {traced / 1e3:+.0f} kB, types {types:+d}"
        lines.append(
            f"| memory flat (100,000 vs 1,000 calls) | {shown} | {'yes' if flat else '**no**'} |"
        )
    return lines


def import_table(res: Results) -> list[str]:
    lines = [
        "| statement | median wall | over bare interpreter | median CPU | CPU over bare |",
        "|---|---|---|---|---|",
    ]
    bare = res.imports.get("bare interpreter")
    for label, stats in res.imports.items():
        over = over_cpu = ""
        if bare is not None and label != "bare interpreter":
            over = f"{(stats['median'] - bare['median']) * 1000:.0f} ms"
            over_cpu = f"{(stats['cpu'] - bare['cpu']) * 1000:.0f} ms"
        lines.append(
            f"| {label} | {stats['median'] * 1000:.0f} ms | {over} | "
            f"{stats['cpu'] * 1000:.0f} ms | {over_cpu} |"
        )
    return lines


def import_profile_table(res: Results) -> list[str]:
    lines = ["| module | self | cumulative |", "|---|---|---|"]
    for module, self_us, cumulative_us in res.import_profile:
        lines.append(f"| `{module}` | {self_us / 1000:.1f} ms | {cumulative_us / 1000:.1f} ms |")
    return lines


def types_table(res: Results) -> list[str]:
    lines = ["| column | calls after warm-up | new type objects |", "|---|---|---|"]
    for column, answer in res.new_types.items():
        shown = answer.get("new_types", f"error: {answer.get('error')}")
        lines.append(f"| {column} | {answer.get('units', '-')} | {shown} |")
    return lines


def memory_table(res: Results) -> list[str]:
    lines = [
        "| column | calls | RSS | tracemalloc current | type objects |",
        "|---|---|---|---|---|",
    ]
    for column, answer in res.memory.items():
        if not answer.get("ok"):
            lines.append(f"| {column} | error: {answer.get('error')} | | | |")
            continue
        for mark in answer["marks"]:
            lines.append(
                f"| {column} | {mark['calls']:,} | {mark['rss'] / 1e6:.1f} MB | "
                f"{mark['traced'] / 1e3:.0f} kB | {mark['types']:,} |"
            )
    return lines


def header(res: Results, note: str) -> list[str]:
    meta = res.meta
    mach = meta["machine"]
    vers = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    load = f"{_load(meta.get('load_before'))} before, {_load(meta.get('load_after'))} after"
    lines = [
        "# Benchmark results",
        "",
        f"- Command: `{meta['command'].strip()}` ({time.strftime('%Y-%m-%d %H:%M %Z')})",
        f"- Machine: {mach['nproc']} CPUs ({mach['cpu']}), Python {mach['python']}, {mach['platform']}",
        f"- Load average (1 min): {load}",
        f"- Versions: {vers}",
        f"- Rounds: {meta['rounds']}; calls per cell per round: "
        + ", ".join(f"{k} {v}" for k, v in meta["n"].items()),
        f"- Payload sizes: {meta['sizes']}",
    ]
    for name, how in meta.get("columns", {}).items():
        lines.append(f"- Column `{name}`: {how}")
    if note:
        lines.append(f"- Note: {note}")
    return lines


def _load(value: Any) -> str:
    return "?" if not value else f"{value[0]:.2f}"


def render(res: Results, note: str = "") -> str:
    lines = header(res, note)
    lines += ["", "## CPU per call or chunk (client process, all threads; median over rounds)", ""]
    lines += cpu_table(res)
    lines += ["", "### Of which kernel (system) CPU", ""]
    lines += cpu_table(res, "sys")
    lines += ["", "## Same-round ratios (median over rounds; lower is faster)", ""]
    lines += ratio_table(res)
    lines += ["", "## Targets (issue 7)", ""]
    lines += targets_table(res)
    if res.imports:
        lines += ["", "## Import wall time (fresh interpreters, median)", ""]
        lines += import_table(res)
    if res.import_profile:
        lines += ["", "### Where `from openai_async import AsyncOpenAI, OpenAI` spends its time"]
        lines += [
            "",
            "One fresh interpreter with `-X importtime`, the slowest modules by own time"
            " (and the five slowest of openai_async itself).",
            "",
        ]
        lines += import_profile_table(res)
    if res.new_types:
        lines += ["", "## Classes created per call after warm-up", ""]
        lines += types_table(res)
    if res.memory:
        lines += ["", "## Memory (c=16, tracemalloc on after warm-up)", ""]
        lines += memory_table(res)
    for cell, by_column in res.profiles.items():
        for column, text in by_column.items():
            lines += [
                "",
                f"## Profile: {LABELS[cell][0]}, {column} (cProfile on CPU time, by own time)",
                "",
            ]
            lines += ["```", text.strip(), "```"]
    if res.unavailable:
        lines += ["", "## Columns not run", ""]
        lines += [f"- {name}: {why}" for name, why in res.unavailable.items()]
    errors = res.errors()
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- {error}" for error in errors]
    return "\n".join(lines) + "\n"
