"""devfin.transform without dbt or a warehouse: the manifest fingerprint, merged run
results, the ledger rows of dbt tests and the published docs."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devfin.settings import Settings, load_settings
from devfin.transform.docs import publish_docs
from devfin.transform.ledger import dbt_test_rows, keep_node_artifacts, merge_run_results
from devfin.transform.manifest import project_fingerprint

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


def _results(*results: dict) -> str:
    return json.dumps({"metadata": {"invocation_id": "i"}, "args": {}, "results": list(results)})


def test_node_artifacts_kept_and_merged(tmp_path: Path, settings: Settings) -> None:
    for task_id, result in (
        ("dbt.m.run", {"unique_id": "model.devfin.m", "status": "success"}),
        ("dbt.m.test", {"unique_id": "test.devfin.not_null_m_id", "status": "fail"}),
    ):
        project = tmp_path / task_id
        (project / "target").mkdir(parents=True)
        (project / "target" / "run_results.json").write_text(_results(result))
        keep_node_artifacts(project, "manual__2026:01", task_id, settings)
    run_dir = settings.dbt_run_dir("manual__2026:01")
    results = merge_run_results(run_dir)
    assert [r["status"] for r in results] == ["success", "fail"]
    merged = json.loads((run_dir / "run_results.json").read_text())
    assert len(merged["invocations"]) == 2 and merged["results"] == results


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
