"""Validate speed: the GX quality gate (`validate_sheets`) on N generated, parsed sheets.

    .venv/bin/python bench/validate.py [--sheets 1000 --sheets 10000] [--seed 2026]
        [--defect-rate 0.1] [--repeat 3] [--stream-batch-size N] [--corpus DIR] [--profile]

Generates the largest N sheets asked (half per source, `devfin.samples`) and parses their HTML
into each source's `parsed.jsonl`, as the parse stage writes it (not timed; `--corpus DIR` keeps
the parsed sheets there for the next run, so two versions of the code are timed on the same
sheets). Then for each N, `--repeat` times, runs `pipeline.validate_sheets` on the first N/2
parsed sheets of each source, in a process forked from this one as an Airflow worker runs the
task, and prints its wall seconds, and within them: the Validator's set-up, the validation
frames (`staging_frames` + `derive`), `check` of every batch and `results()` (GX runs in
either, as its batches fill; the merge and the Data Docs in `results`); the task process's
CPU seconds (less moved than wall seconds by whatever else runs on the machine) and its peak
memory. The best of the repeats is printed last.
`--profile` runs the stage once per source and N in this process under cProfile instead and
prints its top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import multiprocessing
import pstats
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import devfin
from devfin import handover, pipeline
from devfin.errors import ParseError
from devfin.parse.sheets import json_line
from devfin.records import parsed_sheet_to_json
from devfin.samples import SOURCES, samples
from devfin.settings import Settings, load_settings
from devfin.sources import get_source

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse import machine

# The repository of the devfin imported (its suites), so an older checkout can be timed too.
REPO_DIR = Path(devfin.__file__).resolve().parents[2]
FETCHED_AT = "2026-11-23T06:00:00+00:00"
RUN_STARTED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PARTS = ("set-up", "frames", "check", "results")


def parsed_corpus(folder: Path, per_source: int, seed: int, defect_rate: float) -> None:
    """`folder/<source>.jsonl`: the parsed items of the first `per_source` generated sheets of
    each source that parse (`parse_one`'s lines); kept when a file of as many sheets, of the
    same seed and defect rate, is there already."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / "manifest.json"
    wanted = {"seed": seed, "defect_rate": defect_rate, "per_source": per_source}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest[k] for k in ("seed", "defect_rate")} == {
            k: wanted[k] for k in ("seed", "defect_rate")
        } and manifest["per_source"] >= per_source:
            print(f"parsed sheets kept from {folder} ({manifest['per_source']:,} per source)")
            return
    started = time.perf_counter()
    for source in SOURCES:
        parser = get_source(source)
        with handover.jsonl_writer(folder / f"{source}.jsonl") as out:
            for page in samples(source, per_source, seed, defect_rate):
                try:
                    sheet = parser.parse(page.html, sheet_id=page.sheet_id, url=page.url)
                except ParseError:
                    continue  # quarantined at parse: never reaches the checks
                version = f"v{page.sheet_id}-{seed}"
                item = {"sheet_id": page.sheet_id, "sheet_version": version,
                        "source_url": page.url, "fetched_at": FETCHED_AT,
                        "sheet": parsed_sheet_to_json(sheet)}  # fmt: skip
                out.write(json_line(item))
    manifest_path.write_text(json.dumps(wanted))
    print(
        f"generated and parsed {per_source * len(SOURCES):,} sheets ({per_source:,} per source,"
        f" {defect_rate:.0%} with a defect) in {time.perf_counter() - started:.1f} s (not timed)",
        flush=True,
    )


def run_settings(root: Path, batch_size: int | None) -> Settings:
    settings = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        data_dir=root / "data",
        report_dir=root / "reports",
        warehouse_url=f"duckdb:///{root / 'unused.duckdb'}",  # validate opens no warehouse
    )
    if batch_size:
        settings = dataclasses.replace(settings, stream_batch_size=batch_size)
    return settings


def prepare(settings: Settings, source: str, load_id: str, corpus: Path, sheets: int) -> int:
    """The run directory of one validate stage: its start and the first `sheets` parsed
    sheets; returns how many there are (the pages that fail to parse are not among them)."""
    run_dir = settings.run_dir(source, load_id)
    handover.write_started(run_dir, RUN_STARTED)
    with (corpus / f"{source}.jsonl").open(encoding="utf-8") as lines:
        taken = [line for _, line in zip(range(sheets), lines, strict=False)]
    (run_dir / "parsed.jsonl").write_text("".join(taken), encoding="utf-8")
    return len(taken)


