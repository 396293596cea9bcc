"""`make run`'s runner (`devfin.airflow_run`) against a stand-in `airflow` that writes a log and
Airflow's metadata tables as `airflow dags test` does: a line per task as it ends, the warnings
of its log, the skipped tasks in the DAG's line; a failed task's log tail, and no DAG after it."""

from __future__ import annotations

import io
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from devfin import airflow_run
from devfin.airflow_run import (
    TaskEnd,
    describe,
    is_quiet_mart,
    marts_line,
    run_dags,
    task_line,
    warnings_in,
)

SCHEMA = """
create table dag_run (id integer primary key, dag_id text, run_id text, state text,
                      start_date timestamp, end_date timestamp);
create table task_instance (dag_id text, run_id text, task_id text, map_index integer,
                            state text, try_number integer, duration float,
                            start_date timestamp, end_date timestamp);
create table xcom (dag_id text, run_id text, task_id text, map_index integer, key text,
                   value json);
"""

# As `airflow dags test DAG` does it: the run, then each task between Airflow's marks, its state
# in the metadata before its end mark; `good` succeeds, `bad` fails in its task `load`.
FAKE_AIRFLOW = textwrap.dedent(
    """\
    #!{python}
    import json, os, sqlite3, sys
    dag_id = sys.argv[3]
    db = sqlite3.connect(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"][len("sqlite:///"):])
    run_id = "manual__" + dag_id
    db.execute("insert into dag_run (dag_id, run_id, state, start_date) values (?, ?, 'running',"
               " '2026-12-07 10:00:00')", (dag_id, run_id))
    db.commit()
    print("2026-12-07T10:00:00.000000Z [warning  ] Could not import something noisy [py.warnings]")

    started = []

    def task(task_id, state, lines, result=None, map_index=-1, ran=True):
        started.append(task_id)
        if ran:
            print(f"[info] [DAG TEST] starting task_id={{task_id}} map_index={{map_index}} [x]")
            for line in lines:
                print(line)
        db.execute("insert into task_instance values (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                   (dag_id, run_id, task_id, map_index, state, 1.25 if ran else None,
                    f"2026-12-07 10:00:0{{len(started)}}", "2026-12-07 10:00:09"))
        if result is not None:
            db.execute("insert into xcom values (?, ?, ?, ?, 'return_value', ?)",
                       (dag_id, run_id, task_id, map_index, json.dumps(result)))
        db.commit()
        if ran:
            print(f"[info] [DAG TEST] end task task_id={{task_id}} map_index={{map_index}} [x]")

    task("fetch", "success", ["fetching"], {{"fetched": 21}}, map_index=0)
    if dag_id == "good":
        task("load", "success", [
            "2026-12-07T10:00:01.5Z [warning  ] adb_pds: 2 sheets quarantined at parse:"
            " not_a_data_sheet [devfin.pipeline] loc=pipeline.py:288",
            "2026-12-07T10:00:01.6Z [info     ] adb_pds: 18 loaded [devfin.pipeline]",
            "2026-12-07T10:00:01.7Z [warning  ] sheet \\x1b[31mred\\x07 [devfin.pipeline]",
        ], {{"sheets_loaded": 18, "sheets_failed": 0, "rows_loaded": 323}})
        task("source_freshness", "skipped", [], ran=False)
        state, code = "success", 0
    else:
        task("load", "failed", [f"load line {{n}}" for n in range(60)] + ["\\x1b[31mboom\\x1b[0m"])
        task("dq_report", "upstream_failed", [], ran=False)
        state, code = "failed", 1
    db.execute("update dag_run set state = ?, end_date = '2026-12-07 10:00:03' where run_id = ?",
               (state, run_id))
    db.commit()
    sys.exit(code)
    """
)


