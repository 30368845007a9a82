"""Simulated patients against the real servers over the REST channel: reply latency, throughput,
errors, and whether every diary entry and flag they submitted was stored.

    .venv/bin/python bench/load.py [--systems embedded,production,starter] [--patients 1,10,50,200]
                                   [--duration 60] [--think 1.0] [--min-conversations 1] [--profile]
                                   [--profile-systems embedded,production]
    .venv/bin/python bench/load.py --profile-only      # only the profiled level(s)

Each system (bench/systems.py) is started on free ports with fresh databases, warmed up with one
conversation, then held at each level of concurrent patients for --duration seconds (and until every
patient has held --min-conversations whole conversations), one system at a time. A patient (bench/patients.py) has its own sender id and talks without pause but for a think
time between messages; latency is from sending a message to the whole reply. After each level the
diary entries and flags stored for that level's senders are counted in the system's own database and
compared with what the patients were told was saved: a difference is printed loudly and the script
exits 1. Each level's latency is also broken down by kind of turn (question, diary answer, diary save, ...).
--profile adds a 10-patient level under py-spy (bench/profiling.py) on each system of --profile-systems
(default: embedded).
Writes docs/benchmarks.md, sections "load" and (with --profile) "load-profile".
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import patients as scripts  # noqa: E402
from bench import profiling  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.systems import SYSTEMS, System, running_system  # noqa: E402

WORK = ROOT / "var" / "bench"
TARGET_ONE_PATIENT_P50_MS = 60
TARGET_PRODUCTION_RATIO = 0.6


@dataclass
class Level:
    """What one level of concurrent patients did to one system."""
    system: str
    patients: int
    elapsed: float = 0.0
    by_turn: Dict[str, List[float]] = field(default_factory=dict)  # turn label (bench/patients.py) -> ms, answered only
    errors: Counter = field(default_factory=Counter)       # kind -> count
    conversations: int = 0
    entries_submitted: int = 0
    entries_uncertain: int = 0    # a save whose reply was an error: stored or not, either is right
    flags_expected: int = 0
    flags_uncertain: int = 0
    entries_stored: Optional[int] = None
    flags_stored: Optional[int] = None
    cpu_ms: Dict[str, float] = field(default_factory=dict)  # process kind -> CPU ms per answered message

    @property
    def latencies(self) -> List[float]:
        """Every answered message's latency (ms), whatever its turn."""
        return [ms for turn in self.by_turn.values() for ms in turn]

    def percentile(self, p: float, turn: Optional[str] = None) -> float:
        ordered = sorted(self.latencies if turn is None else self.by_turn.get(turn, []))
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")

    def share_of_tail(self, turn: str, p: float = 95) -> float:
        """The share of the messages slower than the level's ``p``-th percentile that were ``turn``."""
        cut = self.percentile(p)
        tail = sum(1 for ms in self.latencies if ms > cut)
        return sum(1 for ms in self.by_turn.get(turn, []) if ms > cut) / tail if tail else 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def counts_agree(self) -> bool:
        if self.entries_stored is None:
            return True
        return (self.entries_submitted <= self.entries_stored <= self.entries_submitted + self.entries_uncertain
                and self.flags_expected <= self.flags_stored <= self.flags_expected + self.flags_uncertain)


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Tuple[float, Optional[str], str]:
    """POST one message; (latency ms, error kind or None, the reply's texts joined)."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.read()
            status = response.status
    except asyncio.TimeoutError:
        return (time.perf_counter() - started) * 1000, "timeout", ""
    except aiohttp.ClientError as error:
        return (time.perf_counter() - started) * 1000, f"connection: {type(error).__name__}", ""
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        return elapsed, f"HTTP {status}", ""
    try:
        reply = json.loads(body)
    except ValueError:
        return elapsed, "reply not JSON", ""
    if not reply:
        return elapsed, "empty reply", ""
    return elapsed, None, "\n\n".join(m.get("text") or "" for m in reply)


async def patient(number: int, level: Level, session: aiohttp.ClientSession, url: str, prefix: str,
                  script: Callable[[int, int], List[scripts.Step]], deadline: float, think: float,
                  min_conversations: int) -> None:
    """Conversations one after another until the deadline, and past it until ``min_conversations``
    have been held (so that every patient of even the largest level writes a diary entry while all
    the others are talking too). A conversation out of step (an error or an unexpected reply) is
    abandoned, and the patient goes on under a new sender id."""
    rng = random.Random(number)
    sender, restarts, round_ = f"{prefix}{number}", 0, 0
    await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < deadline or round_ < min_conversations:
        for step in script(number, round_):
            if time.monotonic() >= deadline and round_ >= min_conversations:
                return
            latency, error, text = await send(session, url, sender, step.text)
            if error is None and step.expect and step.expect not in text:
                error = "reply out of step"
            if error:
                level.errors[error] += 1
                level.entries_uncertain += int(step.saves_entry)
                level.flags_uncertain += step.flags
                restarts += 1
                sender = f"{prefix}{number}-r{restarts}"
                break
            level.by_turn.setdefault(step.label, []).append(latency)
            level.entries_submitted += int(step.saves_entry)
            level.flags_expected += step.flags
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        else:
            level.conversations += 1
        round_ += 1


def cpu_seconds(pids: List[int]) -> float:
    """User + system CPU time of running processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return total


