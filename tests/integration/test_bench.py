"""The pipeline benchmark runs end to end on a small corpus, each stage in its own task process,
and a stage that fails there fails the benchmark with the stage's own traceback."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from devfin.parse.pool import PARALLEL_PARSE_MIN_SHEETS, release_parse_workers

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "pipeline.py"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """bench/pipeline.py imported as a module; the bench folder it puts on sys.path, and the
    modules it imports from there, are gone again afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec = importlib.util.spec_from_file_location("devfin_bench_pipeline", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for name, imported in list(sys.modules.items()):
        if Path(getattr(imported, "__file__", None) or "/").parent == BENCH.parent:
            del sys.modules[name]


def _bench(*args: str) -> str:
    """What bench/pipeline.py prints with these arguments (dbt skipped); it must succeed."""
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--skip-dbt", *args],
        capture_output=True, text=True, check=False, timeout=400,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def _stages(out: str, process: str) -> list[str]:
    """The stage lines printed, each naming the process it ran in ("task" or "this")."""
    line = rf"^ +(discover \+ fetch|parse|validate|load) +[\d.]+ s .* {process} process"
    return re.findall(line, out, flags=re.MULTILINE)


def test_the_pipeline_benchmark_runs_and_prints_every_stage() -> None:
    """Both warehouses one after the other in one benchmark, each source large enough to be
    parsed by parse workers (in the task processes, and in the peer's run before the second
    warehouse's stages)."""
    out = _bench("--sheets", "420", "--peer-sheets", "420", "--warehouse", "duckdb",
                 "--warehouse", "postgres")  # fmt: skip
    assert 420 // 2 >= PARALLEL_PARSE_MIN_SHEETS
    for run in ("cold", "unchanged", "changed"):
        assert len(re.findall(rf"run {run}: [\d.]+ s end to end", out)) == 2, out
    # two warehouses, three runs, two sources, four stages
    assert len(_stages(out, "task")) == 2 * 3 * 2 * 4
    loaded = [int(n) for n in re.findall(r"loaded (\d+), unchanged", out)]
    for first in (0, 6):  # each warehouse's cold, unchanged and changed runs, two sources each
        cold, unchanged, changed = (loaded[first + i : first + i + 2] for i in (0, 2, 4))
        assert min(cold) > 0 and unchanged == [0, 0] and sum(changed) > 0, out
    ratios = re.findall(r"fetch \+ parse \+ load [\d.]+ s: [\d.]+x faster than the peer", out)
    assert len(ratios) == 2, out


def test_the_pipeline_benchmark_runs_in_one_process_when_asked() -> None:
    out = _bench("--sheets", "60", "--peer-sheets", "20", "--cold-only", "--warehouse", "duckdb",
                 "--one-process")  # fmt: skip
    assert len(_stages(out, "this")) == 2 * 4
    assert "task process" not in out
    assert "faster than the peer" in out


def test_a_stage_runs_in_its_own_process_and_its_failure_reaches_the_benchmark(
    bench: ModuleType,
) -> None:
    release_parse_workers()  # none kept by an earlier test for the fork to inherit
    small, small_peak = bench.in_task_process(lambda: len(bytearray(16 * 2**20)))
    large, large_peak = bench.in_task_process(lambda: len(bytearray(256 * 2**20)))
    assert (small, large) == (16 * 2**20, 256 * 2**20)
    assert large_peak - small_peak >= 200  # MiB: the peak is the task process's own

    def fails() -> None:
        raise ValueError("sheet 42 is not where it was")

    with pytest.raises(RuntimeError, match=r"(?s)a stage failed.*ValueError: sheet 42"):
        bench.in_task_process(fails)
