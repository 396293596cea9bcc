"""The marts: dbt in a child process, the manifest the marts DAG is drawn from, the ledger of a
dbt run (its tests and source freshness in `audit.dq_results`) and the published dbt docs.

dbt always runs as a child process (`dbt_executable()`): in-process, dbt-duckdb keeps the DuckDB
file open with its own configuration, which would lock the calling process (an Airflow worker,
the CLI) out of the warehouse until it exits.

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

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from devfin import csp
from devfin.errors import DevfinError
from devfin.extract.fetching import utc_now
from devfin.load.locking import held_fds, scratch_dir, warehouse_lock
from devfin.paths import path_component
from devfin.settings import Settings

log = logging.getLogger(__name__)

PROFILE_NAME = "devfin"  # the profile in dbt/profiles.yml
FAILED = ("error", "fail", "runtime error")
DOCS_FILES = ("index.html", "static_index.html", "catalog.json", "manifest.json")
MANIFESTS_KEPT = 3
# Folders of a dbt project that dbt writes to; what is in them does not change the project.
_GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages"})


class DbtError(DevfinError):
    """dbt failed: a node of the run, or parsing the project."""


def dbt_executable() -> Path:
    """The dbt of this environment: next to the running Python, whatever PATH says."""
    return Path(sys.executable).with_name("dbt")


def dbt_target(settings: Settings) -> str:
    """The dbt target (`duckdb` or `postgres`) that `DEVFIN_WAREHOUSE_URL` selects."""
    return settings.dbt_env()["DEVFIN_DBT_TARGET"]


# PostgreSQL compiles a query to machine code (JIT) when the planner's estimate of its cost
# passes `jit_above_cost`. Through the project's stacked views the estimates run to hundreds of
# thousands for queries that take milliseconds, and compiling took about 2 s per such model or
# test (10,000 sheets: the models' own time, summed over dbt's threads, 29 → 11 s; the build
# 25 → 19 s). dbt's connections start without it; options the caller puts in PGOPTIONS come
# after, so theirs win.
PG_DBT_OPTIONS = "-c jit=off"


def dbt_env(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment dbt needs on top of the caller's (`environ`, default the process's): the
    variables `dbt/profiles.yml` reads, the level of the `logs/dbt.log` of each run
    (`DBT_LOG_LEVEL_FILE`, `info` by default) and, on PostgreSQL, `PG_DBT_OPTIONS` (PGOPTIONS,
    which libpq reads for each connection dbt opens)."""
    env = {
        **settings.dbt_env(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_LEVEL_FILE": settings.dbt_file_log_level,
    }
    if env["DEVFIN_DBT_TARGET"] == "postgres":
        caller = (os.environ if environ is None else environ).get("PGOPTIONS", "")
        env["PGOPTIONS"] = f"{PG_DBT_OPTIONS} {caller}".strip()
    return env


def docs_dir(settings: Settings) -> Path:
    """Where the dbt docs of the latest run are published: beside the data-quality report."""
    return settings.report_dir / "dq" / "dbt"


def run_dbt(
    settings: Settings, out_dir: Path, *command: str, lock: bool = True
) -> subprocess.CompletedProcess[str]:
    """One dbt command against the warehouse, holding it (`warehouse_lock`; not with `lock`
    false, for a command that opens no connection); its target and logs go to `out_dir`."""
    arguments = [
        str(dbt_executable()),
        *command,
        *_folders(settings, out_dir),
    ]
    env = {**os.environ, **dbt_env(settings)}
    with warehouse_lock(settings, f"dbt {' '.join(command)}") if lock else nullcontext():
        log.info("running %s", " ".join(arguments))
        completed = subprocess.run(
            arguments,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            pass_fds=held_fds(settings),  # dbt holds the warehouse with this process
        )
    for line in completed.stdout.splitlines():
        log.info("dbt: %s", line)
    return completed


@dataclass(frozen=True)
class DbtStep:
    """One dbt command of a session: its arguments, the folder it writes its target and logs
    to, and optionally a compiled manifest to start that folder from (`--no-compile`)."""

    out_dir: Path
    command: tuple[str, ...]
    manifest_from: Path | None = None


def run_dbt_session(settings: Settings, *steps: DbtStep) -> list[int]:
    """dbt commands one after another in one child process (`transform.dbt_session`): dbt
    starts once; returns each command's exit code."""
    described = "; ".join(f"dbt {' '.join(step.command)}" for step in steps)
    with (
        warehouse_lock(settings, described),
        # under the data folder, named for this process: a run killed meanwhile leaves it to
        # the next session to remove, and the session of another live run keeps its own
        scratch_dir(settings.data_dir / "tmp", "dbt-") as scratch,
    ):
        codes_path = scratch / "exit-codes.json"
        arguments = [sys.executable, "-m", "devfin.transform.dbt_session", str(codes_path)]
        for step in steps:
            step.out_dir.mkdir(parents=True, exist_ok=True)
            spec = {
                "args": [*step.command, *_folders(settings, step.out_dir)],
                "manifest_from": str(step.manifest_from) if step.manifest_from else None,
            }
            arguments.append(json.dumps(spec))
        env = {**os.environ, **dbt_env(settings)}
        log.info("running %s", described)
        completed = subprocess.run(
            arguments,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            pass_fds=held_fds(settings),  # dbt holds the warehouse with this process
        )
        for line in completed.stdout.splitlines():
            log.info("dbt: %s", line)
        if not codes_path.exists():
            raise DbtError(
                f"{described} stopped (exit {completed.returncode}):\n{completed.stderr[-2000:]}"
            )
        return json.loads(codes_path.read_text())


def _folders(settings: Settings, out_dir: Path) -> tuple[str, ...]:
    return (
        "--project-dir", str(settings.dbt_project_dir),
        "--profiles-dir", str(settings.dbt_project_dir),
        "--target-path", str(out_dir),
        "--log-path", str(out_dir / "logs"),
    )  # fmt: skip


# --- the manifest the DAG is drawn from ---------------------------------------------------------


def project_fingerprint(settings: Settings) -> str:
    """A hash of everything the dbt manifest depends on: the project's files, the target, the
    dbt version. Reading a few dozen small files is cheap enough for every DAG parse."""
    root = settings.dbt_project_dir
    digest = hashlib.sha256()
    for part in (str(root.resolve()), dbt_target(settings), version("dbt-core")):
        digest.update(part.encode() + b"\0")
    for path in sorted(_project_files(root)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _project_files(root: Path) -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".") and not (Path(folder) == root and name in _GENERATED_DIRS)
        ]
        files.extend(Path(folder) / name for name in names if not name.startswith("."))
    return files