def cpu_snapshot(groups: Dict[str, List[int]]) -> Dict[str, float]:
    """CPU seconds used so far by each kind of process (see ``process_groups``)."""
    return {kind: cpu_seconds(pids) for kind, pids in groups.items()}


def cpu_ms_per_message(groups: Dict[str, List[int]], before: Dict[str, float], answered: int) -> Dict[str, float]:
    """CPU ms each kind of process used per answered message since ``before`` (a ``cpu_snapshot``)."""
    now = cpu_snapshot(groups)
    return {kind: (now[kind] - before[kind]) * 1000 / max(answered, 1) for kind in groups}


def process_groups(system: System) -> Dict[str, List[int]]:
    groups: Dict[str, List[int]] = {}
    for service in system.services:
        kind = "rasa" if service.name.startswith("rasa") else "actions" if service.name.startswith("action") else None
        if kind and service.process.poll() is None:
            groups.setdefault(kind, []).append(service.process.pid)
    return groups


def count_stored(database_url: str, prefix: str) -> Tuple[int, int]:
    """Diary entries and flags stored for senders whose id starts with ``prefix``."""
    from sqlalchemy import func, select

    from assistant.db import session_scope
    from assistant.tables import DiaryEntry, Flag, PatientSender

    senders = select(PatientSender.patient_id).where(PatientSender.sender_id.like(f"{prefix}%")).scalar_subquery()
    with session_scope(database_url) as session:
        entries = session.execute(select(func.count(DiaryEntry.id)).where(DiaryEntry.patient_id.in_(senders))).scalar()
        flags = session.execute(select(func.count(Flag.id)).where(Flag.patient_id.in_(senders))).scalar()
    return int(entries), int(flags)


async def run_level(system: System, patients: int, args, tag: str) -> Level:
    level = Level(system.name, patients)
    script = scripts.starter_script if system.name == "starter" else scripts.patient_script
    prefix = f"load-{system.name}-{patients}-{tag}-"
    groups = process_groups(system)
    cpu_before = cpu_snapshot(groups)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=args.timeout)) as session:
        started = time.monotonic()
        talking = [asyncio.create_task(patient(n, level, session, system.rest_url, prefix, script,
                                               started + args.duration, args.think, args.min_conversations))
                   for n in range(patients)]
        while True:
            _, pending = await asyncio.wait(talking, timeout=30)
            if not pending:
                break
            print(f"  ... {time.monotonic() - started:.0f} s: {len(level.latencies)} replies, "
                  f"{len(pending)} patients still talking", flush=True)
        for task in talking:
            task.result()  # a bug in the generator itself must not pass silently
        level.elapsed = time.monotonic() - started
    level.cpu_ms = cpu_ms_per_message(groups, cpu_before, len(level.latencies))
    if system.database_url:
        level.entries_stored, level.flags_stored = count_stored(system.database_url, prefix)
    return level


async def warm_up(system: System, timeout: float) -> None:
    """One conversation before measuring: the first messages load lazily (TensorFlow graphs, caches)."""
    script = scripts.starter_script if system.name == "starter" else scripts.patient_script
    sender = f"warmup-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        for step in script(0, 0):
            _, error, text = await send(session, system.rest_url, sender, step.text)
            if error or (step.expect and step.expect not in text):
                raise RuntimeError(f"{system.name}: the warm-up conversation failed at {step.text!r}: "
                                   f"{error or text[:200]!r}")


