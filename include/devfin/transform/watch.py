"""The marts DAG's tasks that answer for the nodes of its one dbt build, and re-run them alone.

`dbt_build` builds the whole project in one dbt invocation (`marts.build_project`). Every node
of the build then belongs to one task (`owner`): a mart's model, and the tests and unit tests
whose only mart it is, to the mart's task `dbt.<mart>`; the tests spanning several marts to
`dbt_mart_tests`; the layers under the marts (seeds, snapshots, staging and intermediate
models) and their tests to `dbt_foundations`. A task (`watch`) reads its nodes' results in the
build's `run_results.json`, logs them with the lines of dbt's log naming them and the compiled
SQL of those that failed, and fails when one of them failed, was skipped or did not run.

Asked again about the same build (a retry, or the task cleared in the Airflow UI), a task runs
`dbt build` of its own nodes alone, holding the warehouse, and answers from that run: a failed
mart is rebuilt and retested without rebuilding the rest. Its results (`nodes/<task>/`) take
the place of the build's in the run's ledger (`ledger.merge_run_results`).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from devfin.paths import path_component
from devfin.settings import Settings
from devfin.transform.dbt import DbtError, run_dbt
from devfin.transform.manifest import seed_partial_parse

log = logging.getLogger(__name__)

MARTS_DIR = "models/marts/"  # a model under it is a mart
MARTS_GROUP = "dbt"  # the task group of the marts' tasks: `dbt.<mart>`
FOUNDATIONS = "dbt_foundations"
MART_TESTS = "dbt_mart_tests"
# The nodes `dbt build` runs; analyses, exposures and sources are none of them.
BUILT_TYPES = ("seed", "snapshot", "model", "test", "unit_test")
PASSED = ("success", "pass", "warn")
JUDGED = "judged-build"  # in a task's folder: the invocation id of the build it answered for


def build_nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The nodes of a dbt manifest that `dbt build` runs, by unique id."""
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    return {uid: node for uid, node in nodes.items() if node["resource_type"] in BUILT_TYPES}


def is_mart(node: dict[str, Any]) -> bool:
    return node["resource_type"] == "model" and node["original_file_path"].startswith(MARTS_DIR)


def mart_task_id(mart: str) -> str:
    return f"{MARTS_GROUP}.{mart}"