def dbt_manifest(settings: Settings) -> Path:
    """The `manifest.json` of the dbt project as it is now, made by `dbt parse` when the project
    changed since the last one (`dbt parse` reads files only: it opens no warehouse connection).

    Manifests are kept by fingerprint under `<data dir>/dbt-parse/`, so a DAG parse after a
    change to the models draws the new graph, and an unchanged project is never parsed twice.
    """
    root = settings.data_dir / "dbt-parse"
    final = root / project_fingerprint(settings)
    manifest = final / "manifest.json"
    if manifest.exists():
        return manifest
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root, prefix=".parse-"))
    try:
        # no warehouse lock: a DAG parse runs this, and `dbt parse` opens no connection
        parsed = run_dbt(settings, scratch, "parse", lock=False)
        if parsed.returncode != 0 or not (scratch / "manifest.json").exists():
            raise DbtError(
                f"dbt parse of {settings.dbt_project_dir} failed (exit {parsed.returncode}):"
                f"\n{(parsed.stdout + parsed.stderr)[-3000:]}"
            )
        try:
            scratch.rename(final)
        except OSError:
            if not manifest.exists():  # not a concurrent parse that got there first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _prune(root, keep=final)
    return manifest


def _prune(root: Path, keep: Path) -> None:
    """Keep the newest few manifests: a DAG run drawn from one may still be running."""
    kept = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in kept[MANIFESTS_KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


# --- a run's artifacts, ledger and docs ---------------------------------------------------------


def keep_node_artifacts(project_dir: Path, run_id: str, task_id: str, settings: Settings) -> Path:
    """Keep what one dbt invocation of the marts DAG wrote (`target/run_results.json`, its log)
    in the run's folder; the invocation's own project copy is about to be deleted."""
    kept = settings.dbt_run_dir(run_id) / "nodes" / path_component(task_id)
    kept.mkdir(parents=True, exist_ok=True)
    for relative in ("target/run_results.json", "logs/dbt.log"):
        if (project_dir / relative).exists():
            shutil.copyfile(project_dir / relative, kept / Path(relative).name)
    return kept


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
    closing = _closing_steps(
        settings, run_dir, docs=docs and not unchanged, compiled=build_dir / "manifest.json"
    )
    if unchanged:
        log.info("staging and the dbt project unchanged since the last full build: no mart to"
                 " rebuild; checking source freshness")  # fmt: skip
        return _record(load_id, settings, clock, run_dbt_session(settings, *closing), built=False)
    seed_partial_parse(settings, build_dir)
    build = DbtStep(
        build_dir,
        ("build", "--exclude-resource-type", "unit_test") if same_project else ("build",),
    )
    build_code, *closing_codes = run_dbt_session(settings, build, *closing)
    if build_code != 0 and not (build_dir / "run_results.json").exists():
        raise DbtError(f"dbt build failed (exit {build_code}): see {build_dir / 'logs'}")
    stamp_path.unlink(missing_ok=True)
    marts = _record(load_id, settings, clock, closing_codes)
    stamp_path.write_text(json.dumps(stamp))  # a full build that passed vouches for every mart
    return marts


FULL_BUILD_STAMP = "full-build.json"
DOCS_FINGERPRINT = "project-fingerprint"  # beside the published docs: the project they show


def staging_state(engine: Any) -> dict[str, list[Any]]:
    """What identifies the contents of the staging tables: each one's row count and latest run
    id. Staging only ever gains rows (a sheet version is loaded once, by one run)."""
    import sqlalchemy as sa

    from devfin.load import warehouse

    with engine.connect() as conn:
        return {
            name: [
                str(value) if value is not None else None
                for value in conn.execute(
                    sa.select(sa.func.count(), sa.func.max(table.c.load_id))
                ).one()
            ]
            for name, table in sorted(warehouse.STAGING_TABLES.items())
        }


def seed_partial_parse(settings: Settings, out_dir: Path) -> None:
    """Start a dbt target folder with the saved parse of the project as it is now
    (`dbt_manifest`), so dbt parses only what changed since (nothing, usually)."""
    saved = dbt_manifest(settings).with_name("partial_parse.msgpack")
    if saved.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, out_dir / saved.name)


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
    detail = _failures(failed, out_dir) if failed else completed.stderr[-2000:]
    raise DbtError(
        f"dbt {' '.join(DAG_STEPS[step])} failed (exit {completed.returncode}): {detail}"
    )


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
        steps = _closing_steps(settings, settings.dbt_run_dir(load_id), docs=True)
        return _record(load_id, settings, clock, run_dbt_session(settings, *steps))


