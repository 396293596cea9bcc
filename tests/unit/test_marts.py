"""devfin.transform without dbt or a warehouse: the manifest fingerprint, merged run
results, the ledger rows of dbt tests, the published docs, and the marts DAG's tasks answering
for the nodes of its one build (which task owns which node, its verdict, its re-run)."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import devfin.transform.watch
from devfin.settings import Settings, load_settings
from devfin.transform.dbt import DbtError
from devfin.transform.docs import publish_docs
from devfin.transform.ledger import dbt_test_rows, merge_run_results
from devfin.transform.manifest import project_fingerprint
from devfin.transform.watch import FOUNDATIONS, MART_TESTS, build_nodes, mart_graph, owner, watch

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, repo_dir: Path) -> Settings:
    project = tmp_path / "dbt"
    shutil.copytree(repo_dir / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    return load_settings(
        {
            "DEVFIN_REPO_DIR": str(repo_dir),
            "DEVFIN_DATA_DIR": str(tmp_path / "data"),
            "DEVFIN_REPORT_DIR": str(tmp_path / "reports"),
            "DEVFIN_DBT_PROJECT_DIR": str(project),
            "DEVFIN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'w.duckdb'}",
        }
    )


def test_fingerprint_follows_the_models_not_dbt_output(settings: Settings) -> None:
    before = project_fingerprint(settings)
    (settings.dbt_project_dir / "target").mkdir()
    (settings.dbt_project_dir / "target" / "manifest.json").write_text("{}")
    (settings.dbt_project_dir / "logs").mkdir()
    (settings.dbt_project_dir / "logs" / "dbt.log").write_text("noise")
    assert project_fingerprint(settings) == before
    model = next((settings.dbt_project_dir / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- changed\n")
    assert project_fingerprint(settings) != before


def test_fingerprint_follows_the_target(settings: Settings) -> None:
    postgres = dataclasses.replace(settings, warehouse_url="postgresql+psycopg://u@127.0.0.1/d")
    assert project_fingerprint(settings) != project_fingerprint(postgres)


def _results(*results: dict, invocation: str = "i", at: str = "2026-01-02T03:04:05Z") -> str:
    return json.dumps(
        {
            "metadata": {"invocation_id": invocation, "generated_at": at},
            "args": {},
            "results": list(results),
        }
    )


def test_merged_results_hold_a_rerun_in_place_of_the_build(settings: Settings) -> None:
    run_dir = settings.dbt_run_dir("manual__2026:01")
    (run_dir / "build").mkdir(parents=True)
    (run_dir / "build" / "run_results.json").write_text(
        _results(
            {"unique_id": "model.devfin.m", "status": "success"},
            {"unique_id": "test.devfin.not_null_m_id", "status": "fail"},
            {"unique_id": "model.devfin.n", "status": "success"},
        )
    )
    (run_dir / "nodes" / "dbt.m").mkdir(parents=True)
    (run_dir / "nodes" / "dbt.m" / "run_results.json").write_text(
        _results(
            {"unique_id": "model.devfin.m", "status": "success"},
            {"unique_id": "test.devfin.not_null_m_id", "status": "pass"},
            at="2026-01-02T03:09:00Z",
        )
    )
    results = merge_run_results(run_dir)
    assert [(r["unique_id"], r["status"]) for r in results] == [
        ("model.devfin.n", "success"),
        ("model.devfin.m", "success"),
        ("test.devfin.not_null_m_id", "pass"),
    ]
    merged = json.loads((run_dir / "run_results.json").read_text())
    assert [i["artifact"] for i in merged["invocations"]] == [
        "build/run_results.json",
        "nodes/dbt.m/run_results.json",
    ]
    assert merged["results"] == results


# A dbt project in miniature: a seed and a staging model under two marts, `b` reading `a`; a test
# of `a` alone, one of `a` against the seed, one spanning both marts, one of the staging model,
# and a unit test of `a`.
def _node(kind: str, name: str, path: str, *parents: str) -> dict[str, Any]:
    return {
        "resource_type": kind,
        "name": name,
        "original_file_path": path,
        "fqn": ["devfin", *Path(path).with_suffix("").parts[1:-1], name],
        "depends_on": {"nodes": list(parents)},
        "config": {},
    }


NODES = {
    "seed.devfin.lookup": _node("seed", "lookup", "seeds/lookup.csv"),
    "model.devfin.stg_a": _node("model", "stg_a", "models/staging/stg_a.sql"),
    "model.devfin.a": _node("model", "a", "models/marts/a.sql", "model.devfin.stg_a"),
    "model.devfin.b": _node("model", "b", "models/marts/b.sql", "model.devfin.a"),
    "test.devfin.not_null_a_id": _node(
        "test", "not_null_a_id", "models/marts/x.yml", "model.devfin.a"
    ),
    "test.devfin.rel_a_lookup": _node(
        "test", "rel_a_lookup", "models/marts/x.yml", "seed.devfin.lookup", "model.devfin.a"
    ),
    "test.devfin.rel_b_a": _node(
        "test", "rel_b_a", "models/marts/x.yml", "model.devfin.a", "model.devfin.b"
    ),
    "test.devfin.not_null_stg_a_id": _node(
        "test", "not_null_stg_a_id", "models/staging/x.yml", "model.devfin.stg_a"
    ),
    "analysis.devfin.notes": _node("analysis", "notes", "analyses/notes.sql", "model.devfin.b"),
}
UNIT_TESTS = {
    "unit_test.devfin.a.sums": _node(
        "unit_test", "sums", "models/marts/a/sums.yml", "model.devfin.a"
    )
}
PASSING = {
    "seed.devfin.lookup": "success",
    "model.devfin.stg_a": "success",
    "model.devfin.a": "success",
    "model.devfin.b": "success",
    "test.devfin.not_null_a_id": "pass",
    "test.devfin.rel_a_lookup": "pass",
    "test.devfin.rel_b_a": "pass",
    "test.devfin.not_null_stg_a_id": "pass",
}


def _build(
    settings: Settings, load_id: str, statuses: dict[str, str], invocation: str = "b1"
) -> Path:
    """A run's build as `marts.build_project` leaves it: unit tests excluded (the project was
    unchanged), its results, its manifest and log."""
    build = settings.dbt_run_dir(load_id) / "build"
    (build / "logs").mkdir(parents=True, exist_ok=True)
    (build / "manifest.json").write_text(json.dumps({"nodes": NODES, "unit_tests": UNIT_TESTS}))
    artifact = json.loads(
        _results(
            *({"unique_id": u, "status": s} for u, s in statuses.items()), invocation=invocation
        )
    )
    artifact["args"]["exclude_resource_types"] = ["unit_test"]
    (build / "run_results.json").write_text(json.dumps(artifact))
    (build / "logs" / "dbt.log").write_text(
        "\x1b[0m03:04:05 1 of 8 START sql table model marts.a ... [RUN]\n"
        "03:04:05 2 of 8 OK created sql view model main.stg_a ... [OK in 0.1s]\n"
        "03:04:06 5 of 8 FAIL 2 not_null_a_id ... [FAIL 2 in 0.02s]\n"
    )
    return build


def test_every_node_belongs_to_one_task() -> None:
    nodes = build_nodes({"nodes": NODES, "unit_tests": UNIT_TESTS})
    assert "analysis.devfin.notes" not in nodes  # dbt build does not run analyses
    assert {uid: owner(node, nodes) for uid, node in nodes.items()} == {
        "seed.devfin.lookup": FOUNDATIONS,
        "model.devfin.stg_a": FOUNDATIONS,
        "test.devfin.not_null_stg_a_id": FOUNDATIONS,
        "model.devfin.a": "dbt.a",
        "test.devfin.not_null_a_id": "dbt.a",
        "test.devfin.rel_a_lookup": "dbt.a",  # its only mart is a
        "unit_test.devfin.a.sums": "dbt.a",
        "model.devfin.b": "dbt.b",
        "test.devfin.rel_b_a": MART_TESTS,
    }


def test_marts_drawn_with_the_marts_they_read(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": NODES, "unit_tests": UNIT_TESTS}))
    assert mart_graph(manifest) == {"a": [], "b": ["a"]}


def test_a_failing_test_fails_its_mart_alone(settings: Settings, caplog) -> None:
    _build(settings, "run-1", {**PASSING, "test.devfin.not_null_a_id": "fail"})
    caplog.set_level(logging.INFO, logger="devfin.transform.watch")
    with pytest.raises(DbtError, match=r"dbt\.a: test\.devfin\.not_null_a_id: fail"):
        watch("dbt.a", "run-1", settings)
    # The lines of dbt's log naming a's nodes, not those of other nodes that contain the name.
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("dbt: ")]
    assert logged == [
        "dbt: 03:04:05 1 of 8 START sql table model marts.a ... [RUN]",
        "dbt: 03:04:06 5 of 8 FAIL 2 not_null_a_id ... [FAIL 2 in 0.02s]",
    ]
    # The unit test was not run (the build excluded unit tests): not a failure.
    assert watch("dbt.b", "run-1", settings) == {"success": 1}
    assert watch(FOUNDATIONS, "run-1", settings) == {"success": 2, "pass": 1}
    assert watch(MART_TESTS, "run-1", settings) == {"pass": 1}


@pytest.mark.parametrize(
    ("statuses", "error"),
    [
        ({**PASSING, "model.devfin.b": "skipped"}, r"model\.devfin\.b: skipped"),
        ({k: v for k, v in PASSING.items() if k != "model.devfin.b"}, r"model\.devfin\.b: not run"),
    ],
)
def test_a_mart_skipped_or_not_built_fails_its_task(settings: Settings, statuses, error) -> None:
    _build(settings, "run-1", statuses)
    with pytest.raises(DbtError, match=error):
        watch("dbt.b", "run-1", settings)


def test_no_build_no_answer(settings: Settings) -> None:
    with pytest.raises(DbtError, match="no dbt build results"):
        watch("dbt.a", "run-1", settings)


def test_asked_again_a_task_builds_its_own_nodes_alone(settings: Settings, monkeypatch) -> None:
    runs: list[tuple[str, ...]] = []

    def run_dbt(settings: Settings, out_dir: Path, *command: str, lock: bool = True):
        runs.append(command)
        selected = command[command.index("--select") + 1 :]
        ran = [
            {"unique_id": uid, "status": "success" if uid.startswith("model") else "pass"}
            for uid, node in {**NODES, **UNIT_TESTS}.items()
            if f"fqn:{'.'.join(node['fqn'])}" in selected
        ]
        (out_dir / "run_results.json").write_text(
            _results(*ran, invocation=f"re{len(runs)}", at="2026-01-02T03:09:00Z")
        )
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(devfin.transform.watch, "run_dbt", run_dbt)
    monkeypatch.setattr(devfin.transform.watch, "seed_partial_parse", lambda *args: None)
    _build(settings, "run-1", {**PASSING, "test.devfin.not_null_a_id": "fail"})
    with pytest.raises(DbtError):
        watch("dbt.a", "run-1", settings)
    assert runs == []
    # Cleared (or retried): a's model and its tests, no other node, and its verdict from that.
    assert watch("dbt.a", "run-1", settings) == {"success": 1, "pass": 3}
    assert runs == [
        (
            "build",
            "--indirect-selection",
            "empty",
            "--select",
            "fqn:devfin.marts.a",
            "fqn:devfin.marts.not_null_a_id",
            "fqn:devfin.marts.rel_a_lookup",
            "fqn:devfin.marts.a.sums",
        )
    ]
    # The run's results hold the re-run's in place of the build's: the ledger sees the pass.
    merged = {r["unique_id"]: r["status"] for r in merge_run_results(settings.dbt_run_dir("run-1"))}
    assert merged["test.devfin.not_null_a_id"] == "pass"
    watch("dbt.a", "run-1", settings)  # and again, as often as it is asked
    assert len(runs) == 2
    # A new build of the run (dbt_build cleared too): answered from it, nothing re-run.
    _build(settings, "run-1", PASSING, invocation="b2")
    assert watch("dbt.a", "run-1", settings) == {"success": 1, "pass": 2}
    assert len(runs) == 2


def test_test_rows_cover_data_and_unit_tests_only() -> None:
    nodes = {
        "test.devfin.not_null_m_id": {
            "resource_type": "test",
            "name": "not_null_m_id",
            "column_name": "id",
            "config": {"severity": "warn"},
            "test_metadata": {"name": "not_null"},
        },
        "unit_test.devfin.m.sums": {"resource_type": "unit_test", "name": "sums", "config": {}},
    }
    results = [
        {"unique_id": "model.devfin.m", "status": "success"},
        {"unique_id": "test.devfin.not_null_m_id", "status": "warn", "failures": 2, "message": "x"},
        {"unique_id": "unit_test.devfin.m.sums", "status": "pass"},
    ]
    rows = dbt_test_rows(results, nodes, "run-1", NOW)
    assert [(r["check_name"], r["severity"], r["success"]) for r in rows] == [
        ("not_null_m_id", "warning", False),
        ("sums", "critical", True),
    ]
    assert rows[0]["unexpected_count"] == 2 and rows[0]["expectation_type"] == "not_null"


def test_docs_published_at_once(tmp_path: Path, settings: Settings) -> None:
    target = tmp_path / "target"
    target.mkdir()
    for name in ("index.html", "static_index.html", "catalog.json", "manifest.json", "x.msgpack"):
        (target / name).write_text(name)
    published = publish_docs(target, settings)
    (target / "index.html").write_text("second")
    assert publish_docs(target, settings) == published
    assert sorted(p.name for p in published.iterdir()) == [
        "catalog.json",
        "index.html",
        "manifest.json",
        "project-fingerprint",
        "static_index.html",
    ]
    assert (published / "project-fingerprint").read_text() == project_fingerprint(settings)
    assert (published / "index.html").read_text().endswith('">second')
    assert (
        (published / "index.html")
        .read_text()
        .startswith("<meta http-equiv='Content-Security-Policy'")
    )  # set on the copy published, dbt's own file left as dbt wrote it
    assert (target / "index.html").read_text() == "second"
    assert [p.name for p in published.parent.iterdir()] == ["dbt"]  # no partial folder left
