"""`make run`'s runner: each DAG through `airflow dags test`, its log in a file, a line per task.

Airflow's own output (thousands of lines: its start-up, every task's log) goes to one file per
DAG; what a person reads is a line per task as it ends, read from Airflow's metadata database
(SQLite, the embedded run's) with the counts the task returned, the warnings its log holds, and
a line per DAG. A failed task's log tail is printed, and the DAGs after it are not run.
Importable without Airflow: Airflow runs in the child process.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from devfin.sources import SOURCE_KEYS
from devfin.transform.watch import MARTS_GROUP

DAGS = (*(f"ingest_{source}" for source in SOURCE_KEYS), "build_marts")  # `make run`'s, in order
AIRFLOW = Path(sys.executable).with_name("airflow")  # this environment's, whatever PATH says
ENDED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
RAN = frozenset({"success", "failed", "up_for_retry"})  # states of a task whose log is in the file
TAIL_LINES = 40  # of a failed task's log
WARNINGS_SHOWN = 5  # per task; the rest are counted
# Warnings `airflow dags test` prints that say nothing of the run, filtered where they are raised
# (PYTHONWARNINGS of the child: only these messages, so any other warning still shows).
QUIET_WARNINGS = (
    # airflow.utils.dot_renderer, imported by every `airflow dags` command: graphviz only draws
    # the DAG for --show-dagrun / --save-dagrun, which the runner never asks for.
    "ignore:Could not import graphviz:UserWarning",
    # fastapi's TestClient, through which `dags test` calls Airflow's execution API in-process
    # (starlette's StarletteDeprecationWarning is a UserWarning).
    "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning",
)
_TASK_MARK = re.compile(r"\[DAG TEST\] (starting|end task) task_id=(\S+) map_index=(-?\d+)")
_LEVEL = re.compile(
    r"^\S+\s+\[(?P<level>warning|error|critical)\s*\]\s+(?P<message>.*?)"
    r"(?:\s+\[[\w.]+\](?:\s+\w+=\S*)*)?\s*$"
)
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@dataclasses.dataclass(frozen=True)
class TaskEnd:
    """A task instance that ended (or failed a try and waits for the next): its state, seconds,
    what it returned and, for a try that ran, the lines its log section holds."""

    task_id: str
    map_index: int
    state: str
    try_number: int
    seconds: float | None
    result: Any
    log_lines: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


@dataclasses.dataclass
class DagRunOutcome:
    """One `airflow dags test`: its exit status, wall seconds, the run's state and seconds, and
    every task of the run as it ended."""

    dag_id: str
    log: Path
    exit_code: int = 0
    wall_seconds: float = 0.0
    run_id: str | None = None
    state: str | None = None
    run_seconds: float | None = None
    tasks: list[TaskEnd] = dataclasses.field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and self.state == "success"


def sqlite_path(metadata_url: str) -> Path:
    """The file of a `sqlite:///…` SQLAlchemy URL (the embedded run's metadata database)."""
    prefix = "sqlite:///"
    if not metadata_url.startswith(prefix):
        raise ValueError(f"not a SQLite URL (the embedded run's metadata): {metadata_url}")
    return Path(metadata_url.removeprefix(prefix).split("?")[0])


def throwaway_env(
    root: Path, repo_dir: Path, samples: Path, warehouse_url: str | None = None
) -> dict[str, str]:
    """The variables of the embedded run (the Makefile's) with every folder it writes under
    `root`: a throwaway Airflow home, metadata, warehouse, data and report (tests, benchmarks)."""
    return {
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(repo_dir / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(repo_dir / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow' / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "DEVFIN_REPO_DIR": str(repo_dir),
        "DEVFIN_WAREHOUSE_URL": warehouse_url or f"duckdb:///{root / 'devfin.duckdb'}",
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
        "DEVFIN_SAMPLE_DIR": str(samples),
    }


def _connect(metadata: Path) -> sqlite3.Connection:
    # Read-only, and waiting out a write of the `dags test` running beside it.
    return sqlite3.connect(f"file:{metadata}?mode=ro", uri=True, timeout=10)


def last_run_key(metadata: Path, dag_id: str) -> int:
    """The key of the DAG's latest run (0 if none): a run with a greater one is newer."""
    with _connect(metadata) as conn:
        (key,) = conn.execute(
            "select coalesce(max(id), 0) from dag_run where dag_id = ?", (dag_id,)
        ).fetchone()
    return int(key)


def read_run(
    metadata: Path, dag_id: str, after_key: int = 0
) -> tuple[str, str, float | None, list[TaskEnd]] | None:
    """The DAG's latest run newer than `after_key`: run id, state, seconds (None while it runs)
    and its task instances (ended or not) with what each returned; None before it exists."""
    with _connect(metadata) as conn:
        run = conn.execute(
            "select run_id, state, start_date, end_date from dag_run"
            " where dag_id = ? and id > ? order by id desc limit 1",
            (dag_id, after_key),
        ).fetchone()
        if run is None:
            return None
        run_id, state, started, ended = run
        rows = conn.execute(
            "select ti.task_id, ti.map_index, coalesce(ti.state, 'none'), ti.try_number,"
            " ti.duration, x.value from task_instance ti left join xcom x"
            " on x.dag_id = ti.dag_id and x.run_id = ti.run_id and x.task_id = ti.task_id"
            " and x.map_index = ti.map_index and x.key = 'return_value'"
            " where ti.dag_id = ? and ti.run_id = ?"
            " order by ti.start_date is null, ti.start_date, ti.end_date, ti.task_id",
            (dag_id, run_id),
        ).fetchall()
    seconds = None
    if started and ended:
        seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    tasks = [
        TaskEnd(task_id, map_index, task_state, try_number, duration, _decoded(value))
        for task_id, map_index, task_state, try_number, duration, value in rows
    ]
    return run_id, state, seconds, tasks


def _decoded(value: Any) -> Any:
    """A return value as the metadata database keeps it (JSON text)."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class _LogSections:
    """The log file of a `dags test` read as it grows: the lines of each task try, between
    Airflow's `[DAG TEST] starting` and `[DAG TEST] end task` marks, in the order they ended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.current: tuple[str, int] | None = None
        self.lines: list[str] = []
        self.ended: list[tuple[tuple[str, int], tuple[str, ...]]] = []

    def read(self) -> None:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk.rfind(b"\n") + 1  # a line still being written waits for the next read
        self.offset += complete
        for line in chunk[:complete].decode("utf-8", errors="replace").splitlines():
            mark = _TASK_MARK.search(line)
            if mark and mark.group(1) == "starting":
                self.current, self.lines = (mark.group(2), int(mark.group(3))), []
            elif mark and self.current == (mark.group(2), int(mark.group(3))):
                self.ended.append((self.current, tuple(self.lines)))
                self.current = None
            elif self.current is not None:
                self.lines.append(line)

    def take(self, task_id: str, map_index: int) -> tuple[str, ...] | None:
        """The lines of the task's earliest try not taken yet; None if none has ended."""
        for number, (key, lines) in enumerate(self.ended):
            if key == (task_id, map_index):
                del self.ended[number]
                return lines
        return None


def run_dag(
    dag_id: str,
    log: Path,
    metadata: Path,
    on_task: Callable[[TaskEnd], None] = lambda task: None,
    env: Mapping[str, str] | None = None,
    poll_seconds: float = 0.5,
) -> DagRunOutcome:
    """`airflow dags test DAG`, its output into `log`; `on_task` is called once per task as it
    ends (and per failed try), with its log section when it ran."""
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONWARNINGS"] = ",".join(
        filter(None, (child_env.get("PYTHONWARNINGS"), *QUIET_WARNINGS))
    )
    child_env["PYTHONUNBUFFERED"] = "1"  # its lines reach the file as the tasks end
    log.parent.mkdir(parents=True, exist_ok=True)
    outcome = DagRunOutcome(dag_id, log)
    after = last_run_key(metadata, dag_id)
    sections = _LogSections(log)
    told: set[tuple[str, int, int, str]] = set()
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen(
            [str(AIRFLOW), "dags", "test", dag_id],
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        while True:
            exit_code = child.poll()
            _report(outcome, metadata, after, sections, told, on_task, final=exit_code is not None)
            if exit_code is not None:
                break
            time.sleep(poll_seconds)
    outcome.exit_code = exit_code
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


def _report(
    outcome: DagRunOutcome,
    metadata: Path,
    after: int,
    sections: _LogSections,
    told: set[tuple[str, int, int, str]],
    on_task: Callable[[TaskEnd], None],
    final: bool,
) -> None:
    """Report the tasks that ended since the last look, in the order they started; a task that
    ran waits for its log section to be complete (and the tasks after it for it), unless the
    run is over."""
    try:
        run = read_run(metadata, outcome.dag_id, after)
    except sqlite3.OperationalError:  # held by a write past the timeout: look again next time
        if not final:
            return
        run = read_run(metadata, outcome.dag_id, after)
    sections.read()
    if run is None:
        return
    outcome.run_id, outcome.state, outcome.run_seconds, tasks = run
    for task in tasks:
        key = (task.task_id, task.map_index, task.try_number, task.state)
        if key in told or task.state not in ENDED | {"up_for_retry"}:
            continue
        lines = sections.take(task.task_id, task.map_index) if task.state in RAN else ()
        if lines is None and not final:
            break  # its log section is still being written
        told.add(key)
        ended = dataclasses.replace(task, log_lines=lines or ())
        outcome.tasks.append(ended)
        on_task(ended)


# --- what a person reads -------------------------------------------------------------------


def printable(text: str) -> str:
    """A log line as it may reach a terminal: colour codes dropped, control characters shown
    as `?` (the logs quote scraped pages)."""
    return "".join(c if c.isprintable() or c == "\t" else "?" for c in _COLOUR.sub("", text))


def describe(result: Any, width: int = 100) -> str:
    """What a task returned, on one line: a dict's non-zero counts (`sheets_` left out), a
    text; else nothing."""
    if isinstance(result, dict):
        parts = [
            f"{str(key).removeprefix('sheets_')} {value}"
            for key, value in result.items()
            if value not in (0, None)
        ]
        text = ", ".join(parts)
    elif isinstance(result, str):
        text = result
    else:
        return ""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def warnings_in(lines: Iterable[str]) -> list[str]:
    """The warnings and errors a task's log section holds, each its level and message."""
    found = []
    for line in lines:
        match = _LEVEL.match(line)
        if match:
            found.append(f"{match['level']}: {printable(match['message'])}")
    return found


def task_line(task: TaskEnd) -> list[str]:
    """A task's line, then the warnings of its log (a failed task's log tail is printed apart)."""
    seconds = "" if task.seconds is None else f"{task.seconds:.1f} s"
    state = task.state
    if state == "up_for_retry":
        state = f"failed (try {task.try_number}, to be retried)"
    lines = [f"  {state:<8} {seconds:>7}  {task.name}  {describe(task.result)}".rstrip()]
    if task.state in ("success", "up_for_retry"):
        said = warnings_in(task.log_lines)
        lines += [f"      {line}" for line in said[:WARNINGS_SHOWN]]
        if len(said) > WARNINGS_SHOWN:
            lines.append(f"      … {len(said) - WARNINGS_SHOWN} more in the log")
    return lines


def failure_tail(task: TaskEnd, log: Path, count: int = TAIL_LINES) -> list[str]:
    """The last lines of a failed task's log section."""
    tail = task.log_lines[-count:]
    return [f"--- {task.name} failed: the last {len(tail)} lines of its log (all of it: {log})"] + [
        f"  | {printable(line)[:400]}" for line in tail
    ]


def _tell(out: TextIO, skipped: list[str], marts: list[TaskEnd], task: TaskEnd) -> None:
    """A task's lines on `out` as it ends; the skipped tasks are named in the DAG's line, and
    the marts built without a word to say are one line (`marts_line`) when the DAG ends."""
    if task.state == "skipped":
        skipped.append(task.name)
        return
    if is_quiet_mart(task):
        marts.append(task)
        return
    for line in task_line(task):
        print(line, file=out, flush=True)


def is_quiet_mart(task: TaskEnd) -> bool:
    """A mart's task (`dbt.<mart>`) that succeeded and whose log warns of nothing."""
    built = task.state == "success" and task.task_id.startswith(f"{MARTS_GROUP}.")
    return built and not warnings_in(task.log_lines)


def marts_line(marts: list[TaskEnd], width: int = 100) -> str:
    """The marts' tasks that succeeded quietly, on one line: how many, their seconds, names."""
    seconds = sum(task.seconds or 0.0 for task in marts)
    names = ", ".join(task.task_id.removeprefix(f"{MARTS_GROUP}.") for task in marts)
    head = f"  {'success':<8} {seconds:>5.1f} s  {len(marts)} marts ({MARTS_GROUP}.*): "
    text = head + names
    return text if len(text) <= width else text[: width - 1] + "…"


def run_dags(
    dags: Iterable[str],
    log_dir: Path,
    metadata: Path,
    out: TextIO,
    env: Mapping[str, str] | None = None,
) -> list[DagRunOutcome]:
    """The DAGs one after another, as `make run` runs them: a line per task as it ends and a line
    per DAG on `out`; at the first DAG that fails, the log tail of each failed task (or of the
    whole log when no task failed: Airflow itself did), and no DAG after it."""
    outcomes = []
    for dag_id in dags:
        log = log_dir / f"make-run-{dag_id}.log"
        print(f"{dag_id}: airflow dags test, its log in {log}", file=out, flush=True)
        skipped: list[str] = []
        marts: list[TaskEnd] = []
        outcome = run_dag(dag_id, log, metadata, functools.partial(_tell, out, skipped, marts), env)
        outcomes.append(outcome)
        if marts:
            print(marts_line(marts), file=out, flush=True)
        run_seconds = "" if outcome.run_seconds is None else f" in {outcome.run_seconds:.1f} s"
        names = ", ".join(skipped)
        if len(names) > 80:
            names = names[:79] + "…"
        print(
            f"{dag_id}: {outcome.state or 'not run'}{run_seconds}"
            f" ({outcome.wall_seconds:.1f} s with Airflow's start)"
            + (f"; {len(skipped)} skipped: {names}" if skipped else ""),
            file=out,
            flush=True,
        )
        if not outcome.succeeded:
            failed = [t for t in outcome.tasks if t.state == "failed" and t.log_lines]
            for task in failed:
                print("\n".join(failure_tail(task, log)), file=out)
            if not failed:
                lines = log.read_text(errors="replace").splitlines()[-TAIL_LINES:]
                print(f"--- airflow dags test {dag_id} failed (exit {outcome.exit_code}):"
                      f" the last {len(lines)} lines of {log}", file=out)  # fmt: skip
                print("\n".join(f"  | {printable(line)[:400]}" for line in lines), file=out)
            out.flush()
            break
    return outcomes
