"""`make ui`'s supervisor without Airflow: the servers' environment, a server that dies stopping
the rest, a taken port refused, and the make target's command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

from devfin import processes, ui
from tests.unit.test_processes import alive

REPO_DIR = Path(__file__).resolve().parents[2]


def test_the_servers_reach_the_execution_api_on_the_port_chosen(tmp_path: Path) -> None:
    env = ui.ui_environment(
        {"PATH": "/bin", "AIRFLOW_HOME": "/elsewhere"}, tmp_path, "127.0.0.1", 8090
    )
    assert env["PATH"] == "/bin"  # the caller's environment goes through
    assert env["AIRFLOW_HOME"] == str(tmp_path)
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8090/execution/"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"].startswith(str(tmp_path))
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    mine = ui.ui_environment({"AIRFLOW__CORE__PARALLELISM": "8"}, tmp_path, "127.0.0.1", 8090)
    assert mine["AIRFLOW__CORE__PARALLELISM"] == "8"  # set by the caller: kept
    commands = ui.components("127.0.0.1", 8090)
    assert set(commands) == {"api-server", "scheduler", "dag-processor"}
    assert commands["api-server"][-4:] == ["--host", "127.0.0.1", "--port", "8090"]


def test_a_server_that_dies_stops_the_others(tmp_path: Path, monkeypatch, capsys) -> None:
    """The scheduler exits at once: the supervisor says so with its log, stops the api-server
    and dag-processor (which would run on), and exits 1."""
    fake = tmp_path / "airflow"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = scheduler ]; then echo "scheduler: cannot start"; exit 3; fi\n'
        "sleep 60 & wait\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr(ui, "AIRFLOW", fake)
    environ = {"PATH": "/usr/bin:/bin"}
    supervisor = ui.Supervisor(tmp_path / "home", "127.0.0.1", processes.free_port(), environ)
    assert supervisor.run() == 1
    assert all(c.process.poll() is not None for c in supervisor.running)
    assert alive([c.process.pid for c in supervisor.running]) == []
    err = capsys.readouterr().err
    assert "scheduler exited (3)" in err and "scheduler: cannot start" in err


def test_ctrl_c_while_starting_stops_the_servers(tmp_path: Path, monkeypatch) -> None:
    """SIGINT before the servers are healthy (these never are): all stopped, exit status 0."""
    fake = tmp_path / "airflow"
    fake.write_text("#!/bin/sh\nsleep 60 & wait\n")
    fake.chmod(0o755)
    monkeypatch.setattr(ui, "AIRFLOW", fake)
    environ = {"PATH": "/usr/bin:/bin"}
    supervisor = ui.Supervisor(tmp_path / "home", "127.0.0.1", processes.free_port(), environ)
    before = signal.getsignal(signal.SIGINT)  # pytest's, or ignored when run in the background
    threading.Timer(1, os.kill, (os.getpid(), signal.SIGINT)).start()
    assert supervisor.run() == 0
    assert len(supervisor.running) == 3
    assert alive([c.process.pid for c in supervisor.running]) == []
    assert signal.getsignal(signal.SIGINT) == before  # restored


def test_a_taken_port_is_refused(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert ui.main(["--port", str(port), "--airflow-home", "/nonexistent"]) == 2
    assert f"port {port} on 127.0.0.1 is taken" in capsys.readouterr().err


def test_make_ui_runs_the_supervisor_on_the_port_given() -> None:
    # Not a sub-make of `make test`'s: that one would print its directory around the command.
    environ = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "ui", "UI_PORT=8090"],
        cwd=REPO_DIR,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    command = done.stdout.strip().splitlines()[-1]
    assert command == (
        f"exec {REPO_DIR}/.venv/bin/python -m devfin.ui --port 8090"
        f" --airflow-home {REPO_DIR}/.airflow"
    )
