"""Parse speed: sheets per second for generated pages, HTML and text, on one core.

    .venv/bin/python bench/parse.py [--pages 2000] [--seed 2026]

Generates the pages first (not timed), then parses each page once in this one process and
prints sheets/s per source and format, then for the ADB sheets' other renderings and layout
generations (bullets text, print view, 2015 tabbed page, 2014-15 Project Data Sheet). Pages
with an injected defect that must fail to parse are timed too: a failing parse is work the
pipeline does as well.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import timeit

from devfin.errors import ParseError
from devfin.samples import DEFAULT_DEFECT_RATE, SOURCES, samples
from devfin.sources import get_source


def cpu_name() -> str:
    """The processor's model name, for the record of where a figure came from."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def machine() -> str:
    """Where a figure came from: the processor, its cores, Python, and a yardstick of how fast
    this machine runs Python right now (a VM's speed changes from day to day: the same code
    parsed 900 pages/s one day and 311 to 406 the next)."""
    # best of five, two sums each: a third of a second at the start of every benchmark
    best = min(timeit.repeat("sum(range(1_000_000))", number=2, repeat=5)) / 2
    return (
        f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" yardstick sum(range(10**6)) {best * 1000:.1f} ms"
    )


def measure(source: str, pages: list[tuple[str, str, str]]) -> tuple[float, int]:
    """Seconds to parse every (sheet_id, url, body), and how many failed as expected."""
    parse = get_source(source).parse
    failed = 0
    started = time.perf_counter()
    for sheet_id, url, body in pages:
        try:
            parse(body, sheet_id=sheet_id, url=url)
        except ParseError:
            failed += 1
    return time.perf_counter() - started, failed


OTHER_RENDERINGS = ("bullets", "print", "tabbed-2015", "pds-2014")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--pages", type=int, default=2000, help="pages in all, split by source")
    options.add_argument("--seed", type=int, default=2026)
    args = options.parse_args()

    per_source = args.pages // len(SOURCES)
    print(f"machine: {machine()}")
    print(
        f"{args.pages} generated pages ({per_source} per source), seed {args.seed},"
        f" {DEFAULT_DEFECT_RATE:.0%} with a defect; one process, one core"
    )
    totals = {"html": [0.0, 0], "text": [0.0, 0]}
    for source in SOURCES:
        generated = list(samples(source, per_source, args.seed))
        for page_format in ("html", "text"):
            pages = [
                (p.sheet_id, p.url, p.html if page_format == "html" else p.text) for p in generated
            ]
            seconds, failed = measure(source, pages)
            totals[page_format][0] += seconds
            totals[page_format][1] += len(pages)
            print(
                f"  {source:<8} {page_format:<5} {len(pages) / seconds:8.0f} sheets/s"
                f"  ({len(pages)} pages in {seconds:.2f} s, {failed} failed as injected)"
            )
    for page_format, (seconds, count) in totals.items():
        print(f"  all      {page_format:<5} {count / seconds:8.0f} sheets/s")
    # The other renderings and layout generations of the same sheets (the ADB generator's).
    generated = list(samples("adb_pds", per_source, args.seed))
    for name in OTHER_RENDERINGS:
        pages = [
            (p.sheet_id, p.url, p.renderings[name].body) for p in generated if name in p.renderings
        ]
        if pages:
            seconds, failed = measure("adb_pds", pages)
            print(
                f"  adb_pds  {name:<11} {len(pages) / seconds:8.0f} sheets/s"
                f"  ({len(pages)} pages in {seconds:.2f} s, {failed} failed as injected)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
