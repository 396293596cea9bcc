"""`devfin run` on 2,000 generated sheets, its output a log (not a terminal): under 40 lines, one
line per quarantine reason with its count (as audit.quarantine counts them), no line of dbt's
per node, no exit noise; then `devfin reparse` on a terminal draws a bar per stage. And each
long stage reports its progress through the reporter it is handed."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.samples import write_corpus
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
DEVFIN = str(Path(sys.executable).with_name("devfin"))
SHEETS_PER_SOURCE = 1000  # 2,000 sheets


@pytest.fixture(scope="module")
def big_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("quiet_run")
    write_corpus(root / "sheets", SHEETS_PER_SOURCE, 2026, page_format="mixed", defect_rate=0.1)
    env = {
        **os.environ,
        "DEVFIN_WAREHOUSE_URL": f"duckdb:///{root / 'devfin.duckdb'}",
        "DEVFIN_DATA_DIR": str(root / "data"),
        "DEVFIN_REPORT_DIR": str(root / "reports"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [DEVFIN, "run", "--source", str(root / "sheets"), "--load-id", "quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    print(f"devfin run of {2 * SHEETS_PER_SOURCE} sheets: {seconds:.0f} s")
    return {"env": env, "done": done, "root": root}


def test_devfin_run_on_2000_sheets_prints_under_40_lines(big_run) -> None:
    done = big_run["done"]
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-4000:]
    lines = printed.splitlines()
    assert len(lines) < 40, printed
    assert "leaked" not in printed and "nanobind" not in printed
    assert not re.search(r"\d+ of \d+ (START|PASS|OK)", printed)  # dbt's line per node
    assert "Done. PASS=" in printed  # its summary line stays
    assert "devfin run summary" in done.stdout
    # One line per quarantine reason, with the count audit.quarantine holds
    engine = sa.create_engine(big_run["env"]["DEVFIN_WAREHOUSE_URL"])
    with engine.connect() as conn:
        held = conn.execute(
            sa.text(
                "select source, stage, reason_code, count(*) from audit.quarantine"
                " where load_id = 'quiet' group by 1, 2, 3"
            )
        ).all()
    engine.dispose()
    quarantine_line = re.compile(
        r"WARNING devfin\.pipeline: (\w+): (\d+) sheets? quarantined at (\w+):"
        r" (?:check failed: )?(.+)"
    )
    said = Counter(quarantine_line.findall(printed))
    assert held and sum(said.values()) == len(held)
    for source, stage, reason, count in held:
        assert said[(source, str(count), stage, reason)] == 1, (source, stage, reason)


def _on_a_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """A command with its stdout and stderr on a pseudo-terminal; its exit status and screen."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        command,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    return child.wait(), screen.decode(errors="replace")


def test_reparse_on_a_terminal_draws_a_bar_per_stage(big_run) -> None:
    code, screen = _on_a_terminal([DEVFIN, "reparse", "--no-marts"], big_run["env"])
    assert code == 0, screen[-4000:]
    for stage in ("parse", "validate", "load"):
        assert re.search(rf"adb_pds {stage} .*━.* \d+/\d+", screen), stage
    assert "leaked" not in screen
    assert "devfin run summary" in screen


class _Recorder:
    """A progress reporter that keeps what each stage said: its total and the sum it advanced."""

    def __init__(self) -> None:
        self.stages: dict[str, list[int]] = {}

    @contextmanager
    def stage(self, source: str, stage: str, total: int) -> Iterator[Callable[[int], None]]:
        said = self.stages.setdefault(f"{source} {stage}", [total, 0])

        def advance(count: int) -> None:
            said[1] += count

        yield advance


def test_each_long_stage_reports_its_progress(tmp_path: Path) -> None:
    write_corpus(tmp_path / "sheets", 30, 7, page_format="mixed", defect_rate=0.2)
    settings = load_settings(
        {
            "DEVFIN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'devfin.duckdb'}",
            "DEVFIN_DATA_DIR": str(tmp_path / "data"),
            "DEVFIN_REPORT_DIR": str(tmp_path / "reports"),
            "DEVFIN_SAMPLE_DIR": str(tmp_path / "sheets"),
        }
    )
    recorder = _Recorder()
    counts = ingest("adb_pds", "run-1", settings, progress=recorder)
    parsed = counts["sheets_parsed"]
    assert recorder.stages == {
        "adb_pds fetch": [30, 30],
        "adb_pds parse": [30, 30],
        "adb_pds validate": [parsed, parsed],
        "adb_pds load": [parsed, parsed],
    }
    assert 0 < parsed < 30  # some pages are not sheets: quarantined at parse
