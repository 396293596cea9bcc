"""Child processes in process groups of their own: a group is stopped whole, children included,
and one that ignores SIGTERM is killed after the grace period."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psutil

from devfin import processes


def alive(pids: list[int]) -> list[int]:
    """The processes still running (a zombie has ended: only its exit status is left)."""
    running = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.NoSuchProcess:
            pass
    return running


def _group(component: processes.Component, count: int) -> list[int]:
    """The pids of a component's process and its children, once it has started `count`."""
    deadline = time.monotonic() + 10
    while True:
        leader = psutil.Process(component.process.pid)
        pids = [leader.pid, *(child.pid for child in leader.children(recursive=True))]
        if len(pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def test_stop_ends_each_group_with_its_children(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    polite = processes.start("polite", ["sh", "-c", "sleep 60 & sleep 60"], env, tmp_path / "a.log")
    # Ignores SIGTERM (its child inherits that), as a server stuck shutting down might.
    stubborn = processes.start(
        "stubborn", ["sh", "-c", "trap '' TERM; sleep 60 & wait"], env, tmp_path / "b.log"
    )
    pids = _group(polite, 3) + _group(stubborn, 2)
    assert len(alive(pids)) == 5
    assert processes.dead([polite, stubborn]) == []
    processes.stop([polite, stubborn], grace=1)
    assert alive(pids) == []
    assert polite.process.returncode == -signal.SIGTERM  # ended by the SIGTERM
    assert stubborn.process.returncode == -signal.SIGKILL  # ignored it: killed after the grace
    assert [c.name for c in processes.dead([polite, stubborn])] == ["polite", "stubborn"]