def _closing_steps(
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


def _record(
    load_id: str,
    settings: Settings,
    clock: Callable[[], datetime],
    closing_codes: list[int],
    built: bool = True,
) -> dict[str, int]:
    """The ledger, the docs and the verdict of a dbt run, once its closing steps ran (`built`:
    the run built models; else it only checked source freshness)."""
    from devfin.load import warehouse
    from devfin.load.warehouse import open_warehouse

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
            table = warehouse.dq_results
            conn.execute(
                table.delete().where((table.c.load_id == load_id) & (table.c.source == "dbt"))
            )
            warehouse.insert_rows(conn, table, ledger)
        marts = warehouse.table_counts(engine, "marts")
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
        raise DbtError(f"dbt run {load_id} failed: {_failures(failed, run_dir)}")
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


def _failures(failed: list[dict[str, Any]], run_dir: Path) -> str:
    """The failed nodes of a dbt run, as one line."""
    if not failed:
        return f"no dbt node result recorded; see the task logs and {run_dir}"
    return "; ".join(
        f"{r['unique_id']}: {r['status']} {r.get('message') or ''}".strip() for r in failed
    )


def dbt_test_rows(
    results: list[dict[str, Any]], nodes: dict[str, Any], load_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The ledger rows of the dbt tests among a run's node results."""
    from devfin.load import warehouse  # pyarrow and SQLAlchemy: not at DAG parse time

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
            warehouse.dq_row(
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
    from devfin.load import warehouse

    if not path.exists():
        return []
    rows = []
    for result in json.loads(path.read_text()).get("results", []):
        status = result.get("status")
        table = result["unique_id"].removeprefix("source.devfin.")
        rows.append(
            warehouse.dq_row(
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


def publish_docs(docs_target: Path, settings: Settings) -> Path:
    """Replace the published dbt docs with those of `docs_target` at once; returns the folder.
    `static_index.html` holds the manifest and catalog inline, so it opens from disk too;
    `DOCS_FINGERPRINT` names the project they show (`project_fingerprint`)."""
    published = docs_dir(settings)
    published.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=published.parent, prefix=".dbt-partial-"))
    fresh.chmod(0o755)  # readable like the report beside it (mkdtemp makes it private)
    for name in DOCS_FILES:
        if (docs_target / name).exists():
            shutil.copyfile(docs_target / name, fresh / name)
            if name.endswith(".html"):  # dbt's scripts, as dbt wrote them, and no other
                csp.set_policy(fresh / name, csp.dbt_docs_policy((fresh / name).read_bytes()))
    (fresh / DOCS_FINGERPRINT).write_text(project_fingerprint(settings))
    retired = published.parent / f".dbt-retired-{fresh.name}"
    if published.exists():
        published.rename(retired)
    fresh.rename(published)
    shutil.rmtree(retired, ignore_errors=True)
    return published
