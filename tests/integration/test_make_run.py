"""`make run`'s runner (`devfin airflow-run`, the command the Makefile's run target calls) on the
bundled samples in a throwaway Airflow home and warehouse: under 60 lines, a line per task and
per DAG, Airflow's output in a file per DAG without the warnings silenced at their source; then
a task that fails: its log tail is printed and the command exits non-zero."""

from __future__ import annotations

import re

import pytest

from devfin.airflow_run import DAGS, is_quiet_mart, marts_line
from tests.made_run import BROKEN_MART, MadeRun

pytestmark = pytest.mark.integration


def test_make_run_prints_under_60_lines_a_line_per_task(made_run: MadeRun) -> None:
    printed = made_run.printed
    assert made_run.done.returncode == 0, printed
    lines = printed.splitlines()
    assert len(lines) < 60, printed
    for dag_id in DAGS:
        log = made_run.logs / f"make-run-{dag_id}.log"
        start = lines.index(f"{dag_id}: airflow dags test, its log in {log}")
        end = next(n for n, line in enumerate(lines) if line.startswith(f"{dag_id}: success in "))
        run = made_run.runs[dag_id]
        assert run.state == "success"
        quiet_marts = [t for t in run.tasks if is_quiet_mart(t)]
        if quiet_marts:  # one line for the marts built without a word to say
            assert marts_line(quiet_marts) in lines[start:end]
        for task in run.tasks:
            if task.state == "skipped":  # named in the DAG's line
                assert task.name in lines[end], task.name
                continue
            if task in quiet_marts:
                continue
            shown = re.compile(rf"  success +\d+\.\d s  {re.escape(task.name)}(  .*)?")
            assert sum(bool(shown.fullmatch(line)) for line in lines[start:end]) == 1, task.name
        # Airflow's own output is in the file, without the warnings silenced at their source
        text = run.log
        assert f"[DAG TEST] end task task_id={run.tasks[-1].task_id}" in text
        assert run.run_id in text
        assert "Could not import graphviz" not in text
        assert "starlette.testclient" not in text
    # the counts a task returned, the quarantine lines of its log, the summary last
    assert re.search(r"  success +\d+\.\d s  fetch\[0\]  fetched 21", printed)
    assert "      warning: adb_pds: 1 sheet quarantined at parse: not_a_data_sheet" in lines
    assert "devfin run summary" in lines and lines[-1].startswith("  DQ report: ")


def test_a_failing_task_prints_its_log_tail_and_exits_non_zero(broken_marts_run: MadeRun) -> None:
    """The marts DAG on a copy of the dbt project where a test of one mart fails (that mart's
    task fails, with no retry): its tail printed, the command failed, no summary."""
    printed = broken_marts_run.printed
    assert broken_marts_run.done.returncode == 1, printed
    lines = printed.splitlines()
    assert any(re.fullmatch(rf"  failed +\d+\.\d s  dbt\.{BROKEN_MART}", line) for line in lines)
    assert any(line.startswith("build_marts: failed in ") for line in lines)
    log = broken_marts_run.logs / "make-run-build_marts.log"
    head = f"--- dbt.{BROKEN_MART} failed: the last 40 lines of its log (all of it: {log})"
    tail = printed.split(head + "\n")[1].split("\n--- ")[0].splitlines()
    assert len(tail) == 40 and all(line.startswith("  | ") for line in tail)
    # the tail says which test failed and why
    assert any(f"assert_{BROKEN_MART}_breakable" in line for line in tail)
    assert "devfin run summary" not in printed
