"""The marts: one `dbt build` of the whole project, skipped when neither staging nor the project
changed since the last full build on the warehouse (`FULL_BUILD_STAMP`), then its ledger.

`build_marts` does it all in one process (`devfin run`, `devfin reparse`); the marts DAG does the
same in steps: `staging_changed` (`marts_unchanged`), `dbt_build` (`build_project`), a task per
mart and the rest of the build's nodes (`transform.watch`), `dbt_results` (`record_build`).

How dbt is run is `transform.dbt`; the manifest the marts DAG is drawn from `transform.manifest`;
a run's artifacts and ledger rows `transform.ledger`; the published docs `transform.docs`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from devfin.extract.fetching import utc_now
from devfin.load.locking import warehouse_lock
from devfin.settings import Settings
from devfin.transform.dbt import DbtError, DbtStep, run_dbt_session
from devfin.transform.docs import DOCS_FINGERPRINT, docs_dir
from devfin.transform.ledger import closing_steps, record_closed_run
from devfin.transform.manifest import project_fingerprint, seed_partial_parse

log = logging.getLogger(__name__)

FULL_BUILD_STAMP = "full-build.json"  # under <data dir>/dbt/: what the last full build built from
BUILD_RECORD = "build.json"  # in a run's dbt folder: the build's stamp and dbt's exit codes


@dataclass(frozen=True)
class BuildPlan:
    """What a build of the marts has to do, judged from the stamp of the last full build."""

    stamp: dict[str, Any]  # the project, the warehouse and the staging tables as they are now
    unchanged: bool  # all three as at the last full build: every mart would come out the same
    unit_tests: bool  # the project changed since the last full build (they test the SQL only)
    docs: bool  # the project changed since the published docs were generated


def plan_build(settings: Settings) -> BuildPlan:
    """The plan of a build now; opens the warehouse (hold `warehouse_lock` across plan and build,
    so staging cannot change in between)."""
    from devfin.load.warehouse import open_warehouse

    with open_warehouse(settings) as engine:  # the staging tables dbt reads must exist
        stamp = {
            "project": project_fingerprint(settings),
            "warehouse": hashlib.sha256(settings.warehouse_url.encode()).hexdigest()[:16],
            "staging": staging_state(engine),
        }
    path = _stamp_path(settings)
    previous = json.loads(path.read_text()) if path.exists() else {}
    published = docs_dir(settings) / DOCS_FINGERPRINT
    return BuildPlan(
        stamp=stamp,
        unchanged=previous == stamp,
        unit_tests=previous.get("project") != stamp["project"],
        docs=not (published.exists() and published.read_text() == stamp["project"]),
    )


def build_marts(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """`dbt build` the project in one invocation, then `record_build`: the one-process way
    (`devfin run`, `devfin reparse`) to what the marts DAG does task by task.

    When neither the staging tables nor the project changed since the last full build on this
    warehouse (`FULL_BUILD_STAMP`), nothing is built: every mart would come out the same, and
    the one that reads the audit tables each run writes, the data-quality scorecard, is a view.
    Source freshness is checked either way. dbt's unit tests (fixed inputs: they test the SQL,
    not the data) run when the project changed since the last full build; the docs are
    generated when it changed since they were published.
    """
    # One turn on the warehouse for the whole build: its stamp, dbt, the ledger.
    with warehouse_lock(settings, f"build the marts of run {load_id}"):
        plan = plan_build(settings)
        if not plan.unchanged:
            _build(load_id, settings, plan)
            return record_build(load_id, settings, clock)
        log.info("staging and the dbt project unchanged since the last full build: no mart to"
                 " rebuild; checking source freshness")  # fmt: skip
        return check_source_freshness(load_id, settings, clock)


def check_source_freshness(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """`dbt source freshness` alone, its results in the run's ledger (`audit.dq_results`,
    source `dbt`): what a run that built nothing still checks, so that a source bringing no new
    sheet for too long is flagged. Returns the marts and their row counts."""
    with warehouse_lock(settings, f"dbt source freshness of run {load_id}"):
        run_dir = settings.dbt_run_dir(load_id)
        shutil.rmtree(run_dir / "build", ignore_errors=True)
        closing = closing_steps(settings, run_dir, docs_from=None)
        return record_closed_run(
            load_id, settings, clock, run_dbt_session(settings, *closing), built=False
        )


def marts_unchanged(settings: Settings) -> bool:
    """Whether the marts DAG has nothing to build (see `build_marts`), said in the log."""
    plan = plan_build(settings)
    if plan.unchanged:
        log.info(
            "staging and the dbt project unchanged since the last full build on this warehouse"
            " (%s): every mart would come out the same; nothing to build",
            _stamp_path(settings),
        )
    else:
        log.info("staging or the dbt project changed since the last full build: building")
    return plan.unchanged


def build_project(load_id: str, settings: Settings) -> dict[str, int]:
    """The marts DAG's one `dbt build` of the whole project, with source freshness and (when
    the project changed) the docs in the same dbt process; returns how many nodes ended in each
    status. A node that failed fails its own task (`transform.watch`), not this one: this
    raises DbtError only when dbt left no results."""
    with warehouse_lock(settings, f"dbt build of run {load_id}"):
        _build(load_id, settings, plan_build(settings))
    results = json.loads((settings.dbt_run_dir(load_id) / "build" / "run_results.json").read_text())
    counts = Counter(result["status"] for result in results["results"])
    log.info("dbt build: %s", ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return dict(counts)


def _build(load_id: str, settings: Settings, plan: BuildPlan) -> None:
    """`dbt build` into `<run dir>/build/`, `dbt source freshness` and (with `plan.docs`) `dbt
    docs generate` after it in the same process; their exit codes and the plan's stamp go to
    `<run dir>/build.json` for `record_build`. Whatever an earlier build of the run left (its
    results, the re-runs of its nodes) goes first."""
    run_dir = settings.dbt_run_dir(load_id)
    build_dir = run_dir / "build"
    for stale in (build_dir, run_dir / "nodes"):
        shutil.rmtree(stale, ignore_errors=True)
    (run_dir / BUILD_RECORD).unlink(missing_ok=True)
    # The warehouse is about to change: no stamp vouches for it until a build passes.
    _stamp_path(settings).unlink(missing_ok=True)
    seed_partial_parse(settings, build_dir)
    build = DbtStep(
        build_dir,
        ("build",) if plan.unit_tests else ("build", "--exclude-resource-type", "unit_test"),
    )
    closing = closing_steps(
        settings, run_dir, docs_from=build_dir / "manifest.json" if plan.docs else None
    )
    codes = run_dbt_session(settings, build, *closing)
    if not (build_dir / "run_results.json").exists():
        raise DbtError(f"dbt build failed (exit {codes[0]}): see {build_dir / 'logs'}")
    (run_dir / BUILD_RECORD).write_text(json.dumps({"stamp": plan.stamp, "codes": codes}))


def record_build(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """Close a build: its ledger and docs (`ledger.record_closed_run`), with the results of the
    nodes re-run since in place of the build's own; when every node passed, the build's stamp
    becomes the last full build's. Returns the marts and their row counts; raises DbtError
    naming the failed nodes (after writing the ledger)."""
    run_dir = settings.dbt_run_dir(load_id)
    record_path = run_dir / BUILD_RECORD
    if not record_path.exists():
        raise DbtError(f"run {load_id} has no dbt build to record (see its dbt_build task)")
    record = json.loads(record_path.read_text())
    with warehouse_lock(settings, f"record the dbt run {load_id}"):
        marts = record_closed_run(load_id, settings, clock, record["codes"][1:])
        # every node passed: the marts are those of the staging the build read
        _stamp_path(settings).write_text(json.dumps(record["stamp"]))
    return marts


def _stamp_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / FULL_BUILD_STAMP


def staging_state(engine: Any) -> dict[str, list[Any]]:
    """What identifies the contents of the staging tables: each one's row count and latest run
    id. Staging only ever gains rows (a sheet version is loaded once, by one run)."""
    import sqlalchemy as sa

    from devfin.load.schema import STAGING_TABLES

    with engine.connect() as conn:
        return {
            name: [
                str(value) if value is not None else None
                for value in conn.execute(
                    sa.select(sa.func.count(), sa.func.max(table.c.load_id))
                ).one()
            ]
            for name, table in sorted(STAGING_TABLES.items())
        }