def describe(level: Level) -> str:
    stored = ""
    if level.entries_stored is not None:
        stored = (f", diary {level.entries_submitted}/{level.entries_stored}, "
                  f"flags {level.flags_expected}/{level.flags_stored}")
    cpu = ", ".join(f"{k} CPU {v:.0f} ms/msg" for k, v in level.cpu_ms.items())
    return (f"{level.system:10s} {level.patients:4d} patients: {len(level.latencies)} msgs, "
            f"{level.conversations} whole conversations, "
            f"p50 {level.percentile(50):.0f} p95 {level.percentile(95):.0f} p99 {level.percentile(99):.0f} "
            f"max {level.percentile(100):.0f} ms, {level.throughput:.1f} msg/s, errors {sum(level.errors.values())}"
            f"{stored}, {cpu}")


def turns_table(level: Level) -> List[str]:
    """p50/p95 by kind of turn, and each kind's share of the level's slowest 5 %."""
    lines = [f"| turn ({level.system}, {level.patients} patients) | messages | p50 ms | p95 ms | share of the slowest 5 % |",
             "| --- | --- | --- | --- | --- |"]
    for turn in sorted(level.by_turn, key=lambda t: -level.percentile(95, t)):
        lines.append(f"| {turn} | {len(level.by_turn[turn])} | {_ms(level.percentile(50, turn))} | "
                     f"{_ms(level.percentile(95, turn))} | {level.share_of_tail(turn):.0%} |")
    return lines


def check_free_texts() -> None:
    """No free text a patient sends may raise a flag by itself, or the expected flag count is wrong."""
    from assistant.safety.scanner import scanner_for

    scanner = scanner_for()
    flagged = [t for t in scripts.free_texts() if any(f.raises_flag for f in scanner.scan(t).findings)]
    if flagged:
        raise SystemExit(f"these bench texts raise flags themselves; change bench/patients.py: {flagged}")


def measure(system_name: str, levels: List[int], args) -> Tuple[List[Level], Optional[dict]]:
    """Start one system, warm it up, run every level on it (and the profiled level), stop it."""
    results, profile = [], None
    with running_system(system_name, WORK / "run" / system_name) as system:
        print(f"{system_name}: up at {system.rest_url}", flush=True)
        asyncio.run(warm_up(system, args.timeout))
        tag = uuid.uuid4().hex[:6]
        for patients in levels:
            level = asyncio.run(run_level(system, patients, args, tag))
            results.append(level)
            print(describe(level), flush=True)
            print("\n".join(turns_table(level)), flush=True)
        if args.profile and system_name in args.profile_systems:
            profile = profiled_level(system, args)
    return results, profile


def profiled_level(system: System, args) -> dict:
    """A 10-patient level with py-spy sampling the Rasa and action servers; its summaries."""
    out = WORK / "profile" / system.name
    shutil.rmtree(out, ignore_errors=True)
    recordings = [profiling.record(kind, pid, out)
                  for kind, pids in process_groups(system).items() for pid in pids]
    time.sleep(1)  # py-spy attaches
    level = asyncio.run(run_level(system, 10, args, "profiled"))
    profiling.finish(recordings)
    print("profiled:", describe(level), flush=True)
    summaries = [profiling.summarise("rasa", "Rasa server", [r.path for r in recordings if r.label == "rasa"],
                                     profiling.RASA_STAGES),
                 profiling.summarise("actions", "Action server",
                                     [r.path for r in recordings if r.label == "actions"], profiling.ACTION_STAGES)]
    return {"level": level, "summaries": summaries}


def versions(systems: List[str]) -> str:
    import sqlite3
    from importlib.metadata import version

    found = [f"Rasa {version('rasa')}", f"rasa-sdk {version('rasa-sdk')}", f"Python {platform.python_version()}",
             f"SQLite {sqlite3.sqlite_version}", f"aiohttp {version('aiohttp')}"]
    if "production" in systems:
        for name, command in (("PostgreSQL", ["postgres", "-V"]), ("Redis", ["redis-server", "--version"]),
                              ("nginx", ["/usr/sbin/nginx", "-v"])):
            found.append(f"{name} {_version_of(command)}")
    return ", ".join(found)


def _version_of(command: List[str]) -> str:
    """The first version number a server binary prints about itself."""
    if command[0] == "postgres":
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        command = [str(found[-1]), "-V"] if found else command
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    match = re.search(r"\d+\.\d+(?:\.\d+)?", result.stdout + result.stderr)
    return match.group(0) if match else "?"


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def _find(results: List[Level], system: str, patients: int) -> Optional[Level]:
    return next((r for r in results if r.system == system and r.patients == patients), None)


