"""The DuckDB warehouse lock (waits, times out naming the holder, re-entrant, released) and the
removal of the folders dead runs left behind."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devfin.errors import ConfigError
from devfin.load.locking import (
    OWNER_FILE,
    UNOWNED_GRACE_SECONDS,
    WarehouseLockTimeout,
    claim,
    held_fds,
    lock_path,
    read_holder,
    remove_abandoned,
    scratch_dir,
    warehouse_lock,
)
from devfin.settings import Settings, load_settings

# A process holding the warehouse until its stdin closes.
HOLDER = """
import sys
from devfin.load.locking import warehouse_lock
from devfin.settings import load_settings

with warehouse_lock(load_settings({"DEVFIN_WAREHOUSE_URL": sys.argv[1]}), "load cdia run r-7"):
    print("held", flush=True)
    sys.stdin.read()
"""


def _settings(tmp_path: Path, timeout: float = 30.0) -> Settings:
    settings = load_settings({"DEVFIN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'w.duckdb'}"})
    return dataclasses.replace(settings, warehouse_lock_timeout_seconds=timeout)


@pytest.fixture
def holder(tmp_path: Path):
    """Another process holding the warehouse of `_settings(tmp_path)`."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, f"duckdb:///{tmp_path / 'w.duckdb'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "held\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def _free(path: Path) -> bool:
    """Whether nobody holds the lock file (tried from a descriptor of its own, which the holds
    of this process exclude too)."""
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(file, fcntl.LOCK_UN)
        return True


def test_the_lock_file_is_beside_the_duckdb_file(tmp_path: Path) -> None:
    assert lock_path(_settings(tmp_path)) == tmp_path / "w.duckdb.lock"
    postgres = load_settings({"DEVFIN_WAREHOUSE_URL": "postgresql+psycopg://u@h:5432/dw"})
    assert lock_path(postgres) is None
    with warehouse_lock(postgres):  # nothing to take
        pass


def test_a_writer_waits_for_the_holder_then_gets_it(tmp_path, holder, caplog) -> None:
    threading.Timer(0.6, holder.stdin.close).start()  # the holder lets go in a while
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="devfin.load.locking"):
        with warehouse_lock(_settings(tmp_path), "load adb_pds run r-8"):
            waited = time.monotonic() - started
            assert read_holder(lock_path(_settings(tmp_path)))["purpose"] == "load adb_pds run r-8"
    assert waited >= 0.5
    waits = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(waits) == 1, waits  # said once, however long the wait
    assert f"held by PID {holder.pid} on {socket.gethostname()}" in waits[0]
    assert "load cdia run r-7" in waits[0] and " since 20" in waits[0]


def test_the_timeout_error_names_the_holder(tmp_path, holder) -> None:
    with pytest.raises(WarehouseLockTimeout) as raised:
        with warehouse_lock(_settings(tmp_path, timeout=0.3)):
            pytest.fail("got a warehouse another process holds")
    message = str(raised.value)
    assert f"held by PID {holder.pid}" in message
    assert "load cdia run r-7" in message
    assert "DEVFIN_WAREHOUSE_LOCK_TIMEOUT" in message


def test_the_lock_is_reentrant_and_released_on_exit(tmp_path: Path) -> None:
    settings = _settings(tmp_path, timeout=1.0)
    path = lock_path(settings)
    with warehouse_lock(settings, "outer"):
        with warehouse_lock(settings, "inner"):  # nested: no wait on itself
            assert not _free(path)
        assert not _free(path)  # the outer hold stands
        assert read_holder(path)["pid"] == os.getpid()
    assert _free(path)
    assert read_holder(path) is None  # nobody named as holder any more


def test_the_lock_is_released_when_the_block_fails(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(RuntimeError), warehouse_lock(settings):
        raise RuntimeError("the load failed")
    assert _free(lock_path(settings))


def test_a_killed_holder_holds_nothing(tmp_path, holder) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with warehouse_lock(_settings(tmp_path, timeout=5.0)):
        assert read_holder(lock_path(_settings(tmp_path)))["pid"] == os.getpid()


def test_a_child_process_holds_the_lock_with_its_parent(tmp_path: Path) -> None:
    """dbt runs as a child holding the parent's lock: should the parent die first, the next
    writer still waits for dbt."""
    settings = _settings(tmp_path)
    with warehouse_lock(settings):
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read()"],
            stdin=subprocess.PIPE,
            pass_fds=held_fds(settings),
        )
    try:
        assert not _free(lock_path(settings))
    finally:
        child.stdin.close()
        child.wait()
    assert _free(lock_path(settings))
    assert held_fds(settings) == ()


def test_a_forked_child_does_not_keep_the_parents_hold(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with warehouse_lock(settings):
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
        child.start()
    try:
        # once the child has run its fork handlers (it closes its copy of the lock file)
        deadline = time.monotonic() + 5
        while not _free(lock_path(settings)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _free(lock_path(settings))
    finally:
        child.kill()
        child.join()


def test_the_timeout_is_a_setting() -> None:
    assert load_settings({}).warehouse_lock_timeout_seconds == 900
    assert (
        load_settings({"DEVFIN_WAREHOUSE_LOCK_TIMEOUT": "30"}).warehouse_lock_timeout_seconds == 30
    )
    with pytest.raises(ConfigError, match="DEVFIN_WAREHOUSE_LOCK_TIMEOUT"):
        load_settings({"DEVFIN_WAREHOUSE_LOCK_TIMEOUT": "soon"})


# --- folders left behind ------------------------------------------------------------------------


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _owned(folder: Path, **owner: object) -> Path:
    folder.mkdir(parents=True)
    (folder / OWNER_FILE).write_text(json.dumps({"host": socket.gethostname(), **owner}))
    (folder / "part.parquet").write_bytes(b"...")
    return folder


def test_only_the_folders_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = _owned(tmp_path / "dead", pid=_dead_pid(), started=None)
    live = claim(tmp_path / "live")  # this process
    reused = _owned(tmp_path / "reused", pid=os.getpid(), started="0")  # its PID given again
    elsewhere = _owned(tmp_path / "elsewhere", pid=_dead_pid(), host="another-worker")
    fresh = tmp_path / "being-claimed"  # no owner file yet: its owner may be about to write it
    fresh.mkdir()
    old = tmp_path / "from-before-owner-files"
    old.mkdir()
    long_ago = time.time() - UNOWNED_GRACE_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    removed = remove_abandoned(sorted(tmp_path.iterdir()))
    assert sorted(removed) == sorted([dead, reused, old])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["being-claimed", "elsewhere", "live"]
    assert live.exists() and elsewhere.exists() and fresh.exists()


def test_a_scratch_folder_is_this_processs_and_goes_with_the_block(tmp_path: Path) -> None:
    abandoned = _owned(tmp_path / "dbt-1-killed", pid=_dead_pid(), started=None)
    other_run = claim(tmp_path / "dbt-2-live")
    with scratch_dir(tmp_path, "dbt-") as scratch:
        assert scratch.name.startswith(f"dbt-{os.getpid()}-")
        assert json.loads((scratch / OWNER_FILE).read_text())["pid"] == os.getpid()
        assert not abandoned.exists()
        assert other_run.exists()
    assert not scratch.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["dbt-2-live"]
