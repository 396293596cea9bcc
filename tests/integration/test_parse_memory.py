"""Parsing a 20 MB page, each in a fresh process, peaks under 400 MiB of RSS (bench/parse_memory.py
builds the pages by repeating real content of generated sheets)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "parse_memory.py"
LIMIT_MIB = 400
PAGE_BYTES = 20 * 2**20


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devfin_bench_parse_memory", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# A long narrative and a long list of each source, in HTML and text (the ADB page of 130,000
# tender rows in HTML peaks highest: 384 MiB, lexbor's tree of it alone 257 MiB).
CASES = (
    "cdia-html-narrative",
    "cdia-html-stakeholders",
    "cdia-text-narrative",
    "adb_pds-html-narrative",
    "adb_pds-html-tenders",
    "adb_pds-text-tenders",
)


@pytest.mark.parametrize("case", CASES)
def test_a_20_mb_page_parses_under_400_mib(case: str) -> None:
    figures = _bench().run_case(case, PAGE_BYTES)
    assert figures["page_mib"] >= 19.5
    assert not str(figures["outcome"]).startswith("ParseError"), figures
    assert figures["peak_rss_mib"] < LIMIT_MIB, figures
