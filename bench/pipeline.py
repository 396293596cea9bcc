"""The whole pipeline at scale: N generated sheets through the stage functions the DAGs call.

    .venv/bin/python bench/pipeline.py [--sheets 10000] [--warehouse duckdb --warehouse postgres]
        [--changed 0.01] [--defect-rate 0.1] [--skip-dbt] [--cold-only] [--peer-sheets 1000]
        [--one-process]

Generates N sheets (half per source, issue 3 generator, not timed) into a temporary folder, then
per warehouse runs three loads, each stage as the DAG's task calls it (discover + fetch, parse,
validate, load per source; then the marts, `build_marts`), each in a process of its own forked
from this one, as Airflow runs each task (`--one-process`: all in this process), and prints per
stage wall seconds, sheets/s, and the peak memory so far of the whole process tree (this process,
the task process, its parse workers, dbt; sampled, see MemorySampler) and of the stage's task
process alone:
  1. cold: an empty warehouse;
  2. unchanged: the same sheets again (change detection: nothing is parsed or loaded);
  3. changed: 1 % of the sheets edited (one new version each).
Then the naive peer (`bench/naive.py`: BeautifulSoup + to_sql) and devfin on the same
`--peer-sheets` pages, each into an empty warehouse, and the ratio.
DuckDB goes into a temporary file; PostgreSQL into a throwaway database dropped after.
Warnings (the sheets quarantined, by design of the corpus: a line per stage and reason) go to
stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import resource
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from devfin import pipeline
from devfin.parse.pool import release_parse_workers
from devfin.samples import write_corpus
from devfin.settings import Settings, load_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import postgres_warehouse
from naive import run_peer
from parse import machine

REPO_DIR = Path(__file__).resolve().parents[1]
# The data-sheet sources, whose HTML pages the naive peer reads too; ADB's IATI files, another
# kind of input, are measured by bench/iati_parse.py.
SOURCES = ("adb_pds", "cdia")


class MemorySampler:
    """The memory of the whole process tree, sampled every INTERVAL by a thread: this process's
    resident memory plus the proportional share (PSS) of each child's (the stage's task process,
    the parse workers, their forkserver, dbt), so pages a forked child shares with its parent
    count once. The peak of the sums is what the benchmark reports; the task process's own
    `ru_maxrss` is printed beside, and the peak of the children alone during each stage
    (`stage_children`)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.stage_children = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(INTERVAL):
            children = 0
            for child in me.children(recursive=True):
                try:
                    children += child.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, (me.memory_info().rss + children) / 2**20)
            self.stage_children = max(self.stage_children, children / 2**20)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


SAMPLER: MemorySampler | None = None
INTERVAL = 0.5  # seconds between two samples
ONE_PROCESS = False  # --one-process: every stage in this process, one after the other


def stage(name: str, sheets: int, call: Callable[[], Any]) -> Any:
    if SAMPLER:
        SAMPLER.stage_children = 0.0
    started = time.perf_counter()
    result, own = as_a_task(call)
    seconds = time.perf_counter() - started
    tree = SAMPLER.peak if SAMPLER else 0.0
    children = SAMPLER.stage_children if SAMPLER else 0.0
    rate = f"{sheets / seconds:10,.0f}/s" if sheets else " " * 12
    print(
        f"    {name:<20} {seconds:7.2f} s {rate}   peak memory: tree {tree:5,.0f} MiB,"
        f" {'this' if ONE_PROCESS else 'task'} process {own:5,.0f} MiB,"
        f" children in this stage {children:4,.0f} MiB",
        flush=True,
    )
    return result


