"""Child processes each in a process group of its own: started, watched and stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Component:
    """A long-running child process (an Airflow server, say) and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the system's pick)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def start(name: str, command: Sequence[str], env: Mapping[str, str], log_path: Path) -> Component:
    """Start `command` in a session (so a process group) of its own, its output appended to
    `log_path`: a Ctrl-C at the terminal reaches the caller alone, which stops the group with
    everything the command started in it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Component(name, process, log_path)


def dead(components: Iterable[Component]) -> list[Component]:
    """The components whose process has exited."""
    return [c for c in components if c.process.poll() is not None]


def stop(components: Iterable[Component], grace: float = 10) -> None:
    """SIGTERM every component's process group, then SIGKILL what is left of each after
    `grace` seconds: the group outlives its leader when children (task processes, server
    workers) linger."""
    components = list(components)
    for component in components:
        signal_group(component.process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for component in components:
        try:
            component.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for component in components:
        signal_group(component.process, signal.SIGKILL)
        try:
            component.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # a session of its own: the group id is the leader's pid
    except ProcessLookupError:
        pass