@pytest.fixture
def fake_airflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    script = tmp_path / "airflow"
    script.write_text(FAKE_AIRFLOW.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setattr(airflow_run, "AIRFLOW", script)
    metadata = tmp_path / "airflow.db"
    with sqlite3.connect(metadata) as conn:
        conn.executescript(SCHEMA)
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{metadata}", "PATH": "/usr/bin"}
    return {"metadata": metadata, "env": env, "logs": tmp_path / "logs"}


def _run(fake_airflow: dict, dags: list[str]) -> tuple[list[airflow_run.DagRunOutcome], str]:
    out = io.StringIO()
    outcomes = run_dags(dags, fake_airflow["logs"], fake_airflow["metadata"], out,
                        fake_airflow["env"])  # fmt: skip
    return outcomes, out.getvalue()


def test_a_line_per_task_its_warnings_and_the_dag(fake_airflow) -> None:
    outcomes, printed = _run(fake_airflow, ["good"])
    log = fake_airflow["logs"] / "make-run-good.log"
    assert printed.splitlines() == [
        f"good: airflow dags test, its log in {log}",
        "  success    1.2 s  fetch[0]  fetched 21",
        "  success    1.2 s  load  loaded 18, rows_loaded 323",
        "      warning: adb_pds: 2 sheets quarantined at parse: not_a_data_sheet",
        "      warning: sheet red?",  # its colour code dropped, the bell inert
        "good: success in 3.0 s"
        f" ({outcomes[0].wall_seconds:.1f} s with Airflow's start); 1 skipped: source_freshness",
    ]
    # Airflow's own output is in the file, not printed
    assert "Could not import something noisy" in log.read_text()
    assert outcomes[0].succeeded and outcomes[0].run_id == "manual__good"
    assert [t.name for t in outcomes[0].tasks] == ["fetch[0]", "load", "source_freshness"]


def test_a_failed_task_prints_its_log_tail_and_stops_the_dags(fake_airflow) -> None:
    outcomes, printed = _run(fake_airflow, ["good", "bad", "never"])
    assert [o.dag_id for o in outcomes] == ["good", "bad"]  # `never` not started
    assert not outcomes[-1].succeeded and outcomes[-1].exit_code == 1
    lines = printed.splitlines()
    start = lines.index(
        f"bad: airflow dags test, its log in {fake_airflow['logs']}/make-run-bad.log"
    )
    assert lines[start + 1 : start + 5] == [
        "  success    1.2 s  fetch[0]  fetched 21",
        "  failed     1.2 s  load",
        "  upstream_failed          dq_report",
        f"bad: failed in 3.0 s ({outcomes[-1].wall_seconds:.1f} s with Airflow's start)",
    ]
    log = fake_airflow["logs"] / "make-run-bad.log"
    tail = printed.split(f"--- load failed: the last 40 lines of its log (all of it: {log})\n")[1]
    assert tail.splitlines()[0] == "  | load line 21"
    assert tail.splitlines()[-1] == "  | boom"  # colour codes dropped
    assert "load line 20\n" not in printed and "never" not in printed
    assert "\x1b" not in printed


def test_a_dag_failing_before_any_task_prints_the_log_tail(fake_airflow, tmp_path) -> None:
    """No task failed (Airflow itself did, e.g. a DAG that does not parse): the log's tail."""
    (tmp_path / "airflow").write_text("#!/bin/sh\necho 'Dag not found'\nexit 1\n")
    outcomes, printed = _run(fake_airflow, ["missing"])
    assert outcomes[0].exit_code == 1 and outcomes[0].state is None
    assert "missing: not run" in printed
    assert "--- airflow dags test missing failed (exit 1)" in printed
    assert printed.rstrip().endswith("  | Dag not found")


def test_describe_says_what_a_task_returned_on_one_line() -> None:
    assert describe({"sheets_loaded": 3, "sheets_failed": 0, "rows_loaded": 9}) == (
        "loaded 3, rows_loaded 9"
    )
    assert describe([0, 1]) == describe(True) == describe(None) == ""
    assert describe("/a/report.html") == "/a/report.html"
    long = describe({f"mart_{n}": n + 1 for n in range(40)})
    assert len(long) == 100 and long.endswith("…")
    assert describe("page \x1b]0;title\x07 text") == "page ?]0;title? text"


def test_warnings_in_a_task_log_are_its_warnings_and_errors() -> None:
    lines = [
        "2026-12-07T10:00:01Z [info     ] fine [devfin.pipeline] loc=pipeline.py:1",
        "2026-12-07T10:00:01Z [warning  ] cdia: template drift? x [devfin.load.audit] loc=a.py:1",
        "2026-12-07T10:00:01Z [error    ] it broke: [x] y [airflow.task] loc=b.py:2 k=v",
        "  a traceback line mentioning [warning  ]",
    ]
    assert warnings_in(lines) == ["warning: cdia: template drift? x", "error: it broke: [x] y"]


def test_a_failed_try_to_be_retried_says_so() -> None:
    task = TaskEnd("fetch", 0, "up_for_retry", 1, 2.0, None, ("x [warning  ] y",))
    assert task_line(task)[0] == "  failed (try 1, to be retried)   2.0 s  fetch[0]"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1/airflow", "not a SQLite URL"),
        ("sqlite:////nowhere/airflow.db", "`make airflow-init` makes it"),
    ],
)
def test_airflow_run_needs_the_embedded_metadata(tmp_path, capsys, url, said) -> None:
    from devfin.cli import main

    assert main(["airflow-run", "--metadata", url, "--log-dir", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err


def test_the_marts_built_quietly_are_one_line_and_a_mart_with_words_its_own() -> None:
    quiet = [
        TaskEnd(f"dbt.{name}", -1, "success", 1, 1.5, {"rows": 3}, ("INFO: built",))
        for name in ("projects", "tenders")
    ]
    said = "2026-12-07T10:00:00.000+0000 [warning  ] stale source [devfin.transform]"
    warned = TaskEnd("dbt.portfolio", -1, "success", 1, 2.0, {}, (said,))
    failed = TaskEnd("dbt.open_tenders", -1, "failed", 1, 2.0, {}, ())
    other = TaskEnd("dbt_foundations", -1, "success", 1, 9.0, {}, ())
    assert [is_quiet_mart(t) for t in (*quiet, warned, failed, other)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert marts_line(quiet) == "  success    3.0 s  2 marts (dbt.*): projects, tenders"
    many = quiet * 30
    assert len(marts_line(many)) == 100 and marts_line(many).endswith("…")