def in_task_process(call: Callable[[], Any]) -> tuple[Any, float]:
    """`call` in a process forked from this one, as an Airflow worker forks each task's process
    (so no stage inherits the memory of the one before); its result, and that process's peak
    resident memory in MiB. A failure in it is raised here with its traceback."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def task() -> None:
        try:
            outcome: tuple[str, Any] = ("ok", call())
        except BaseException:  # all of it goes back to the benchmark
            outcome = ("failed", traceback.format_exc())
        release_parse_workers()  # the task's end stops them, as in Airflow
        send.send((outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))

    process = context.Process(target=task)
    process.start()
    send.close()
    try:
        (status, value), peak = receive.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"a stage's task process died, exit code {process.exitcode}") from None
    process.join()
    if status != "ok":
        raise RuntimeError(f"a stage failed in its task process:\n{value}")
    return value, peak


def edit_sheets(folder: Path, fraction: float) -> int:
    """Change `fraction` of the generated pages of each source: a word added to the first
    value (`</dd>` on ADB pages, `</p>` on CDIA ones), so the next run finds a new version."""
    edited = 0
    step = max(1, round(1 / fraction)) if fraction else 0
    for source in SOURCES:
        pages = sorted(p for p in (folder / source).iterdir() if p.suffix in (".html", ".txt"))
        for page in pages[::step] if step else []:
            body = page.read_text(encoding="utf-8")
            end = "</dd>" if "</dd>" in body else "</p>"
            page.write_text(body.replace(end, f" Revised.{end}", 1), encoding="utf-8")
            edited += 1
    return edited


def run(label: str, settings: Settings, per_source: dict[str, int], with_dbt: bool) -> float:
    """One load of every source and the marts; returns the wall seconds of the whole run."""
    load_id = f"bench-{label}-{uuid.uuid4().hex[:6]}"
    total = sum(per_source.values())
    print(f"  run {label}: {total:,} sheets", flush=True)
    started = time.perf_counter()
    for source, count in per_source.items():
        print(f"   {source}", flush=True)

        def fetch(source: str = source) -> None:
            pipeline.discover_sheets(source, load_id, settings)
            pipeline.fetch_sheets(source, load_id, settings)

        stage("discover + fetch", count, fetch)
        stage("parse", count, lambda s=source: pipeline.parse_sheets(s, load_id, settings))
        stage("validate", count, lambda s=source: pipeline.validate_sheets(s, load_id, settings))
        counts = stage("load", count, lambda s=source: pipeline.load_sheets(s, load_id, settings))
        print(
            f"      loaded {counts['sheets_loaded']:,}, unchanged {counts['sheets_unchanged']:,},"
            f" quarantined {counts['sheets_quarantined']:,} ({counts['rows_loaded']:,} rows)"
        )
    if with_dbt:
        stage("dbt build", total, lambda: pipeline.build_marts(load_id, settings))
        print_dbt_nodes(settings.dbt_run_dir(load_id) / "build" / "run_results.json")
    seconds = time.perf_counter() - started
    print(f"  run {label}: {seconds:.1f} s end to end, {total / seconds:,.0f} sheets/s", flush=True)
    return seconds


def print_dbt_nodes(path: Path, slowest: int = 5) -> None:
    """Where the build's time went: dbt's own timing of its nodes, by kind, and the slowest."""
    if not path.exists():  # nothing built: staging and the project were unchanged
        return
    results = json.loads(path.read_text())["results"]
    by_kind: dict[str, list[float]] = {}
    for result in results:
        by_kind.setdefault(result["unique_id"].split(".")[0], []).append(result["execution_time"])
    print(
        "      dbt nodes: "
        + ", ".join(f"{len(t)} {kind}s {sum(t):.1f} s" for kind, t in sorted(by_kind.items()))
        + " (summed over threads)"
    )
    for result in sorted(results, key=lambda r: -r["execution_time"])[:slowest]:
        print(f"        {result['execution_time']:5.2f} s  {result['unique_id']}")


def peer(kind: str, root: Path, sheets: int, admin_url: str) -> None:
    """The naive peer (`bench/naive.py`) and devfin on the same `sheets` pages, each into an
    empty warehouse of this kind: devfin's fetch + parse + load against the peer's parse +
    to_sql, and devfin with its checks (validate) too. Each runs in one task process (devfin's
    four stages one after the other in it, like the peer's one process, so starting the parse
    workers is devfin's work here too), so this process starts no parse workers of its own."""
    pages_dir = root / "peer" / "sheets"
    if not pages_dir.exists():
        for source in SOURCES:
            pages = sorted((root / "sheets" / source).glob("*.html"))[: sheets // len(SOURCES)]
            (pages_dir / source).mkdir(parents=True)
            for page in pages:
                shutil.copyfile(page, pages_dir / source / page.name)
    pages = sorted(pages_dir.rglob("*.html"))
    folder = root / "peer" / kind
    print(f"  naive peer vs devfin on the same {len(pages):,} sheets", flush=True)
    with warehouse_url(kind, folder / "naive", admin_url) as url:
        naive, _ = as_a_task(lambda: run_peer(pages, url))
    print(
        f"    naive: BeautifulSoup html.parser {naive.parse_seconds:.2f} s + to_sql"
        f" {naive.insert_seconds:.2f} s ({naive.rows:,} rows) = {naive.seconds:.2f} s",
        flush=True,
    )
    with warehouse_url(kind, folder / "devfin", admin_url) as url:
        settings = bench_settings(url, pages_dir, folder)
        seconds, _ = as_a_task(lambda: devfin_stages(settings))
    same_work = seconds["fetch"] + seconds["parse"] + seconds["load"]
    print(
        "    devfin: " + ", ".join(f"{name} {s:.2f} s" for name, s in seconds.items()),
        flush=True,
    )
    # the peer reads the pages from files: its work is devfin's parse + load; devfin's fetch
    # (read, hash, archive, raw.fetches) has no counterpart in it
    parse_load = seconds["parse"] + seconds["load"]
    print(
        f"    fetch + parse + load {same_work:.2f} s: {naive.seconds / same_work:.1f}x faster"
        f" than the peer; parse + load {parse_load:.2f} s: {naive.seconds / parse_load:.1f}x;"
        f" with the GX checks too {sum(seconds.values()):.2f} s:"
        f" {naive.seconds / sum(seconds.values()):.1f}x",
        flush=True,
    )


def as_a_task(call: Callable[[], Any]) -> tuple[Any, float]:
    """`call` in a task process of its own (in this process with --one-process): its result, and
    the peak resident memory in MiB of the process it ran in."""
    if ONE_PROCESS:
        return call(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return in_task_process(call)


def devfin_stages(settings: Settings) -> dict[str, float]:
    """devfin's four stages on every source, in this process: the seconds of each stage."""
    seconds = dict.fromkeys(("fetch", "parse", "validate", "load"), 0.0)
    for source in SOURCES:
        for name, call in (
            ("fetch", lambda s: (pipeline.discover_sheets(s, "peer", settings),
                                 pipeline.fetch_sheets(s, "peer", settings))),
            ("parse", lambda s: pipeline.parse_sheets(s, "peer", settings)),
            ("validate", lambda s: pipeline.validate_sheets(s, "peer", settings)),
            ("load", lambda s: pipeline.load_sheets(s, "peer", settings)),
        ):  # fmt: skip
            started = time.perf_counter()
            call(source)
            seconds[name] += time.perf_counter() - started
    return seconds


def bench_settings(url: str, sheets: Path, folder: Path) -> Settings:
    """devfin's settings for one benchmark warehouse: its pages, and its state under `folder`."""
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=url,
        sample_dir=sheets,
        data_dir=folder / "data",
        archive_url=str(folder / "archive"),
        report_dir=folder / "reports",
    )


@contextmanager
def warehouse_url(kind: str, folder: Path, admin_url: str) -> Iterator[str]:
    if kind == "duckdb":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"duckdb:///{folder / 'devfin.duckdb'}"
        return
    with postgres_warehouse(admin_url) as url:
        yield url


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sheets", type=int, default=10_000, help="in all, half per source")
    options.add_argument("--seed", type=int, default=2026)
    options.add_argument("--defect-rate", type=float, default=0.1)
    options.add_argument("--changed", type=float, default=0.01, help="share edited for run 3")
    options.add_argument("--warehouse", action="append", choices=("duckdb", "postgres"))
    options.add_argument("--skip-dbt", action="store_true")
    options.add_argument("--cold-only", action="store_true", help="no unchanged, changed runs")
    options.add_argument(
        "--stream-batch-size", type=int, help="default: DEVFIN_STREAM_BATCH_SIZE's"
    )
    options.add_argument("--peer-sheets", type=int, default=1000, help="0: no naive peer")
    options.add_argument(
        "--one-process", action="store_true", help="every stage in this process (no task processes)"
    )
    options.add_argument(
        "--postgres-admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = options.parse_args()
    kinds = args.warehouse or ["duckdb", "postgres"]
    count = args.sheets // len(SOURCES)

    print(f"machine: {machine()}")
    global SAMPLER, ONE_PROCESS
    ONE_PROCESS = args.one_process
    # GX imported once here, not timed: each validate task process forks with it loaded
    import great_expectations  # noqa: F401

    SAMPLER = MemorySampler()
    with tempfile.TemporaryDirectory(prefix="devfin-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        write_corpus(
            root / "sheets", count, args.seed, defect_rate=args.defect_rate, sources=SOURCES
        )
        print(
            f"generated {count * len(SOURCES):,} sheets ({count:,} per source,"
            f" {args.defect_rate:.0%} with a defect) in {time.perf_counter() - started:.1f} s"
            " (not timed)",
            flush=True,
        )
        per_source = dict.fromkeys(SOURCES, count)
        for kind in kinds:
            folder = root / kind
            sheets = folder / "sheets"
            # each warehouse gets its own copy, as run 3 edits the pages
            shutil.copytree(root / "sheets", sheets)
            with warehouse_url(kind, folder, args.postgres_admin) as url:
                settings = bench_settings(url, sheets, folder)
                if args.stream_batch_size:
                    settings = dataclasses.replace(
                        settings, stream_batch_size=args.stream_batch_size
                    )
                print(f"{kind}, batches of {settings.stream_batch_size:,} sheets", flush=True)
                run("cold", settings, per_source, not args.skip_dbt)
                if not args.cold_only:
                    run("unchanged", settings, per_source, not args.skip_dbt)
                    edited = edit_sheets(sheets, args.changed)
                    print(f"  edited {edited:,} sheets", flush=True)
                    run("changed", settings, per_source, not args.skip_dbt)
            if args.peer_sheets:  # last: its memory is not the pipeline's
                peer(kind, root, args.peer_sheets, args.postgres_admin)


if __name__ == "__main__":
    main()
