"""The marts: `dbt build` of the whole project in one process (`build_marts`, skipped when
neither staging nor the project changed), and the marts DAG's own dbt invocations (`DAG_STEPS`).

How dbt is run is `transform.dbt`; the manifest the marts DAG is drawn from `transform.manifest`;
a run's artifacts and ledger `transform.ledger`; the published docs `transform.docs`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devfin.extract.fetching import utc_now
from devfin.load.locking import warehouse_lock
from devfin.settings import Settings
from devfin.transform.dbt import (
    FAILED,
    DbtError,
    DbtStep,
    failure_summary,
    run_dbt,
    run_dbt_session,
)
from devfin.transform.docs import DOCS_FINGERPRINT, docs_dir
from devfin.transform.ledger import closing_steps, record_closed_run
from devfin.transform.manifest import project_fingerprint, seed_partial_parse

log = logging.getLogger(__name__)


def build_marts(
    load_id: str, settings: Settings, clock: Callable[[], datetime] = utc_now
) -> dict[str, int]:
    """`dbt build` the project in one invocation, then what `record_dbt_run` does: the
    one-process way (`devfin run`, `devfin reparse`) to what the marts DAG does task by task.

    When neither the staging tables nor the project changed since the last full build on this
    warehouse (`FULL_BUILD_STAMP`), nothing is built: every mart would come out the same, and
    the one that reads the audit tables each run writes, the data-quality scorecard, is a view.
    Source freshness is checked either way. dbt's unit tests (fixed inputs: they test the SQL,
    not the data) run when the project changed since the last full build; the docs are
    generated when it changed since they were published.
    """
    # One turn on the warehouse for the whole build: its stamp, dbt, the ledger.
    with warehouse_lock(settings, f"build the marts of run {load_id}"):
        return _build_marts(load_id, settings, clock)


def _build_marts(load_id: str, settings: Settings, clock: Callable[[], datetime]) -> dict[str, int]:
    from devfin.load.warehouse import open_warehouse

    with open_warehouse(settings) as engine:  # the staging tables dbt reads must exist
        stamp = {
            "project": project_fingerprint(settings),
            "warehouse": hashlib.sha256(settings.warehouse_url.encode()).hexdigest()[:16],
            "staging": staging_state(engine),
        }
    stamp_path = settings.data_dir / "dbt" / FULL_BUILD_STAMP
    previous = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    unchanged = previous == stamp
    # dbt's unit tests test the SQL, not the data: run once per version of the project.
    same_project = previous.get("project") == stamp["project"]
    published = docs_dir(settings) / DOCS_FINGERPRINT
    docs = not (published.exists() and published.read_text() == stamp["project"])
    run_dir = settings.dbt_run_dir(load_id)
    build_dir = run_dir / "build"
    shutil.rmtree(build_dir, ignore_errors=True)
    closing = closing_steps(
        settings, run_dir, docs=docs and not unchanged, compiled=build_dir / "manifest.json"
    )
    if unchanged:
        log.info("staging and the dbt project unchanged since the last full build: no mart to"
                 " rebuild; checking source freshness")  # fmt: skip
        return record_closed_run(
            load_id, settings, clock, run_dbt_session(settings, *closing), built=False
        )
    seed_partial_parse(settings, build_dir)
    build = DbtStep(
        build_dir,
        ("build", "--exclude-resource-type", "unit_test") if same_project else ("build",),
    )
    build_code, *closing_codes = run_dbt_session(settings, build, *closing)
    if build_code != 0 and not (build_dir / "run_results.json").exists():
        raise DbtError(f"dbt build failed (exit {build_code}): see {build_dir / 'logs'}")
    stamp_path.unlink(missing_ok=True)
    marts = record_closed_run(load_id, settings, clock, closing_codes)
    stamp_path.write_text(json.dumps(stamp))  # a full build that passed vouches for every mart
    return marts


FULL_BUILD_STAMP = "full-build.json"


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


# The marts DAG around its one task per mart (Cosmos): one dbt invocation builds the layers
# under the marts (seeds, staging views, intermediate tables) with their tests; one runs, after all
# marts are built, the tests of the marts (those spanning several models among them).
MARTS_PATH = "path:models/marts"
DAG_STEPS: dict[str, tuple[str, ...]] = {
    "dbt_foundations": ("build", "--exclude", MARTS_PATH),
    "dbt_mart_tests": ("test", "--select", MARTS_PATH),
}


def run_dag_step(step: str, load_id: str, settings: Settings) -> None:
    """One of the marts DAG's own dbt invocations (`DAG_STEPS`), its artifacts kept with the
    run's; raises DbtError naming the failed nodes."""
    with warehouse_lock(settings, f"dbt {step} of run {load_id}"):
        _run_dag_step(step, load_id, settings)


def _run_dag_step(step: str, load_id: str, settings: Settings) -> None:
    from devfin.load.warehouse import ensure_warehouse

    ensure_warehouse(settings)  # the staging tables dbt reads from must exist before any load
    out_dir = settings.dbt_run_dir(load_id) / "nodes" / step
    shutil.rmtree(out_dir, ignore_errors=True)
    completed = run_dbt(settings, out_dir, *DAG_STEPS[step])
    if completed.returncode == 0:
        return
    results = out_dir / "run_results.json"
    failed = []
    if results.exists():
        failed = [r for r in json.loads(results.read_text())["results"] if r["status"] in FAILED]
    detail = failure_summary(failed, out_dir) if failed else completed.stderr[-2000:]
    raise DbtError(
        f"dbt {' '.join(DAG_STEPS[step])} failed (exit {completed.returncode}): {detail}"
    )
