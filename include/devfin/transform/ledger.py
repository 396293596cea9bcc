"""The close of a dbt run: its artifacts merged, `dbt source freshness` and `dbt docs generate`
run, its tests and source freshness written into `audit.dq_results`, its docs published.

A run keeps its dbt artifacts under `Settings.dbt_run_dir(run_id)`:

    nodes/<task>/run_results.json  one per dbt invocation of the marts DAG (a model, seed, test)
    build/                         the target of `devfin`'s one-process `dbt build`
    run_results.json               every node result of the run, merged
    freshness/                     `dbt source freshness` (sources.json)
    target/                        `dbt docs generate` (index.html, catalog.json, manifest.json),
                                   published to `<report dir>/dq/dbt/`

Each target folder starts from the saved parse of the project (`seed_partial_parse`), and the
commands closing a run share one child process (`run_dbt_session`): dbt's start-up and parse
are paid once, not per command.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from devfin.extract.fetching import utc_now
from devfin.load.locking import warehouse_lock
from devfin.paths import path_component
from devfin.settings import Settings
from devfin.transform.dbt import FAILED, DbtError, DbtStep, failure_summary, run_dbt_session
from devfin.transform.docs import publish_docs
from devfin.transform.manifest import seed_partial_parse

log = logging.getLogger(__name__)


def keep_node_artifacts(project_dir: Path, run_id: str, task_id: str, settings: Settings) -> Path:
    """Keep what one dbt invocation of the marts DAG wrote (`target/run_results.json`, its log)
    in the run's folder; the invocation's own project copy is about to be deleted."""
    kept = settings.dbt_run_dir(run_id) / "nodes" / path_component(task_id)
    kept.mkdir(parents=True, exist_ok=True)
    for relative in ("target/run_results.json", "logs/dbt.log"):
        if (project_dir / relative).exists():
            shutil.copyfile(project_dir / relative, kept / Path(relative).name)
    return kept


def record_dbt_run(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """Close a dbt run: merge the results of its invocations into `run_results.json`, run
    `dbt source freshness` and `dbt docs generate` (one child process), write every dbt test
    and freshness result into `audit.dq_results` (source `dbt`) beside the GX checks, and
    publish the docs.

    Returns the marts and their row counts; when a node failed, raises DbtError after the
    ledger is written, so "what failed in run X" is answered either way.
    """
    from devfin.load.warehouse import ensure_warehouse

    with warehouse_lock(settings, f"record the dbt run {load_id}"):
        ensure_warehouse(settings)  # dbt below reads the warehouse; its schema must exist
        steps = closing_steps(settings, settings.dbt_run_dir(load_id), docs=True)
        return record_closed_run(load_id, settings, clock, run_dbt_session(settings, *steps))


def closing_steps(
    settings: Settings, run_dir: Path, docs: bool, compiled: Path | None = None
) -> list[DbtStep]:
    """`dbt source freshness` into `freshness/`, then (with `docs`) `dbt docs generate` into
    `target/`, each folder started from the saved parse. With `compiled`, the manifest of a
    build earlier in the same session, the docs reuse it instead of compiling again."""
    steps = [DbtStep(run_dir / "freshness", ("source", "freshness"))]
    if docs and compiled is not None:
        steps.append(
            DbtStep(
                run_dir / "target",
                ("docs", "generate", "--static", "--no-compile"),
                manifest_from=compiled,
            )
        )
    elif docs:
        steps.append(DbtStep(run_dir / "target", ("docs", "generate", "--static")))
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
    """Every node result of a run (from its DAG tasks, or from one `dbt build`), also written to
    `<run dir>/run_results.json`."""
    sources = sorted((run_dir / "nodes").glob("*/run_results.json"))
    sources += [path for path in [run_dir / "build" / "run_results.json"] if path.exists()]
    results: list[dict[str, Any]] = []
    invocations = []
    for path in sources:
        artifact = json.loads(path.read_text())
        results.extend(artifact.get("results", []))
        invocations.append(
            {
                "artifact": str(path.relative_to(run_dir)),
                "invocation_id": artifact.get("metadata", {}).get("invocation_id"),
                "command": artifact.get("args", {}).get("which"),
                "elapsed_time": artifact.get("elapsed_time"),
            }
        )
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
