"""One process at a time on a DuckDB warehouse file, and the scratch folders of dead runs removed.

DuckDB lets one process open its file (for writing or reading alike); a second one fails at once
with `IO Error: Could not set lock on file`. `warehouse_lock` makes devfin's processes take turns
instead: an exclusive `fcntl.flock` on `<warehouse file>.lock`, which records who holds it (PID,
host, command, what for, since when) for those waiting. The kernel releases a flock when its
holder exits, killed or not, so a dead run never blocks the next one.

It is re-entrant within a process (`open_warehouse` nests, `build_marts` holds it across its
dbt child process) and passed on to dbt's child processes (`held_fds`), which hold it with their
parent: a parent killed while dbt runs leaves dbt the warehouse until dbt exits. dbt children
never take it themselves (they run no devfin code that opens the warehouse), so they cannot
wait on their own parent. PostgreSQL takes concurrent writers itself: no lock there.

Inside Airflow the tasks opening a DuckDB warehouse also wait in a one-slot pool (`DUCKDB_POOL`),
so they wait in the scheduler's queue rather than in a worker slot; the lock is what also keeps
the CLI and the dbt processes devfin runs in turn with them.

Folders a run writes and removes itself (the load's Parquet spool, dbt's scratch folder) carry
an owner file naming the process (`claim`); a run killed before removing its folder leaves it
behind, and `remove_abandoned` removes those whose owner is no longer running, never a live
run's.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

from devfin.errors import DevfinError
from devfin.settings import Settings

log = logging.getLogger(__name__)

# The Airflow pool of the tasks that open a DuckDB warehouse (dags/; `make airflow-init` makes it).
DUCKDB_POOL = "devfin_duckdb"
POLL_SECONDS = 0.1  # how often a waiting process tries the lock again
OWNER_FILE = ".owner"
# A folder without an owner file is removed only past this age: its owner may be about to write it.
UNOWNED_GRACE_SECONDS = 60.0


class WarehouseLockTimeout(DevfinError):
    """Another process held the DuckDB warehouse for longer than DEVFIN_WAREHOUSE_LOCK_TIMEOUT."""


def lock_path(settings: Settings) -> Path | None:
    """The lock file beside a DuckDB warehouse file; None when there is nothing to lock (a
    PostgreSQL or in-memory warehouse)."""
    if settings.warehouse_kind != "duckdb":
        return None
    database = make_url(settings.warehouse_url).database or ""
    if database in ("", ":memory:"):
        return None
    return Path(os.path.abspath(database + ".lock"))


@dataclass
class _Hold:
    file: IO[str]
    depth: int


# This process's holds, by lock file; a thread lock each makes the other threads wait their turn.
_HOLDS: dict[Path, _Hold] = {}
_THREAD_LOCKS: dict[Path, threading.RLock] = {}
_GUARD = threading.Lock()


def _forget_holds() -> None:
    """A forked child holds nothing of its own: it closes its copies of the lock files, so its
    parent's holds end when the parent lets go, however long the child lives."""
    global _GUARD
    for hold in _HOLDS.values():
        hold.file.close()
    _HOLDS.clear()
    _THREAD_LOCKS.clear()
    _GUARD = threading.Lock()


os.register_at_fork(after_in_child=_forget_holds)


@contextmanager
def warehouse_lock(settings: Settings, purpose: str = "") -> Iterator[None]:
    """Hold the DuckDB warehouse for the block, waiting while another process holds it (logged
    once, naming the holder) for at most `settings.warehouse_lock_timeout_seconds`, then raising
    WarehouseLockTimeout naming the holder. Nothing on PostgreSQL."""
    path = lock_path(settings)
    if path is None:
        yield
        return
    timeout = settings.warehouse_lock_timeout_seconds
    deadline = time.monotonic() + timeout
    with _GUARD:
        local = _THREAD_LOCKS.setdefault(path, threading.RLock())
    if not local.acquire(timeout=timeout):
        raise WarehouseLockTimeout(
            f"the DuckDB warehouse {path.with_suffix('')} stayed held by another thread of this"
            f" process (PID {os.getpid()}) for {timeout:g} s (DEVFIN_WAREHOUSE_LOCK_TIMEOUT)"
        )
    try:
        hold = _HOLDS.get(path)
        if hold is None:
            hold = _HOLDS[path] = _Hold(_acquire(path, purpose, deadline, timeout), 0)
        hold.depth += 1
        try:
            yield
        finally:
            hold.depth -= 1
            if hold.depth == 0:
                _HOLDS.pop(path, None)
                _release(hold.file)
    finally:
        local.release()


