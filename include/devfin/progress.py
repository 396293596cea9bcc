"""How a long stage tells its progress: a reporter the caller picks, lines in a log or bars."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)

Advance = Callable[[int], None]  # a stage's items done since it last said so


class Progress(Protocol):
    """What the stages are handed: `with progress.stage(source, "parse", total) as advance:`
    then `advance(n)` as items are done. The stages never look at where it ends up."""

    def stage(self, source: str, stage: str, total: int) -> AbstractContextManager[Advance]: ...


class LogProgress:
    """Progress as log lines, at most one per stage every `every_seconds`: what a log file or
    an Airflow task log can hold. A stage done sooner says nothing here (it logs its result)."""

    def __init__(
        self, every_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every_seconds = every_seconds
        self.clock = clock

    @contextmanager
    def stage(self, source: str, stage: str, total: int) -> Iterator[Advance]:
        done = 0
        said_at = self.clock()

        def advance(count: int) -> None:
            nonlocal done, said_at
            done += count
            now = self.clock()
            if now - said_at >= self.every_seconds and done < total:
                said_at = now
                log.info("%s: %s: %d of %d sheets (%.0f%%)", source, stage, done, total,
                         100 * done / total)  # fmt: skip

        yield advance


class BarProgress:
    """A bar per stage on a terminal (rich), removed when the stage ends: its result line, which
    the stage logs, stays. Use it as a context manager around the run: the bars live in it."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bars = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )

    def __enter__(self) -> BarProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    @contextmanager
    def stage(self, source: str, stage: str, total: int) -> Iterator[Advance]:
        task = self.bars.add_task(f"{source} {stage}", total=total)
        try:
            yield lambda count: self.bars.advance(task, count)
        finally:
            self.bars.remove_task(task)


LOG_PROGRESS = LogProgress()  # the stages' default: an Airflow task's log, a script's stderr
