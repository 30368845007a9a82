"""What one patient alone gets: each system's reply latency with no other conversation running (its
floor, which no number of servers can lower), and how a message's cost grows with the length of a
session.

    .venv/bin/python bench/floor.py [--systems embedded,production] [--messages 320] [--growth 400]
                                    [--no-write]

Floor: one simulated patient (bench/patients.py) holds conversations one after another, each under a
new sender id as a patient returning another day would (so no session grows long), with the load
benchmark's think time, until at least --messages replies; p50/p95/p99 overall and by kind of turn. The load
benchmark's 1-patient level is the same patient in one session for 60 s (54 messages, too few for a
steady p95).
Growth: one sender talks with no think time for --growth messages in a single session; the median
reply per 50 messages shows what each message costs as the session lengthens (Rasa rebuilds and
re-reads the whole session for every message).
Writes docs/benchmarks.md, section "load-floor".
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import uuid
from pathlib import Path
from typing import Dict, List

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import patients as scripts  # noqa: E402
from bench.load import (Level, _ms, cpu_ms_per_message, cpu_snapshot, process_groups, send,  # noqa: E402
                        turns_table, warm_up)
from bench.report import write_section  # noqa: E402
from bench.systems import running_system  # noqa: E402

WORK = ROOT / "var" / "bench" / "floor"
BUCKET = 50
FLOOR_SYSTEMS = ("embedded", "production")


async def _reply(session: aiohttp.ClientSession, url: str, sender: str, step: scripts.Step) -> float:
    latency, error, text = await send(session, url, sender, step.text)
    if error or (step.expect and step.expect not in text):
        raise RuntimeError(f"{step.text!r} went wrong: {error or text[:200]!r}")  # a floor with errors is no floor
    return latency


async def floor(system, messages: int, think: float, timeout: float) -> Level:
    """One patient, a new session per conversation, whole conversations until ``messages`` replies."""
    level = Level(system.name, 1)
    rng = random.Random(1)
    groups = process_groups(system)
    cpu_before = cpu_snapshot(groups)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        round_ = 0
        while len(level.latencies) < messages:
            sender = f"floor-{system.name}-{uuid.uuid4().hex[:8]}"
            for step in scripts.patient_script(round_ % 10, round_):
                level.by_turn.setdefault(step.label, []).append(await _reply(session, system.rest_url, sender, step))
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            level.conversations += 1
            round_ += 1
    level.elapsed = loop.time() - started
    level.cpu_ms = cpu_ms_per_message(groups, cpu_before, len(level.latencies))
    return level


async def growth(system, messages: int, timeout: float) -> List[float]:
    """Latencies (ms) of ``messages`` replies to one sender in one session, in order."""
    latencies: List[float] = []
    sender = f"growth-{system.name}-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        round_ = 0
        while len(latencies) < messages:
            for step in scripts.patient_script(3, round_):
                latencies.append(await _reply(session, system.rest_url, sender, step))
                if len(latencies) == messages:
                    break
            round_ += 1
    return latencies


def bucket_medians(latencies: List[float]) -> List[float]:
    return [statistics.median(latencies[i:i + BUCKET]) for i in range(0, len(latencies), BUCKET)]


def session_expiry_minutes() -> float:
    """The idle time after which Rasa starts a new session, as the domain sets it."""
    from rasa.shared.core.domain import Domain

    return Domain.load(ROOT / "domain.yml").session_config.session_expiration_time


def section(floors: List[Level], growths: Dict[str, List[float]], args) -> str:
    lines = ["## Load floor: one patient alone (`bench/floor.py`)", "",
             f"One simulated patient, the load benchmark's conversations and think time ({args.think} s, 0.5-1.5 x), "
             "each conversation under a new sender id (a new session, as on another day), until "
             f"{args.messages} replies; nothing else runs on the system. This is the latency each system gives "
             "with no queueing at all: no number of servers brings a system's p95 under it.", "",
             "| system | messages | p50 ms | p95 ms | p99 ms | max ms | Rasa CPU ms/msg | actions CPU ms/msg |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for level in floors:
        lines.append(f"| {level.system} | {len(level.latencies)} | {_ms(level.percentile(50))} | "
                     f"{_ms(level.percentile(95))} | {_ms(level.percentile(99))} | {_ms(level.percentile(100))} | "
                     f"{_ms(level.cpu_ms.get('rasa', math.nan))} | {_ms(level.cpu_ms.get('actions', math.nan))} |")
    for level in floors:
        lines += ["", *turns_table(level)]
    if growths:
        names = list(growths)
        lines += ["", f"Growth within one session: one sender, no think time, {args.growth} messages; the median "
                  f"reply of each {BUCKET} messages. Rasa 3.6 replays the session's events into a new tracker for "
                  "every message and its policies read the states of every turn so far, so a message costs more the "
                  f"longer the session (a session ends after {session_expiry_minutes():g} idle minutes).", "",
                  "| messages | " + " | ".join(f"{name} median ms" for name in names) + " |",
                  "| --- | " + " | ".join("---" for _ in names) + " |"]
        medians = [bucket_medians(growths[name]) for name in names]  # each of exactly args.growth replies
        for i, row in enumerate(zip(*medians)):
            lines.append(f"| {i * BUCKET + 1}-{min((i + 1) * BUCKET, args.growth)} | "
                         + " | ".join(f"{ms:.0f}" for ms in row) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", default=",".join(FLOOR_SYSTEMS), help="comma-separated: embedded, production")
    parser.add_argument("--messages", type=int, default=320, help="replies for the floor, per system")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a reply and the next message")
    parser.add_argument("--growth", type=int, default=400, help="messages in the one long session (0: none)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a message counts as failed")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if not systems or set(systems) - set(FLOOR_SYSTEMS):
        parser.error("--systems: embedded, production")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    floors, growths = [], {}
    for name in systems:
        with running_system(name, WORK / name) as system:
            asyncio.run(warm_up(system, args.timeout))
            floors.append(asyncio.run(floor(system, args.messages, args.think, args.timeout)))
            print(f"{name}: floor p50 {_ms(floors[-1].percentile(50))} p95 {_ms(floors[-1].percentile(95))} ms",
                  flush=True)
            if args.growth:
                growths[name] = asyncio.run(growth(system, args.growth, args.timeout))
    text = section(floors, growths, args)
    print("\n" + text)
    if not args.no_write:
        write_section("load-floor", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