def held_fds(settings: Settings) -> tuple[int, ...]:
    """The descriptor of this process's hold on the warehouse lock, if it holds it: passed to a
    child process (`subprocess.run(pass_fds=...)`), the child holds the lock with its parent."""
    path = lock_path(settings)
    hold = _HOLDS.get(path) if path is not None else None
    return (hold.file.fileno(),) if hold is not None else ()


def _acquire(path: Path, purpose: str, deadline: float, timeout: float) -> IO[str]:
    """The open lock file, flocked, with this process written in as its holder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Opened without truncating: the holder's record stays readable until this process has it.
    file = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o664), "r+", encoding="utf-8")
    started = time.monotonic()
    waited = False
    try:
        while True:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = describe_holder(read_holder(path))
                if time.monotonic() >= deadline:
                    raise WarehouseLockTimeout(
                        f"the DuckDB warehouse {path.with_suffix('')} is held by {holder}; gave"
                        f" up after {timeout:g} s (DEVFIN_WAREHOUSE_LOCK_TIMEOUT)"
                    ) from None
                if not waited:
                    log.warning(
                        "waiting for the DuckDB warehouse %s (at most %g s): held by %s",
                        path.with_suffix(""), timeout, holder,
                    )  # fmt: skip
                    waited = True
                time.sleep(POLL_SECONDS)
        record = {**owner_record(), "command": _command(), "purpose": purpose}
        record["since"] = datetime.now(UTC).isoformat(timespec="seconds")
        file.seek(0)
        file.truncate()
        file.write(json.dumps(record))
        file.flush()
    except BaseException:
        file.close()  # closing releases the flock, should this process have got it
        raise
    if waited:
        log.info("got the DuckDB warehouse after %.1f s", time.monotonic() - started)
    return file


def _release(file: IO[str]) -> None:
    """Say nobody holds it, then let it go (closing the file releases the flock)."""
    if file.closed:  # a forked child's copy, closed at the fork
        return
    try:
        file.seek(0)
        file.truncate()
    finally:
        file.close()


def read_holder(path: Path) -> dict[str, Any] | None:
    """What the holder of a lock file wrote into it; None when it is empty or being written."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def describe_holder(holder: dict[str, Any] | None) -> str:
    """The holder of the warehouse in a few words: 'PID 123 on host (devfin run …; load …)
    since …'."""
    if holder is None:
        return "a process that has not yet written its name (or is releasing it)"
    doing = "; ".join(str(part) for part in (holder.get("command"), holder.get("purpose")) if part)
    return (
        f"PID {holder.get('pid')} on {holder.get('host')}"
        + (f" ({doing})" if doing else "")
        + f" since {holder.get('since')}"
    )


def _command() -> str:
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else ""
    return command if len(command) <= 200 else command[:199] + "…"


# --- folders owned by a process -----------------------------------------------------------------


def owner_record() -> dict[str, Any]:
    """This process as an owner file names it: PID, host, and when the process started (so a
    PID the system gave to another process since does not pass for the owner)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": _started(os.getpid())}


def _started(pid: int) -> str | None:
    """When the process started, in clock ticks since boot (Linux); None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the fields after the command name, which is in parentheses and may hold spaces
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def is_running(owner: dict[str, Any]) -> bool:
    """Whether the process an owner record names still runs; True when this host cannot tell
    (another host's process: a shared data folder)."""
    if owner.get("host") != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        pass
    started = owner.get("started")
    return started is None or _started(pid) in (None, started)


def claim(folder: Path) -> Path:
    """Create `folder` (and its parents) with an owner file naming this process."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OWNER_FILE).write_text(json.dumps(owner_record()), encoding="utf-8")
    return folder


@contextmanager
def scratch_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A new folder `<parent>/<prefix><pid>-<random>` owned by this process for the block, then
    removed; the folders of the same prefix that dead processes left behind go first."""
    remove_abandoned(parent.glob(f"{prefix}*"))
    parent.mkdir(parents=True, exist_ok=True)
    folder = claim(Path(tempfile.mkdtemp(dir=parent, prefix=f"{prefix}{os.getpid()}-")))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned(folders: Iterable[Path]) -> list[Path]:
    """Remove the folders whose owner process is no longer running, and those without an owner
    file that are older than `UNOWNED_GRACE_SECONDS` (left by a devfin from before owner files,
    or by a process killed before it wrote one); returns those removed. A live run's folder
    stays."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            owner = None
        except (OSError, ValueError):
            owner = {}  # unreadable: no process to wait for
        if owner is None:
            try:
                age = time.time() - folder.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < UNOWNED_GRACE_SECONDS:
                continue
        elif isinstance(owner, dict) and owner and is_running(owner):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            log.info("removed %s, left by a run that is no longer running", folder)
            removed.append(folder)
    return removed
