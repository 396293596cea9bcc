"""The generators describe their layouts themselves: no sample module takes a page's spelling
from a parser, and each one stays short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "include" / "devfin"
SAMPLES = PACKAGE
MODULES = sorted([*PACKAGE.glob("samples/*.py"), *PACKAGE.glob("sources/*/samples/*.py")])
MAX_LINES = 500


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    found |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_a_generator_reads_no_parser(path: Path) -> None:
    own = ".".join(("devfin", *path.relative_to(PACKAGE).parts[:3]))  # its own generator
    parsers = {
        m
        for m in _imported(path)
        if m.startswith(("devfin.sources", "devfin.parse"))
        and not m.startswith(own)
        and not m.endswith(".records")  # the record types are no page's spelling
        and ".samples" not in m  # another source's generator (pairs draws from both)
        and m != "devfin.sources"  # the registry
    }
    assert not parsers, f"{path.name} imports {sorted(parsers)}: a page's spelling is its own"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(SAMPLES)))
def test_a_module_is_short(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