def targets(results: List[Level]) -> List[str]:
    """The targets of issue 6, each met, not met or not measured in this run."""
    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    lines = []
    one = _find(results, "embedded", 1)
    lines.append(f"- One patient's median reply at most {TARGET_ONE_PATIENT_P50_MS} ms (embedded): " +
                 (f"{_ms(one.percentile(50))} ms, {verdict(one.percentile(50) <= TARGET_ONE_PATIENT_P50_MS)}"
                  if one else "not measured"))
    ours, starter = _find(results, "embedded", 10), _find(results, "starter", 10)
    lines.append("- Our p95 at 10 patients no worse than the starter bot's in the same run: " +
                 (f"embedded {_ms(ours.percentile(95))} ms vs starter {_ms(starter.percentile(95))} ms, "
                  f"{verdict(ours.percentile(95) <= starter.percentile(95))}" if ours and starter else "not measured"))
    production = _find(results, "production", 10)
    lines.append(f"- Production p95 at 10 patients at most {TARGET_PRODUCTION_RATIO} x the embedded one's: " +
                 (f"{_ms(production.percentile(95))} ms vs {_ms(ours.percentile(95))} ms "
                  f"({production.percentile(95) / ours.percentile(95):.2f} x), "
                  f"{verdict(production.percentile(95) <= TARGET_PRODUCTION_RATIO * ours.percentile(95))}"
                  if production and ours else "not measured"))
    for name in ("embedded", "production"):
        top = _find(results, name, 200)
        lines.append(f"- No errors and no lost diary entry at 200 patients ({name}): " +
                     (f"{sum(top.errors.values())} errors, {top.entries_submitted} entries submitted, "
                      f"{top.entries_stored} stored, {verdict(not top.errors and top.counts_agree())}"
                      if top else "not measured"))
    counted = [r for r in results if r.entries_stored is not None]
    lines.append("- Stored diary entries and flags equal to those submitted, every level: " +
                 (verdict(all(r.counts_agree() for r in counted)) if counted else "not measured"))
    return lines


def load_section(results: List[Level], args) -> str:
    lines = ["## Load: simulated patients over the REST channel (`bench/load.py`)", "",
             f"Each simulated patient has its own sender id and holds conversations one after another: two "
             f"questions, a whole diary entry (11 answers, then \"save\"), a follow-up question; "
             f"{len(scripts.patient_script(0, 0))} messages, with a think time of {args.think:g} s "
             f"(0.5-1.5 x) between messages. "
             "Four conversations in ten raise a flag (two a medicine side effect, one numbness in a new place, "
             "one a bladder change that stops the diary with emergency advice). Rasa's starter bot (`rasa init`) "
             "gets the same number of messages in words it knows (greetings, moods). "
             f"{args.duration:g} s per level, or longer until every patient has held {args.min_conversations} "
             "whole conversation(s), so that the diary entries of even the largest level are written while all "
             "the other patients are talking (column *s*: the level's real length). One system at a time, the "
             f"load generator on the same machine; request timeout {args.timeout:g} s. "
             "Errors: a status other than 200, an empty reply, a timeout, "
             "a broken connection, or a reply that is not the expected step of the diary. Diary entries and "
             "flags are counted in the system's own database after each level; a save or red-flag answer whose "
             "reply was an error is *unconfirmed* (+n): it may or may not have been stored.", "",
             f"Versions: {versions(sorted({r.system for r in results}))}. Systems: *embedded* = the default "
             "profile as `make run` starts it (one Rasa server, one action server, the portal; SQLite knowledge "
             "store and tracker store); *production* = `assistant.stack` production "
             "profile (PostgreSQL, Redis, nginx, 2 Rasa servers, 2 action servers); *starter* = Rasa's starter "
             "bot, one `rasa run`, in-memory tracker store.", "",
             "| system | patients | s | messages | p50 ms | p95 ms | p99 ms | max ms | msgs/s | errors "
             "| diary entries submitted / stored | flags expected / stored | Rasa CPU ms/msg | actions CPU ms/msg |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        stored = (f"{r.entries_submitted} / {r.entries_stored}", f"{r.flags_expected} / {r.flags_stored}") \
            if r.entries_stored is not None else ("-", "-")
        if r.entries_uncertain or r.flags_uncertain:
            stored = (stored[0] + f" (+{r.entries_uncertain} unconfirmed)", stored[1] + f" (+{r.flags_uncertain})")
        cpu = [f"{r.cpu_ms[k]:.0f}" if k in r.cpu_ms else "-" for k in ("rasa", "actions")]
        lines.append(f"| {r.system} | {r.patients} | {r.elapsed:.0f} | {len(r.latencies)} | {_ms(r.percentile(50))} | "
                     f"{_ms(r.percentile(95))} | {_ms(r.percentile(99))} | {_ms(r.percentile(100))} | "
                     f"{r.throughput:.1f} | {sum(r.errors.values())} | {stored[0]} | {stored[1]} | "
                     f"{cpu[0]} | {cpu[1]} |")
    errors = [f"{r.system} at {r.patients}: " + ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common())
              for r in results if r.errors]
    if errors:
        lines += ["", "Errors by kind: " + "; ".join(errors) + "."]
    for r in results:
        if r.patients == 10 and r.system in ("embedded", "production"):
            lines += ["", f"Where the tail of {r.system} at 10 patients comes from, by kind of turn:", ""]
            lines += turns_table(r)
    lines += ["", "Targets (issue 6):", ""] + targets(results)
    if args.note:
        lines += ["", args.note]
    return "\n".join(lines)


