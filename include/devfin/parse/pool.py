"""The parse workers: processes kept for the life of this process, parsing sheets side by side."""

from __future__ import annotations

import multiprocessing
import sys
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from devfin.parse.sheets import parse_one
from devfin.sources import SOURCE_KEYS, SOURCES

# Below this many sheets, starting worker processes costs more than it saves.
PARALLEL_PARSE_MIN_SHEETS = 200
PARSE_CHUNK = 25  # sheets a worker takes at a time


@contextmanager
def parse_pool(workers: int, sheets: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for a parse big enough to gain from them, else None (this process)."""
    if workers <= 1 or sheets < PARALLEL_PARSE_MIN_SHEETS:
        yield None
        return
    pool = _worker_pool(workers)
    try:
        yield pool
    except BrokenProcessPool:  # a worker died: the next parse starts a new pool
        _POOLS.pop(workers, None)
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def parse_all(
    pool: ProcessPoolExecutor | None, jobs: list[tuple[str, str, str, str, str, str]]
) -> Iterator[tuple[bool, str]]:
    """`parse_one` of each job, in their order: in the pool's workers, else in this process."""
    if pool is None:
        return map(parse_one, jobs)
    with _main_module_hidden():  # the pool starts its workers as the jobs go in
        return pool.map(parse_one, jobs, chunksize=PARSE_CHUNK)


def release_parse_workers() -> None:
    """Stop the parse workers this process kept (the next parse starts new ones)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


_POOLS: dict[int, ProcessPoolExecutor] = {}  # parse workers kept, by their number


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Worker processes started in this block do not import this process's main module.

    multiprocessing has each new process import its parent's `__main__` (the `airflow` command
    of a task, a script), so that functions defined there can be sent to it; a parse worker
    runs only `devfin.parse.sheets`, and importing Airflow again in each worker costs seconds. With
    a main module that names no file nor module, there is nothing to import (as for the
    interactive interpreter).
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    """Parse workers kept for the life of this process: a run parses one source after another,
    and starting workers costs more than parsing a small source takes.

    They fork from a forkserver, a fresh single-threaded process that imported only the parsers,
    never from this process, which may run threads (an Airflow task and its heartbeat).
    `release_parse_workers` stops them (`build_marts` does: dbt needs their memory more).
    """
    if workers not in _POOLS:
        context = multiprocessing.get_context("forkserver")
        # the parsers too, imported once there rather than in each worker at its first sheet
        context.set_forkserver_preload(
            ["devfin.parse.sheets", *(SOURCES[key].parser for key in SOURCE_KEYS)]
        )
        _POOLS[workers] = ProcessPoolExecutor(workers, mp_context=context)
    return _POOLS[workers]
