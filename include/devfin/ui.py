"""`make ui`: the Airflow UI, scheduler and dag-processor over the embedded run, till Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from devfin import processes
from devfin.processes import Component
from devfin.settings import load_settings

# Airflow's own: the servers are the `airflow` next to this Python (devfin never imports it).
AIRFLOW = Path(sys.executable).with_name("airflow")
USER = "admin"  # SimpleAuthManager's user, with the admin role; Airflow generates its password
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"  # under AIRFLOW_HOME: Airflow's
READY_TIMEOUT = 300  # seconds for the servers to answer healthy: a cold DAG parse runs dbt
STOP_GRACE = 10  # seconds each server has to stop on SIGTERM before its group is killed
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def components(host: str, port: int) -> dict[str, list[str]]:
    """The Airflow commands the UI runs: the API server (UI, REST and execution API), the
    scheduler (its LocalExecutor runs the tasks) and the DAG processor. No triggerer: no task of
    devfin defers."""
    return {
        "api-server": ["api-server", "--host", host, "--port", str(port)],
        "scheduler": ["scheduler"],
        "dag-processor": ["dag-processor"],
    }


def ui_environment(
    environ: Mapping[str, str], airflow_home: Path, host: str, port: int
) -> dict[str, str]:
    """The servers' environment: the caller's (`make` exports the embedded run's Airflow
    settings), the Airflow home, where task processes reach the execution API (on the port
    chosen), and SimpleAuthManager's one user, with a password Airflow generates."""
    return {
        **environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{host}:{port}/execution/",
        # The LocalExecutor forks `parallelism` workers up front (32 by default, some 130 MB
        # each); devfin's DAGs run a few tasks at a time (their one-slot pools).
        "AIRFLOW__CORE__PARALLELISM": environ.get("AIRFLOW__CORE__PARALLELISM", "4"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / PASSWORDS_FILE),
    }


def password(airflow_home: Path) -> str | None:
    """USER's password, as the API server generated it (None until it has)."""
    try:
        return json.loads((airflow_home / PASSWORDS_FILE).read_text()).get(USER)
    except (OSError, ValueError):
        return None


def healthy(url: str) -> bool:
    """Whether the API server answers and says the metadata database, scheduler and DAG
    processor are healthy (its health endpoint needs no login)."""
    try:
        with urllib.request.urlopen(f"{url}api/v2/monitor/health", timeout=5) as response:
            health = json.loads(response.read())
    except (OSError, ValueError):  # not listening yet, or not answering JSON
        return False
    parts = ("metadatabase", "scheduler", "dag_processor")
    return all((health.get(part) or {}).get("status") == "healthy" for part in parts)


class Supervisor:
    """The servers as one: started together, watched, and all stopped when one dies or a stop
    signal (Ctrl-C, SIGTERM, SIGHUP) arrives."""

    def __init__(
        self, airflow_home: Path, host: str, port: int, environ: Mapping[str, str]
    ) -> None:
        self.airflow_home = airflow_home
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}/"
        self.env = ui_environment(environ, airflow_home, host, port)
        self.logs = airflow_home / "logs" / "ui"
        self.running: list[Component] = []
        self.stopping = threading.Event()

    def run(self) -> int:
        """Start the servers, say where and how to log in once they are healthy, and wait; the
        exit status: 0 when stopped by a signal, 1 when a server died or never got healthy."""
        handlers = {sig: signal.signal(sig, self._stop_requested) for sig in STOP_SIGNALS}
        try:
            self._start()
            if not self._wait_until_healthy():
                return 0 if self.stopping.is_set() else 1
            self._announce()
            while not self.stopping.wait(2):
                if died := processes.dead(self.running):
                    self._report_dead(died)
                    return 1
            return 0
        finally:
            if self.running:
                print("\nstopping the Airflow servers…", flush=True)
                processes.stop(self.running, STOP_GRACE)
                print("stopped.", flush=True)
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def _stop_requested(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _start(self) -> None:
        for name, args in components(self.host, self.port).items():
            log_path = self.logs / f"{name}.log"
            log_path.unlink(missing_ok=True)  # each session's log alone
            self.running.append(processes.start(name, [str(AIRFLOW), *args], self.env, log_path))
        print(f"starting the Airflow servers (logs in {self.logs}/)…", flush=True)

    def _wait_until_healthy(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.stopping.is_set():
            if died := processes.dead(self.running):
                self._report_dead(died)
                return False
            if healthy(self.url) and password(self.airflow_home):
                return True
            if time.monotonic() > deadline:
                print(f"the Airflow servers were not healthy after {READY_TIMEOUT}s; their logs"
                      f" are in {self.logs}/", file=sys.stderr)  # fmt: skip
                return False
            self.stopping.wait(1)
        return False

    def _announce(self) -> None:
        print(
            f"\nAirflow UI: {self.url}\n"
            f"  log in as {USER}, password {password(self.airflow_home)}"
            f" (kept in {self.airflow_home / PASSWORDS_FILE})\n"
            "  the DAGs start paused: switch one on (its toggle) for its runs to run\n"
            f"  logs of the api-server, scheduler and dag-processor: {self.logs}/\n"
            "  Ctrl-C stops them all.",
            flush=True,
        )

    def _report_dead(self, died: list[Component]) -> None:
        for component in died:
            print(
                f"{component.name} exited ({component.process.returncode}); the end of its log"
                f" {component.log_path}:\n{component.log_tail()}",
                file=sys.stderr,
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devfin.ui", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--airflow-home",
        type=Path,
        help="the Airflow home whose metadata to show (default: <repo>/.airflow, as `make run`)",
    )
    args = parser.parse_args(argv)
    airflow_home = (args.airflow_home or load_settings().repo_dir / ".airflow").resolve()
    if not AIRFLOW.exists():
        print(f"no {AIRFLOW}: install Airflow (`make install`, or `pip install devfin[airflow]`)",
              file=sys.stderr)  # fmt: skip
        return 2
    if not processes.port_is_free(args.port, args.host):
        print(f"port {args.port} on {args.host} is taken: choose another (`make ui UI_PORT=8090`)",
              file=sys.stderr)  # fmt: skip
        return 2
    # The servers inherit this process's environment, as dbt does (devfin.transform.dbt).
    return Supervisor(airflow_home, args.host, args.port, os.environ).run()


if __name__ == "__main__":
    sys.exit(main())
