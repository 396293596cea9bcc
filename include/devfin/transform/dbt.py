"""Running dbt: one command, or several in one child process (`run_dbt_session`).

dbt always runs as a child process (`dbt_executable()`): in-process, dbt-duckdb keeps the DuckDB
file open with its own configuration, which would lock the calling process (an Airflow worker,
the CLI) out of the warehouse until it exits.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devfin.errors import DevfinError
from devfin.load.locking import held_fds, scratch_dir, warehouse_lock
from devfin.settings import Settings

log = logging.getLogger(__name__)
# dbt's lines but its summary, warnings and errors: a line as each node starts and another as it
# ends, hundreds a build. On a logger of their own, which the CLI shows only with --verbose (an
# Airflow task's log keeps them all).
output_log = logging.getLogger(f"{__name__}.output")
SHOWN = re.compile(r"Done\. PASS=|\bWARN|\bERROR\b|\bFAIL\b|\bError\b|Failure in|Completed with")

PROFILE_NAME = "devfin"  # the profile in dbt/profiles.yml
FAILED = ("error", "fail", "runtime error")


class DbtError(DevfinError):
    """dbt failed: a node of the run, or parsing the project."""


def dbt_executable() -> Path:
    """The dbt of this environment: next to the running Python, whatever PATH says."""
    return Path(sys.executable).with_name("dbt")


def dbt_target(settings: Settings) -> str:
    """The dbt target (`duckdb` or `postgres`) that `DEVFIN_WAREHOUSE_URL` selects."""
    return settings.dbt_env()["DEVFIN_DBT_TARGET"]


# PostgreSQL compiles a query to machine code (JIT) when the planner's estimate of its cost
# passes `jit_above_cost`. Through the project's stacked views the estimates run to hundreds of
# thousands for queries that take milliseconds, and compiling took about 2 s per such model or
# test (10,000 sheets: the models' own time, summed over dbt's threads, 29 → 11 s; the build
# 25 → 19 s). dbt's connections start without it; options the caller puts in PGOPTIONS come
# after, so theirs win.
PG_DBT_OPTIONS = "-c jit=off"


def dbt_env(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment dbt needs on top of the caller's (`environ`, default the process's): the
    variables `dbt/profiles.yml` reads, the level of the `logs/dbt.log` of each run
    (`DBT_LOG_LEVEL_FILE`, `info` by default) and, on PostgreSQL, `PG_DBT_OPTIONS` (PGOPTIONS,
    which libpq reads for each connection dbt opens)."""
    env = {
        **settings.dbt_env(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # its lines are logged, not shown on a terminal: no colour codes in them
        "DBT_USE_COLORS": "false",
        "DBT_LOG_LEVEL_FILE": settings.dbt_file_log_level,
    }
    if env["DEVFIN_DBT_TARGET"] == "postgres":
        caller = (os.environ if environ is None else environ).get("PGOPTIONS", "")
        env["PGOPTIONS"] = f"{PG_DBT_OPTIONS} {caller}".strip()
    return env


def run_dbt(
    settings: Settings, out_dir: Path, *command: str, lock: bool = True
) -> subprocess.CompletedProcess[str]:
    """One dbt command against the warehouse, holding it (`warehouse_lock`; not with `lock`
    false, for a command that opens no connection); its target and logs go to `out_dir`."""
    arguments = [
        str(dbt_executable()),
        *command,
        *_folders(settings, out_dir),
    ]
    env = {**os.environ, **dbt_env(settings)}
    with warehouse_lock(settings, f"dbt {' '.join(command)}") if lock else nullcontext():
        log.info("running dbt %s (target and logs: %s)", " ".join(command), out_dir)
        completed = subprocess.run(
            arguments,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            pass_fds=held_fds(settings),  # dbt holds the warehouse with this process
        )
    log_output(completed.stdout)
    return completed


@dataclass(frozen=True)
class DbtStep:
    """One dbt command of a session: its arguments, the folder it writes its target and logs
    to, and optionally a compiled manifest to start that folder from (`--no-compile`)."""

    out_dir: Path
    command: tuple[str, ...]
    manifest_from: Path | None = None


def run_dbt_session(settings: Settings, *steps: DbtStep) -> list[int]:
    """dbt commands one after another in one child process (`transform.dbt_session`): dbt
    starts once; returns each command's exit code."""
    described = "; ".join(f"dbt {' '.join(step.command)}" for step in steps)
    with (
        warehouse_lock(settings, described),
        # under the data folder, named for this process: a run killed meanwhile leaves it to
        # the next session to remove, and the session of another live run keeps its own
        scratch_dir(settings.data_dir / "tmp", "dbt-") as scratch,
    ):
        codes_path = scratch / "exit-codes.json"
        arguments = [sys.executable, "-m", "devfin.transform.dbt_session", str(codes_path)]
        for step in steps:
            step.out_dir.mkdir(parents=True, exist_ok=True)
            spec = {
                "args": [*step.command, *_folders(settings, step.out_dir)],
                "manifest_from": str(step.manifest_from) if step.manifest_from else None,
            }
            arguments.append(json.dumps(spec))
        env = {**os.environ, **dbt_env(settings)}
        log.info("running %s", described)
        completed = subprocess.run(
            arguments,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            pass_fds=held_fds(settings),  # dbt holds the warehouse with this process
        )
        log_output(completed.stdout)
        if not codes_path.exists():
            raise DbtError(
                f"{described} stopped (exit {completed.returncode}):\n{completed.stderr[-2000:]}"
            )
        return json.loads(codes_path.read_text())


def log_output(stdout: str) -> None:
    """dbt's lines: its summary, warnings and errors on this module's logger, the rest on
    `output_log`."""
    for line in stdout.splitlines():
        (log if SHOWN.search(line) else output_log).info("dbt: %s", line)


def _folders(settings: Settings, out_dir: Path) -> tuple[str, ...]:
    return (
        "--project-dir", str(settings.dbt_project_dir),
        "--profiles-dir", str(settings.dbt_project_dir),
        "--target-path", str(out_dir),
        "--log-path", str(out_dir / "logs"),
    )  # fmt: skip


def failure_summary(failed: list[dict[str, Any]], run_dir: Path) -> str:
    """The failed nodes of a dbt run, as one line."""
    if not failed:
        return f"no dbt node result recorded; see the task logs and {run_dir}"
    return "; ".join(
        f"{r['unique_id']}: {r['status']} {r.get('message') or ''}".strip() for r in failed
    )
