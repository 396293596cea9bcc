"""Parse memory: the peak RSS of parsing one very large page (20 MB by default), per source.

    .venv/bin/python bench/parse_memory.py [--mb 20] [--case NAME ...] [--tracemalloc]

Builds each page by repeating real content of a generated sheet (not measured): a CDIA page
whose "Key City Development Issues" narrative runs to the size asked, or whose stakeholders
list does; an ADB page whose description does, or whose tenders table has that many rows; each
in HTML and in its text rendering. Each page is parsed once in a fresh process of its own (so
one case's peak does not hide the next one's), given as bytes as the pipeline hands a sheet to
its parser. Prints, per case, the page's size, the process's RSS before the parse, its peak RSS
(`ru_maxrss`) and the seconds the parse took; with `--tracemalloc`, Python's own peak
allocation during the parse too (slower; it does not see lexbor's tree, which RSS does).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from devfin.errors import ParseError
from devfin.samples import sample
from devfin.sources import get_source

MiB = 2**20
SEED = 2026


def _repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _cdia_page(page_format: str, size: int, what: str) -> tuple[str, str, str]:
    page = sample("cdia", SEED, 0, defect_rate=0.0)
    body = page.html if page_format == "html" else page.text
    if what == "narrative":
        if page_format == "html":
            marker = "<h3>Details of Cooperation</h3>"
            unit = "<p>The city grows faster than its water, roads and drains can follow.</p>\n"
        else:
            marker = "Details of Cooperation\n"
            unit = "The city grows faster than its water, roads and drains can follow.\n\n"
        body = body.replace(marker, _repeat_to(unit, size) + marker, 1)
    else:  # stakeholders: one list value of very many entries
        head, label, rest = body.partition("Key Stakeholders and Partners")
        assert label, "the generated CDIA page has no stakeholders"
        end = rest.index("</p>") if page_format == "html" else rest.index("\n")
        rest = rest[:end] + _repeat_to("; City Water Utility Board", size) + rest[end:]
        body = head + label + rest
    return page.sheet_id, page.url, body


def _adb_page(page_format: str, size: int, what: str) -> tuple[str, str, str]:
    page = sample("adb_pds", SEED, 0, defect_rate=0.0)
    body = page.html if page_format == "html" else page.text
    if what == "narrative":
        sentence = "The project will pilot new approaches in planning and policy advice. "
        if page_format == "html":
            head, label, rest = body.partition("<dt>Description</dt>")
            end = rest.index("</dd>")
            paragraph = f"<p>{sentence}</p>"
        else:
            head, label, rest = body.partition("Description | ")
            end = rest.index(" |\n")
            paragraph = f"\n\n{sentence}"
        assert label, "the generated ADB page has no description"
        body = head + label + rest[:end] + _repeat_to(paragraph, size) + rest[end:]
    else:  # tenders: a table of very many rows
        if page_format == "html":
            row = (
                "<tr><td>Supply and Installation of Solar Home Systems, Lot 4</td><td>Works</td>"
                "<td>Archived</td><td>29&nbsp;Apr&nbsp;2021</td><td>09&nbsp;Jun&nbsp;2021</td></tr>"
            )
            marker = "</tbody></table>\n<h3>Contracts Awarded</h3>"
        else:
            row = (
                "Supply and Installation of Solar Home Systems, Lot 4 | Works | Archived"
                " | 29 Apr 2021 | 09 Jun 2021 |\n"
            )
            marker = "Contracts Awarded"
        assert marker in body, "the generated ADB page has no tenders table"
        at = body.index(marker)
        if page_format == "text":  # the tender rows end at the line before the next grid
            at = body.rindex("\n", 0, at) + 1
        body = body[:at] + _repeat_to(row, size) + body[at:]
    return page.sheet_id, page.url, body


CASES: dict[str, tuple[str, Callable[[int], tuple[str, str, str]]]] = {
    f"{source}-{page_format}-{what}": (
        source,
        lambda size, f=page_format, w=what, build=build: build(f, size, w),
    )
    for source, build, kinds in (
        ("cdia", _cdia_page, ("narrative", "stakeholders")),
        ("adb_pds", _adb_page, ("narrative", "tenders")),
    )
    for page_format in ("html", "text")
    for what in kinds
}


def build_page(case: str, size: int) -> tuple[str, str, str, bytes]:
    """(source, sheet_id, url, page as UTF-8 bytes) of a case, about `size` bytes long."""
    source, build = CASES[case]
    sheet_id, url, body = build(size)
    return source, sheet_id, url, body.encode("utf-8")


def peak_rss_mib() -> float:
    """This process's peak RSS: VmHWM where Linux tells it, which starts afresh at exec
    (`ru_maxrss` carries over the peak of the process that spawned this one)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(source: str, path: Path, *, trace: bool = False) -> dict[str, object]:
    """Parse the page saved at `path` in this process: its figures (call it in a fresh one)."""
    content = path.read_bytes()
    parse = get_source(source).parse
    before = peak_rss_mib()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        sheet = parse(content, sheet_id=path.stem, url=path.as_uri())
        outcome = f"{sum(len(rows) for rows in sheet.children.values())} child rows"
    except ParseError as error:
        outcome = f"ParseError {error.reason}"
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / MiB if trace else None
    return {
        "page_mib": len(content) / MiB,
        "rss_before_mib": before,
        "peak_rss_mib": peak_rss_mib(),
        "traced_peak_mib": traced,
        "seconds": seconds,
        "outcome": outcome,
    }


def run_case(case: str, size: int, *, trace: bool = False) -> dict[str, object]:
    """A case's page built here, then parsed and measured in a fresh Python process (so that
    neither building it nor another case's parse counts in its peak)."""
    source, sheet_id, _, content = build_page(case, size)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{sheet_id}.page"
        path.write_bytes(content)
        del content
        args = [sys.executable, __file__, "--child", source, "--page", str(path)]
        if trace:
            args.append("--tracemalloc")
        completed = subprocess.run(args, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(completed.stdout.splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mb", type=float, default=20.0, help="page size in MiB")
    options.add_argument("--case", action="append", choices=sorted(CASES))
    options.add_argument("--tracemalloc", action="store_true")
    options.add_argument("--child", help=argparse.SUPPRESS)
    options.add_argument("--page", type=Path, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.page, trace=args.tracemalloc)))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from parse import machine

    print(f"machine: {machine()}")
    print(f"one page of about {args.mb:g} MiB per case, each parsed in a fresh process")
    for case in args.case or CASES:
        figures = run_case(case, int(args.mb * MiB), trace=args.tracemalloc)
        traced = figures["traced_peak_mib"]
        print(
            f"  {case:<24} {figures['page_mib']:5.1f} MiB page:"
            f" RSS {figures['rss_before_mib']:4.0f} MiB before, peak {figures['peak_rss_mib']:5.0f}"
            f" MiB, {figures['seconds']:6.2f} s"
            + (f", Python's peak {traced:5.0f} MiB" if traced is not None else "")
            + f"  ({figures['outcome']})"
        )


if __name__ == "__main__":
    main()
