"""The close of a dbt run: `dbt source freshness` and `dbt docs generate` after its build, its
results merged, its tests and source freshness written into `audit.dq_results`, its docs
published.

A run keeps its dbt artifacts under `Settings.dbt_run_dir(run_id)`:

    build/                         the target of the run's one `dbt build` of the project
    build.json                     that build's stamp and exit codes (`transform.marts`)
    nodes/<task>/run_results.json  a marts DAG task's re-run of its own nodes (`transform.watch`)
    run_results.json               every node result of the run, merged: a re-run's in place
                                   of the build's
    freshness/                     `dbt source freshness` (sources.json)
    target/                        `dbt docs generate` (index.html, catalog.json, manifest.json),
                                   published to `<report dir>/dq/dbt/`

Each target folder starts from the saved parse of the project (`seed_partial_parse`), and the
build and the commands closing it share one child process (`run_dbt_session`): dbt's start-up
and parse are paid once, not per command.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from devfin.settings import Settings
from devfin.transform.dbt import FAILED, DbtError, DbtStep, failure_summary
from devfin.transform.docs import publish_docs
from devfin.transform.manifest import seed_partial_parse

log = logging.getLogger(__name__)


def closing_steps(settings: Settings, run_dir: Path, docs_from: Path | None) -> list[DbtStep]:
    """`dbt source freshness` into `freshness/`, then (with `docs_from`, the compiled manifest of
    the build earlier in the same session) `dbt docs generate` into `target/`, reusing that
    manifest instead of compiling again; each folder started from the saved parse."""
    steps = [DbtStep(run_dir / "freshness", ("source", "freshness"))]
    if docs_from is not None:
        steps.append(
            DbtStep(
                run_dir / "target",
                ("docs", "generate", "--static", "--no-compile"),
                manifest_from=docs_from,
            )
        )
    for step in steps:
        shutil.rmtree(step.out_dir, ignore_errors=True)
        seed_partial_parse(settings, step.out_dir)
    return steps


def record_closed_run(
    load_id: str,
    settings: Settings,
    clock: Callable[[], datetime],
    closing_codes: list[int],
    built: bool = True,
) -> dict[str, int]:
    """The ledger, the docs and the verdict of a dbt run, once its closing steps ran (`built`:
    the run built models; else it only checked source freshness)."""
    from devfin.load.schema import dq_results
    from devfin.load.warehouse import insert_rows, open_warehouse, table_counts

    run_dir = settings.dbt_run_dir(load_id)
    freshness_code, *docs_code = closing_codes
    results = merge_run_results(run_dir)
    target = run_dir / "target"
    nodes = _manifest_nodes(run_dir / "build" / "manifest.json", target / "manifest.json")
    now = clock()
    ledger = dbt_test_rows(results, nodes, load_id, now) + freshness_rows(
        run_dir / "freshness" / "sources.json", load_id, now
    )
    with open_warehouse(settings) as engine:
        with engine.begin() as conn:
            table = dq_results
            conn.execute(
                table.delete().where((table.c.load_id == load_id) & (table.c.source == "dbt"))
            )
            insert_rows(conn, table, ledger)
        marts = table_counts(engine, "marts")
    if not docs_code:
        log.info("dbt docs: the published docs stay (the project is the one they show)")
    elif docs_code[0] == 0:
        log.info("dbt docs: %s", publish_docs(target, settings))
    else:
        log.warning("dbt docs generate failed (exit %s): docs not published", docs_code[0])
    if freshness_code != 0:
        log.warning("dbt source freshness reports stale sources: see audit.dq_results")
    failed = [r for r in results if r["status"] in FAILED]
    if failed or (built and not results):
        raise DbtError(f"dbt run {load_id} failed: {failure_summary(failed, run_dir)}")
    log.info("marts built: %s", ", ".join(f"{k} ({v} rows)" for k, v in marts.items()))
    return marts


def merge_run_results(run_dir: Path) -> list[dict[str, Any]]:
    """Every node result of a run: of its build, and of the nodes its marts DAG tasks re-ran
    since (the latest result of a node wins); also written to `<run dir>/run_results.json`."""
    sources = [path for path in [run_dir / "build" / "run_results.json"] if path.exists()]
    sources += sorted((run_dir / "nodes").glob("*/run_results.json"))
    artifacts = sorted(
        ((path, json.loads(path.read_text())) for path in sources),
        key=lambda pair: pair[1].get("metadata", {}).get("generated_at", ""),
    )
    latest: dict[str, dict[str, Any]] = {}
    invocations = []
    for path, artifact in artifacts:
        for result in artifact.get("results", []):
            latest.pop(result["unique_id"], None)  # a re-run's result goes last, as it ran
            latest[result["unique_id"]] = result
        invocations.append(
            {
                "artifact": str(path.relative_to(run_dir)),
                "invocation_id": artifact.get("metadata", {}).get("invocation_id"),
                "command": artifact.get("args", {}).get("which"),
                "elapsed_time": artifact.get("elapsed_time"),
            }
        )
    results = list(latest.values())
    merged = {"invocations": invocations, "results": results}
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run_results.json").write_text(json.dumps(merged, indent=1, default=str))
    return results


def _manifest_nodes(*candidates: Path) -> dict[str, Any]:
    for path in candidates:
        if path.exists():
            manifest = json.loads(path.read_text())
            return {**manifest["nodes"], **manifest.get("unit_tests", {})}
    return {}


def dbt_test_rows(
    results: list[dict[str, Any]], nodes: dict[str, Any], load_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The ledger rows of the dbt tests among a run's node results."""
    from devfin.load.schema import dq_row  # SQLAlchemy: not at DAG parse time

    rows = []
    for result in results:
        node = nodes.get(result["unique_id"], {})
        if node.get("resource_type", result["unique_id"].split(".")[0]) not in (
            "test",
            "unit_test",
        ):
            continue
        config = node.get("config", {})
        rows.append(
            dq_row(
                load_id=load_id,
                source="dbt",
                suite="dbt_tests",
                check_name=node.get("name", result["unique_id"]),
                expectation_type=node.get("test_metadata", {}).get("name", "singular_test"),
                # dbt's `error` fails the build as a critical GX check holds a sheet back.
                severity="warning" if str(config.get("severity", "")).lower() == "warn"
                else "critical",
                column_name=node.get("column_name"),
                success=result["status"] == "pass",
                unexpected_count=result.get("failures"),
                message=result.get("message") if result["status"] != "pass" else None,
                checked_at=now,
            )
        )  # fmt: skip
    return rows


def freshness_rows(path: Path, load_id: str, now: datetime) -> list[dict[str, Any]]:
    """The ledger rows of `dbt source freshness`: one per source table."""
    from devfin.load.schema import dq_row

    if not path.exists():
        return []
    rows = []
    for result in json.loads(path.read_text()).get("results", []):
        status = result.get("status")
        table = result["unique_id"].removeprefix("source.devfin.")
        rows.append(
            dq_row(
                load_id=load_id,
                source="dbt",
                suite="dbt_source_freshness",
                check_name=f"{table} fresh",
                expectation_type="source_freshness",
                severity="critical" if status in ("error", "runtime error") else "warning",
                column_name="fetched_at",
                success=status == "pass",
                unexpected_count=None if status == "pass" else 1,
                sample_values=[str(result.get("max_loaded_at"))],
                message=None
                if status == "pass"
                else f"{status}: last fetched {result.get('max_loaded_at')}",
                checked_at=now,
            )
        )
    return rows
