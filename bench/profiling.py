"""Where a message's time goes: py-spy samples the running Rasa server and action server (no code
change; non-blocking, so the servers are not paused to be read), and the samples are summed per
stage of the message's way through them. Used by ``bench/load.py --profile``.

py-spy counts samples of threads that are running, not waiting: a sample is CPU time. Divided by
the messages answered in the same window, a stage's samples give its CPU milliseconds per message.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 100  # samples per second

Frames = Tuple[str, ...]
Stage = Tuple[str, Callable[[Frames], bool]]


def any_of(*needles: str) -> Callable[[Frames], bool]:
    """True for a sample with a frame containing one of ``needles``."""
    return lambda frames: any(needle in frame for frame in frames for needle in needles)


def channel_only(frames: Frames) -> bool:
    """Our channel's own work (request checks, the whole-message red-flag scan), outside Rasa's handling."""
    in_rasa = any_of("rasa/core/agent.py", "rasa/core/processor.py")
    return any_of("(assistant/channels.py")(frames) and not in_rasa(frames)


# A sample belongs to the first stage that matches it, so the specific stages come before the ones that
# call them. jsonschema's deep recursion makes py-spy cut some stacks short of their callers: at run
# time only RemoteAction's check uses it, so any jsonschema frame counts there. py-spy names files relative to sys.path: "(rasa/core/processor.py:12)", "(assistant/db.py:30)".
RASA_STAGES: Sequence[Stage] = (
    ("checking each action server reply against Rasa's JSON schema (jsonschema, validator built once)",
     any_of("validate_action_result", "(jsonschema/")),
    ("call to the action server (HTTP client, JSON)", any_of("rasa/utils/endpoints.py", "(aiohttp/")),
    # before our NLU components: assistant/rasa_components/tracker_store.py is a tracker store
    ("tracker store (load, replay and save the conversation)", any_of("tracker_store.py")),
    ("our NLU components (assistant/rasa_components: red flags, topics, guards)",
     any_of(*(f"(assistant/rasa_components/{name}.py" for name in
              ("red_flags", "topic_extractor", "input_guard", "enrolment_code", "base")), "(assistant/nlp/")),
    ("spaCy pipeline (SpacyNLP, SpacyTokenizer)",
     any_of("spacy_utils.py", "spacy_tokenizer.py", "(spacy/", "(en_radiculopathy_kb")),
    ("CountVectorsFeaturizer (words, char n-grams)", any_of("count_vectors_featurizer.py")),
    ("DIETClassifier (TensorFlow)", any_of("diet_classifier.py", "(tensorflow/", "(keras/")),
    ("other NLU (FallbackClassifier, graph of the NLU pipeline)", any_of("rasa/nlu/", "_parse_message_with_graph")),
    ("policies (RulePolicy, MemoizationPolicy, ensemble)", any_of("rasa/core/policies/", "predict_next_with_tracker")),
    ("forms and loops (besides the action calls)", any_of("rasa/core/actions/forms.py", "rasa/core/actions/loops.py")),
    ("lock store", any_of("lock_store.py")),
    ("bot responses (NLG templates)", any_of("rasa/core/nlg/")),
    ("our channel's checks and whole-message red-flag scan (assistant/channels.py)", channel_only),
    ("message processor and events (rasa/core/processor.py, trackers)",
     any_of("rasa/core/", "rasa/shared/", "rasa/engine/")),
    ("REST channel and HTTP server (Sanic, asyncio)", any_of("rasa/core/channels/", "(sanic", "(asyncio/", "(json/")),
)
ACTION_STAGES: Sequence[Stage] = (
    ("database (SQLAlchemy, driver, connection set-up)",
     any_of("(sqlalchemy/", "(sqlite3/", "(psycopg2/", "_sqlite_pragmas")),
    ("safety scanner (assistant/safety)", any_of("(assistant/safety/")),
    ("knowledge answers (assistant/knowledge)", any_of("(assistant/knowledge/")),
    ("diary logic (assistant/diary)", any_of("(assistant/diary/")),
    ("other project code (actions/, assistant/)", any_of("(actions/", "(assistant/")),
    ("rasa-sdk, Sanic, JSON (request handling)", any_of("(rasa_sdk/", "(sanic", "(asyncio/", "(json/")),
)
OWN_CODE = ("(assistant/", "(actions/")
# A leaf in the event loop's own run call is the loop waiting in uvloop's C code, which py-spy
# cannot tell from running: those samples are idle time and are left out.
IDLE_LEAVES = ("serve (sanic/server/runners.py",)


@dataclass
class Recording:
    label: str          # "rasa" or "actions"
    process: subprocess.Popen
    path: Path


def record(label: str, pid: int, out_dir: Path) -> Recording:
    """Start sampling ``pid`` until ``finish``; raw collapsed stacks go to out_dir/<label>-<pid>.txt."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{label}-{pid}.txt"
    process = subprocess.Popen([str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking",
                                "--format", "raw", "--output", str(path)],
                               stdout=subprocess.DEVNULL, stderr=open(out_dir / f"{label}-{pid}.log", "wb"))
    return Recording(label, process, path)