def marts_read(node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> set[str]:
    """The names of the marts a node reads directly."""
    return {
        nodes[parent]["name"]
        for parent in node["depends_on"]["nodes"]
        if parent in nodes and is_mart(nodes[parent])
    }


def owner(node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> str:
    """The task of the marts DAG that answers for `node`."""
    if is_mart(node):
        return mart_task_id(node["name"])
    if node["resource_type"] in ("test", "unit_test"):
        marts = marts_read(node, nodes)
        if len(marts) == 1:
            return mart_task_id(marts.pop())
        if marts:
            return MART_TESTS
    return FOUNDATIONS


def mart_graph(manifest_path: Path) -> dict[str, list[str]]:
    """Every mart and the marts it reads, by name (the marts DAG draws its tasks from this
    when it is parsed: the manifest only, no dbt, no connection)."""
    nodes = build_nodes(json.loads(manifest_path.read_text()))
    return {
        node["name"]: sorted(marts_read(node, nodes))
        for node in sorted(nodes.values(), key=lambda n: n["name"])
        if is_mart(node)
    }


def watch(task_id: str, load_id: str, settings: Settings) -> dict[str, int]:
    """Answer for the nodes of the run's build that `task_id` owns: log their results and
    raise DbtError naming those that failed, were skipped or did not run. The first time, from
    the build's results; asked again about the same build, from a `dbt build` of these nodes
    alone. Returns how many of them ended in each status."""
    run_dir = settings.dbt_run_dir(load_id)
    build_dir = run_dir / "build"
    if not (build_dir / "run_results.json").exists():
        raise DbtError(f"run {load_id} has no dbt build results: see its task dbt_build")
    build = json.loads((build_dir / "run_results.json").read_text())
    nodes = build_nodes(json.loads((build_dir / "manifest.json").read_text()))
    mine = {uid: node for uid, node in nodes.items() if owner(node, nodes) == task_id}
    if not mine:
        log.info("%s answers for no node of this dbt project", task_id)
        return {}
    own_dir = run_dir / "nodes" / path_component(task_id)
    judged = own_dir / JUDGED
    build_id = build["metadata"]["invocation_id"]
    again = judged.exists() and judged.read_text() == build_id
    shutil.rmtree(own_dir, ignore_errors=True)  # a re-run before this one is superseded
    own_dir.mkdir(parents=True)
    judged.write_text(build_id)
    if again:
        log.info(
            "%s already answered for the build %s of run %s: building its %d nodes again, alone",
            task_id, build_id, load_id, len(mine),
        )  # fmt: skip
        # run_dbt logs dbt's output itself
        return _verdict(task_id, mine, _rerun(mine, settings, own_dir), dbt_log=None)
    return _verdict(task_id, mine, build, build_dir / "logs" / "dbt.log")


def _rerun(mine: dict[str, dict[str, Any]], settings: Settings, out_dir: Path) -> dict[str, Any]:
    """`dbt build` of these nodes and no other (each named by its fully qualified name)."""
    seed_partial_parse(settings, out_dir)
    selectors = [f"fqn:{'.'.join(node['fqn'])}" for node in mine.values()]
    completed = run_dbt(
        settings, out_dir, "build", "--indirect-selection", "empty", "--select", *selectors
    )
    results = out_dir / "run_results.json"
    if not results.exists():
        raise DbtError(
            f"dbt build of {len(mine)} nodes failed (exit {completed.returncode}):"
            f"\n{(completed.stdout + completed.stderr)[-2000:]}"
        )
    return json.loads(results.read_text())


def _verdict(
    task_id: str, mine: dict[str, dict[str, Any]], artifact: dict[str, Any], dbt_log: Path | None
) -> dict[str, int]:
    """Log the results of these nodes in a dbt artifact (and the lines of `dbt_log` naming them);
    raise DbtError naming those that failed, were skipped or did not run."""
    results = {r["unique_id"]: r for r in artifact["results"] if r["unique_id"] in mine}
    excluded = artifact.get("args", {}).get("exclude_resource_types") or []
    order = {kind: rank for rank, kind in enumerate(BUILT_TYPES)}  # models, then their tests
    for uid, node in sorted(mine.items(), key=lambda i: (order[i[1]["resource_type"]], i[0])):
        result = results.get(uid)
        if result is not None:
            message = result.get("message")
            log.info(
                "%s %s: %s in %.2f s%s", node["resource_type"], node["name"], result["status"],
                result.get("execution_time") or 0.0, f" ({message})" if message else "",
            )  # fmt: skip
    if dbt_log is not None:
        for line in _log_lines(dbt_log, {node["name"] for node in mine.values()}):
            log.info("dbt: %s", line)
    failed = [r for r in results.values() if r["status"] not in PASSED]
    for result in failed:
        node = mine[result["unique_id"]]
        log.error(
            "%s %s %s: %s\n%s", node["resource_type"], node["name"], result["status"],
            result.get("message") or "a node it depends on failed",
            result.get("compiled_code") or "",
        )  # fmt: skip
    missing = sorted(
        uid
        for uid, node in mine.items()
        if uid not in results
        and node.get("config", {}).get("materialized") != "ephemeral"
        and node["resource_type"] not in excluded  # unit tests, when the project is unchanged
    )
    if failed or missing:
        problems = [f"{r['unique_id']}: {r['status']} {r.get('message') or ''}" for r in failed]
        problems += [f"{uid}: not run" for uid in missing]
        raise DbtError(f"{task_id}: " + "; ".join(p.strip() for p in problems))
    counts = Counter(result["status"] for result in results.values())
    log.info("%s: %s", task_id, ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return dict(counts)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _log_lines(path: Path, names: set[str]) -> list[str]:
    """The lines of a dbt log naming one of `names` (as a whole name: `projects` is not
    `stg_projects`)."""
    if not path.exists() or not names:
        return []
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w])({alternatives})(?![\w])")
    lines = (_ANSI.sub("", line).rstrip() for line in path.read_text(errors="replace").splitlines())
    return [line for line in lines if pattern.search(line)]
