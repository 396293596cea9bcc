"""How the command line shows itself: its log lines, its progress bars, its quiet exit."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from devfin.progress import LOG_PROGRESS, BarProgress, Progress


@contextmanager
def progress(console: Any) -> Iterator[Progress]:
    """Bars on the terminal's console when stderr is one (`configure_logging` made it, and logs
    through it, above the bars), else plain progress lines in the log."""
    if console is None:
        yield LOG_PROGRESS
        return
    with BarProgress(console) as bars:
        yield bars


class _PrintableFormatter(logging.Formatter):
    """Log lines quote scraped text (sheet ids, page text): no control character of theirs
    reaches the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return "".join(c if c.isprintable() or c in "\n\t" else "?" for c in super().format(record))


class _ConsoleHandler(logging.Handler):
    """Log lines printed by the terminal's rich Console: above its progress bars."""

    def __init__(self, console: Any) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        from rich.text import Text

        try:
            self.console.print(Text(self.format(record)), soft_wrap=True, highlight=False)
        except Exception:  # as logging.StreamHandler: a line that cannot print loses that line
            self.handleError(record)


def _from_devfin_or_warning(record: logging.LogRecord) -> bool:
    """devfin's own lines at INFO; its libraries' (GX, dbt, Airflow's) only when they warn,
    whatever level they set themselves (GX sets INFO on one of its loggers)."""
    return record.levelno >= logging.WARNING or record.name.split(".")[0] == "devfin"


def configure_logging(verbose: bool, progress: bool) -> Any:
    """One handler on stderr: a rich Console's when stderr is a terminal and the command shows
    progress bars (that Console is returned, for the bars), a plain stream's otherwise."""
    console = None
    if progress and sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
        handler: logging.Handler = _ConsoleHandler(console)
        handler.setFormatter(_PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_from_devfin_or_warning)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])  # none if the root has one
    if verbose or progress:
        logging.getLogger("devfin").setLevel(logging.INFO)
    if not verbose:  # dbt's line per node: hundreds a build
        logging.getLogger("devfin.transform.dbt.output").setLevel(logging.WARNING)
    return console


def silence_exit_noise() -> None:
    """Registered first, so run last of the exit handlers: from here on, stderr goes nowhere.

    When duckdb-engine and Great Expectations shared the process, duckdb 2.0's bindings
    (nanobind) print forty lines of "leaked" objects as the interpreter finalises: harmless, the
    process is ending (the Makefile filters the same lines from the test runs, EXIT_NOISE).
    Everything the command had to say, a traceback of an uncaught error included, is out by now.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
