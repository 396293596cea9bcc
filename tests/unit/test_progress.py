"""What a person reads of `devfin run`: a stage's progress as throttled log lines or as a bar on
a terminal, devfin's lines and its libraries' warnings only, dbt's line per node only asked for,
and no control character of a scraped page reaching the terminal."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from devfin import console
from devfin.progress import BarProgress, LogProgress
from devfin.transform.dbt import log_output


def test_log_progress_says_at_most_a_line_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = LogProgress(every_seconds=300, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="devfin.progress"):
        with progress.stage("adb_pds", "parse", 1000) as advance:
            for _ in range(1000):
                now[0] += 1  # a second a sheet
                advance(1)
    assert caplog.messages == [
        "adb_pds: parse: 300 of 1000 sheets (30%)",
        "adb_pds: parse: 600 of 1000 sheets (60%)",
        "adb_pds: parse: 900 of 1000 sheets (90%)",
    ]


def test_a_quick_stage_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="devfin.progress"):
        with LogProgress().stage("cdia", "load", 50) as advance:
            advance(50)
    assert caplog.messages == []


def test_bar_progress_draws_a_bar_per_stage_and_removes_it() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with BarProgress(console) as progress:
        with progress.stage("adb_pds", "validate", 2000) as advance:
            advance(500)
            progress.bars.refresh()
            drawn = screen.getvalue()
            assert progress.bars.tasks[0].completed == 500
        assert progress.bars.tasks == []  # the stage ended: its bar is gone
    assert "adb_pds validate" in drawn and "500/2000" in drawn and "━" in drawn


def test_the_cli_shows_devfin_lines_and_only_its_libraries_warnings() -> None:
    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "message", None, None)

    assert console._from_devfin_or_warning(record("devfin.pipeline", logging.INFO))
    # GX sets INFO on a logger of its own: its temporary-directory lines are not for a person
    assert not console._from_devfin_or_warning(
        record("great_expectations.data_context.types.base", logging.INFO)
    )
    assert console._from_devfin_or_warning(record("great_expectations", logging.WARNING))


def test_cli_log_lines_keep_no_control_character() -> None:
    line = logging.LogRecord(
        "devfin.pipeline", logging.WARNING, __file__, 1, "sheet %s", ("\x1b[2J\x07x",), None
    )
    formatted = console._PrintableFormatter("%(message)s").format(line)
    assert formatted == "sheet ?[2J?x"


def test_dbt_lines_per_node_go_to_their_own_logger(caplog: pytest.LogCaptureFixture) -> None:
    """Only its summary, warnings and errors on devfin.transform.dbt: the CLI hides the rest."""
    stdout = "\n".join(
        [
            "12:00:01  Running with dbt=1.11.16",
            "12:00:02  1 of 3 START sql table model marts.a ... [RUN]",
            "12:00:03  1 of 3 OK created sql table model marts.a ... [OK in 0.1s]",
            "12:00:03  2 of 3 FAIL 2 not_null_a_id ... [FAIL 2 in 0.02s]",
            "12:00:03  3 of 3 ERROR creating sql view model staging.b ... [ERROR in 0.1s]",
            "12:00:04  [WARNING]: Configuration paths exist which do not apply",
            "12:00:05  Done. PASS=1 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=3",
        ]
    )
    # the output logger's own level too: a CLI test before this one may have raised it
    caplog.set_level(logging.INFO, logger="devfin.transform.dbt.output")
    with caplog.at_level(logging.INFO, logger="devfin.transform.dbt"):
        log_output(stdout)
    shown = [r.getMessage() for r in caplog.records if r.name == "devfin.transform.dbt"]
    assert shown == [
        "dbt: 12:00:03  2 of 3 FAIL 2 not_null_a_id ... [FAIL 2 in 0.02s]",
        "dbt: 12:00:03  3 of 3 ERROR creating sql view model staging.b ... [ERROR in 0.1s]",
        "dbt: 12:00:04  [WARNING]: Configuration paths exist which do not apply",
        "dbt: 12:00:05  Done. PASS=1 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=3",
    ]
    assert len(caplog.records) == 7  # the others on devfin.transform.dbt.output