class Timed:
    """Seconds spent in the parts of the validate stage, by wrapping what `validate_sheets`
    calls: the Validator (set-up, check, results) and the frames it hands to `check`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.batches = 0

    def install(self) -> None:
        seconds = self.seconds
        timed = self

        def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    seconds[name] += time.perf_counter() - started

            return call

        base = pipeline.Validator

        class Validator(base):  # type: ignore[misc,valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                wrap("set-up", super().__init__)(*args, **kwargs)

            def check(self, *args: Any, **kwargs: Any) -> None:
                timed.batches += 1
                wrap("check", super().check)(*args, **kwargs)

            def results(self, *args: Any, **kwargs: Any) -> Any:
                return wrap("results", super().results)(*args, **kwargs)

        pipeline.Validator = Validator  # type: ignore[misc]
        pipeline.staging_frames = wrap("frames", pipeline.staging_frames)
        pipeline.derive = wrap("frames", pipeline.derive)


def validate(settings: Settings, source: str, load_id: str) -> dict[str, Any]:
    """The validate stage, timed part by part (in the process it runs in)."""
    timed = Timed()
    timed.install()
    started, cpu = time.perf_counter(), time.process_time()
    counts = pipeline.validate_sheets(source, load_id, settings)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"total": total, "cpu": cpu, "parts": dict(timed.seconds), "batches": timed.batches,
            **counts}  # fmt: skip


def in_task_process(call: Callable[[], Any]) -> tuple[Any, float]:
    """`call` in a process forked from this one (a task process): its result and peak MiB."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def task() -> None:
        try:
            outcome: tuple[str, Any] = ("ok", call())
        except BaseException:
            outcome = ("failed", traceback.format_exc())
        send.send((outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))

    process = context.Process(target=task)
    process.start()
    send.close()
    (status, value), peak = receive.recv()
    process.join()
    if status != "ok":
        raise RuntimeError(f"the validate stage failed:\n{value}")
    return value, peak


def profile(settings: Settings, source: str, load_id: str, top: int) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(pipeline.validate_sheets, source, load_id, settings)
    print(f"    {source}: {time.perf_counter() - started:.2f} s under cProfile", flush=True)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        body = out.getvalue()
        print(f"    top {top} by {order}:")
        print(body[body.index("   ncalls") :], flush=True)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sheets", type=int, action="append", help="in all, half per source")
    options.add_argument("--seed", type=int, default=2026)
    options.add_argument("--defect-rate", type=float, default=0.1)
    options.add_argument("--repeat", type=int, default=3, help="runs of each size; best printed")
    options.add_argument("--stream-batch-size", type=int, help="default: the settings'")
    options.add_argument("--corpus", type=Path, help="keep the parsed sheets here")
    options.add_argument("--profile", action="store_true", help="cProfile, in this process")
    options.add_argument("--top", type=int, default=40, help="functions --profile prints")
    args = options.parse_args()
    sizes = sorted(args.sheets or [1000, 10_000])

    print(f"machine: {machine()}")
    print(f"devfin from {REPO_DIR}")
    # GX imported once here, not timed: each validate task process forks with it loaded
    import great_expectations  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="devfin-bench-validate-") as tmp:
        root = Path(tmp)
        corpus = args.corpus or root / "corpus"
        parsed_corpus(corpus, sizes[-1] // len(SOURCES), args.seed, args.defect_rate)
        settings = run_settings(root, args.stream_batch_size)
        print(f"batches of {settings.stream_batch_size:,} sheets", flush=True)
        for size in sizes:
            best: dict[str, dict[str, Any]] = {}
            cpu: dict[str, list[float]] = defaultdict(list)
            for turn in range(1 if args.profile else args.repeat):
                load_id = f"bench-{size}-{turn}"
                counts = {
                    s: prepare(settings, s, load_id, corpus, size // len(SOURCES)) for s in SOURCES
                }
                print(f"  {sum(counts.values()):,} parsed sheets, run {turn + 1}", flush=True)
                for source in SOURCES:
                    if args.profile:
                        profile(settings, source, load_id, args.top)
                        continue
                    result, peak = in_task_process(
                        lambda s=source, i=load_id: validate(settings, s, i)
                    )
                    result["peak"] = peak
                    cpu[source].append(result["cpu"])
                    parts = ", ".join(f"{p} {result['parts'].get(p, 0.0):.2f}" for p in PARTS)
                    print(
                        f"    {source:<8} {counts[source]:6,} sheets {result['total']:7.2f} s"
                        f" (CPU {result['cpu']:.2f} s)"
                        f" ({parts}; {result['batches']} batches)"
                        f" {counts[source] / result['total']:8,.0f} sheets/s,"
                        f" task process {peak:5,.0f} MiB;"
                        f" checks {result['checks_passed']} passed, {result['checks_failed']}"
                        f" failed, {result['critical']} sheets held",
                        flush=True,
                    )
                    if source not in best or result["total"] < best[source]["total"]:
                        best[source] = result
                shutil.rmtree(settings.report_dir, ignore_errors=True)
                shutil.rmtree(settings.data_dir, ignore_errors=True)
            if best:
                total = sum(r["total"] for r in best.values())
                print(
                    f"  best of {args.repeat}, {size:,} sheets: "
                    + ", ".join(f"{s} {r['total']:.2f} s" for s, r in best.items())
                    + f"; validate in all {total:.2f} s, {size / total:,.0f} sheets/s"
                    f" (CPU {sum(min(c) for c in cpu.values()):.2f} s, best of each);"
                    f" largest task process {max(r['peak'] for r in best.values()):,.0f} MiB",
                    flush=True,
                )


if __name__ == "__main__":
    main()