def finish(recordings: List[Recording], timeout: float = 60) -> None:
    """Stop sampling (py-spy writes its file on SIGINT, as on Ctrl-C)."""
    for recording in recordings:
        if recording.process.poll() is None:
            recording.process.send_signal(signal.SIGINT)
    for recording in recordings:
        recording.process.wait(timeout)
        if not recording.path.exists():
            raise RuntimeError(f"py-spy wrote nothing for {recording.label}: see {recording.path.with_suffix('.log')}")


def read_stacks(path: Path) -> Counter:
    """Collapsed stacks ("frame;frame;... count") -> Counter of frame tuples."""
    stacks: Counter = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def stage_of(frames: Frames, stages: Sequence[Stage]) -> str:
    for name, matches in stages:
        if matches(frames):
            return name
    return "other"


def _short(frame: str) -> str:
    """"process (rasa/nlu/x.py:12)" -> "process (rasa/nlu/x.py)": one entry per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rstrip(')').rsplit(':', 1)[0]})"


@dataclass
class Summary:
    label: str            # "rasa" or "actions"
    title: str
    samples: int          # running
    idle: int             # waiting in the event loop, left out
    by_stage: List[Tuple[str, int]]
    own_functions: List[Tuple[str, int]]   # inclusive samples of the project's own functions
    leaf_functions: List[Tuple[str, int]]  # self samples, any code


def summarise(label: str, title: str, paths: List[Path], stages) -> Summary:
    stacks: Counter = Counter()
    for path in paths:
        stacks.update(read_stacks(path))
    idle = sum(n for frames, n in stacks.items() if frames[-1].startswith(IDLE_LEAVES))
    stacks = Counter({frames: n for frames, n in stacks.items() if not frames[-1].startswith(IDLE_LEAVES)})
    by_stage: Counter = Counter()
    own: Counter = Counter()
    leaves: Counter = Counter()
    for frames, count in stacks.items():
        by_stage[stage_of(frames, stages)] += count
        leaves[_short(frames[-1])] += count
        for frame in {_short(f) for f in frames if any(marker in f for marker in OWN_CODE)}:
            own[frame] += count
    return Summary(label, title, sum(stacks.values()), idle, by_stage.most_common(), own.most_common(8),
                   leaves.most_common(8))


def markdown(summaries: List[Summary], cpu_ms: Dict[str, float]) -> List[str]:
    """Tables per process: its CPU per message (measured from /proc over the same level) split by
    the stages' shares of py-spy's samples, then the busiest functions."""
    lines = []
    for summary in summaries:
        total = max(summary.samples, 1)
        measured = cpu_ms.get(summary.label, float("nan"))
        lines += [f"**{summary.title}**: {measured:.0f} ms of CPU per message ({summary.samples} samples at "
                  f"{RATE} Hz; {summary.idle} more were the event loop waiting and are left out).", "",
                  "| stage | share of samples | CPU ms / message |", "| --- | --- | --- |"]
        for stage, count in summary.by_stage:
            lines.append(f"| {stage} | {count / total:.0%} | {measured * count / total:.1f} |")
        lines += ["", "Busiest functions: the project's own (inclusive) and any (self):", "",
                  "| own function (inclusive) | share | any function (self) | share |", "| --- | --- | --- | --- |"]
        for i in range(max(len(summary.own_functions), len(summary.leaf_functions))):
            own = summary.own_functions[i] if i < len(summary.own_functions) else None
            leaf = summary.leaf_functions[i] if i < len(summary.leaf_functions) else None
            cells = [f"`{own[0]}` | {own[1] / total:.0%}" if own else " | ",
                     f"`{leaf[0]}` | {leaf[1] / total:.0%}" if leaf else " | "]
            lines.append(f"| {cells[0]} | {cells[1]} |")
        lines.append("")
    return lines
