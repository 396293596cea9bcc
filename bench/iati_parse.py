"""IATI parse: activities/s, MB/s and peak memory of the streaming adb_iati parser, per file size.

    .venv/bin/python bench/iati_parse.py [--activities 5000 20000] [--tracemalloc]

Writes one generated activity file (`devfin.sources.adb_iati.samples.write`, a country's random
activities, 10 % of them with a defect) per size asked (not measured), then parses each in a
fresh Python process of its own, streaming from the file as the pipeline will, consuming each
activity as it comes (counted, then dropped). Prints, per file, its size, the activities and
errors read, activities/s and MB/s, the process's RSS before the parse and its peak
(VmHWM, which starts afresh at exec); with `--tracemalloc`, Python's own peak allocation during
the parse too (slower; it does not see libxml2's tree, which RSS does). Memory that stays flat
from the smaller file to the larger is what streaming is for.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devfin.errors import ParseError
from devfin.records import ParsedSheet
from devfin.sources.adb_iati import files, samples
from devfin.sources.adb_iati.parser import parse, read_activities

MiB = 2**20
SEED = 2026
COUNTRY = "PH"
DEFECT_RATE = 0.1


def _as_the_pipeline_reads(path: Path) -> Iterator[ParsedSheet | ParseError]:
    """The file as the pipeline reads it: its body whole (as fetched), cut into its activities
    (the fetch stage, `files.split`), each activity parsed alone (the parse stage)."""
    for piece in files.split(path.read_bytes(), sheet_id=path.stem):
        try:
            yield parse(piece.content, sheet_id=piece.sheet_id, url=path.as_uri())
        except ParseError as error:
            yield error


def measure(path: Path, *, trace: bool = False, pipeline: bool = False) -> dict[str, Any]:
    """Parse the file at `path` in this process: its figures (call it in a fresh one)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from parse_memory import peak_rss_mib

    before = peak_rss_mib()
    if trace:
        tracemalloc.start()
    activities = errors = rows = 0
    started = time.perf_counter()
    if pipeline:
        read = _as_the_pipeline_reads(path)
    else:
        read = read_activities(path, sheet_id=path.stem, url=path.as_uri())
    for parsed in read:
        if isinstance(parsed, ParseError):
            errors += 1
        else:
            activities += 1
            rows += sum(len(children) for children in parsed.children.values())
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / MiB if trace else None
    return {
        "file_mib": path.stat().st_size / MiB,
        "activities": activities,
        "errors": errors,
        "child_rows": rows,
        "seconds": seconds,
        "rss_before_mib": before,
        "peak_rss_mib": peak_rss_mib(),
        "traced_peak_mib": traced,
    }


def run(count: int, *, trace: bool = False, pipeline: bool = False) -> dict[str, Any]:
    """A file of `count` activities written here, then parsed and measured in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"iati-activities-{COUNTRY.lower()}.xml"
        samples.write(path, SEED, COUNTRY, count, DEFECT_RATE)
        args = [sys.executable, __file__, "--child", str(path)]
        if trace:
            args.append("--tracemalloc")
        if pipeline:
            args.append("--pipeline")
        completed = subprocess.run(args, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(completed.stdout.splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--activities", type=int, nargs="+", default=[5000, 20000])
    options.add_argument("--tracemalloc", action="store_true")
    options.add_argument(
        "--pipeline",
        action="store_true",
        help="read as the pipeline does: the body whole, cut into activities, each parsed alone",
    )
    options.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, trace=args.tracemalloc, pipeline=args.pipeline)))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from parse import machine

    print(f"machine: {machine()}")
    how = "cut into activities, each parsed alone" if args.pipeline else "streamed whole"
    print(f"one generated file per size (seed {SEED}, {COUNTRY}), {how}, in a fresh process")
    for count in args.activities:
        f = run(count, trace=args.tracemalloc, pipeline=args.pipeline)
        seconds = f["seconds"]
        traced = f["traced_peak_mib"]
        print(
            f"  {count:>7,} activities, {f['file_mib']:6.1f} MiB: {f['activities']:,} read,"
            f" {f['errors']} errors, {f['child_rows']:,} child rows in {seconds:6.2f} s ="
            f" {f['activities'] / seconds:7,.0f} activities/s,"
            f" {f['file_mib'] / seconds:5.1f} MiB/s;"
            f" RSS {f['rss_before_mib']:4.0f} MiB before, peak {f['peak_rss_mib']:4.0f} MiB"
            + (f", Python's peak {traced:5.1f} MiB" if traced is not None else "")
        )


if __name__ == "__main__":
    main()