def profile_section(profile: dict, args, first: bool = True) -> str:
    level: Level = profile["level"]
    heading = ["## Load profile: where a message's time goes (`bench/load.py --profile`)", ""] if first else []
    servers = "the Rasa server and the action server" if level.system == "embedded" else \
        "both Rasa servers and both action servers, added together"
    lines = heading + [
             f"The {level.system} system at 10 patients for {args.duration:g} s, sampled by py-spy "
             f"({profiling.RATE} Hz, non-blocking, {servers}): "
             f"{len(level.latencies)} messages, "
             f"p50 {_ms(level.percentile(50))} ms, p95 {_ms(level.percentile(95))} ms under the profiler. "
             "Each process's CPU time per answered message is measured from /proc over the level and split "
             "by the stages' shares of py-spy's samples (a sample is a moment the server's thread ran or was "
             "ready to run); waiting for the action server or for another conversation's turn is in neither. "
             f"Raw stacks: `var/bench/profile/{level.system}/*.txt` (collapsed format, opens in speedscope).", ""]
    lines += profiling.markdown(profile["summaries"], level.cpu_ms)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated: " + ", ".join(SYSTEMS))
    parser.add_argument("--patients", default="1,10,50,200", help="concurrent patients per level, comma-separated")
    parser.add_argument("--duration", type=float, default=60, help="seconds per level")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a reply and the next message")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a message counts as timed out")
    parser.add_argument("--min-conversations", type=int, default=1,
                        help="whole conversations each patient holds even past --duration (0: stop at it)")
    parser.add_argument("--profile", action="store_true",
                        help="also a 10-patient level under py-spy on each system of --profile-systems")
    parser.add_argument("--profile-systems", default="embedded",
                        help="comma-separated: the systems --profile samples (embedded, production)")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the profiled levels; rewrites only the load-profile section")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--note", default="", help="a sentence added under the table (e.g. on noise)")
    args = parser.parse_args()
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {sorted(unknown)}")
    args.profile_systems = [s.strip() for s in args.profile_systems.split(",") if s.strip()]
    if set(args.profile_systems) - {"embedded", "production"}:
        parser.error("--profile-systems: embedded, production")
    levels = [int(n) for n in args.patients.split(",")]
    if args.profile_only:
        systems, levels, args.profile = args.profile_systems, [], True
    elif args.profile and not set(args.profile_systems) & set(systems):
        parser.error("--profile: none of --profile-systems is in --systems")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    check_free_texts()
    results, profiles = [], []
    for name in systems:
        levels_done, profiled = measure(name, levels, args)
        results += levels_done
        profiles += [profiled] if profiled else []
    if results:
        section = load_section(results, args)
        print("\n" + section)
        if not args.no_write:
            write_section("load", section)
    if profiles:
        section = "\n\n".join(profile_section(profile, args, first=i == 0) for i, profile in enumerate(profiles))
        print("\n" + section)
        if not args.no_write:
            write_section("load-profile", section)
    wrong = [r for r in results + [p["level"] for p in profiles] if not r.counts_agree()]
    for r in wrong:
        print(f"\n!!! COUNT MISMATCH on {r.system} at {r.patients} patients: diary entries submitted "
              f"{r.entries_submitted} (+{r.entries_uncertain} unconfirmed), stored {r.entries_stored}; flags "
              f"expected {r.flags_expected} (+{r.flags_uncertain}), stored {r.flags_stored} !!!", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
