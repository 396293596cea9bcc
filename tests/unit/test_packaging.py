"""`pip install .` gives a working devfin: every import declared, every file shipped, CLI runs."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from importlib.metadata import entry_points, packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_DIR = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO_DIR / "include" / "devfin"
# What setuptools reads to build devfin; the copy keeps build output out of the working tree.
BUILD_INPUTS = ("pyproject.toml", "README.md")


def _package_files() -> list[Path]:
    """Every file of the package as it lies in the repo, bytecode caches left out."""
    return sorted(
        path.relative_to(PACKAGE_DIR.parent)
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """devfin built as `pip install .` builds it: `<dir>/lib` what the wheel installs, `<dir>/meta`
    its metadata. setuptools runs offline in this venv (an isolated build would need an index)."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "src"
    for name in BUILD_INPUTS:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_DIR / name, source / name)
    shutil.copytree(
        PACKAGE_DIR, source / "include" / "devfin", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "meta").mkdir()
    # `pip install .` runs these two through its wheel build: the metadata, and what gets copied.
    build = [sys.executable, "-c", "from setuptools import setup; setup()", "-q"]
    build += ["egg_info", "--egg-base", str(root / "meta")]
    build += ["build_py", "--build-lib", str(root / "lib")]
    done = subprocess.run(build, cwd=source, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return root


def _metadata_dir(built: Path) -> Path:
    (egg_info,) = (built / "meta").glob("*.egg-info")
    return egg_info


def _declared(built: Path) -> set[str]:
    """The distributions devfin requires when installed without extras, from its built metadata."""
    # requires.txt: the plain requirements, then `[extra]`, `[extra:marker]`, `[:marker]` sections.
    declared: set[str] = set()
    section = ""
    for line in (_metadata_dir(built) / "requires.txt").read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif line.strip():
            extra, _, marker = section.partition(":")
            if not extra and (not marker or Marker(marker).evaluate()):
                declared.add(canonicalize_name(Requirement(line).name))
    return declared


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST) -> set[str]:
    """Top-level names of the modules a module imports when it runs (not under TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            names |= set().union(*(_imported(child) for child in node.orelse))
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        names |= _imported(node)
    return names


def _third_party_imports() -> dict[str, list[str]]:
    """Each third-party top-level module devfin imports, with the files importing it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            if name != "devfin" and name not in sys.stdlib_module_names:
                found.setdefault(name, []).append(str(path.relative_to(REPO_DIR)))
    return found


def test_every_module_devfin_imports_is_a_declared_dependency(built: Path) -> None:
    declared = _declared(built)
    providers = packages_distributions()
    imports = _third_party_imports()
    assert imports  # the scan found devfin's imports at all
    undeclared = {
        module: files
        for module, files in imports.items()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & declared
    }
    assert not undeclared, f"imported by devfin, not in pyproject's dependencies: {undeclared}"


def test_what_devfin_runs_without_importing_is_declared(built: Path) -> None:
    """The `dbt` devfin starts, the adapter of each dbt target, the SQLAlchemy DuckDB dialect."""
    declared = _declared(built)
    profiles = yaml.safe_load((REPO_DIR / "dbt" / "profiles.yml").read_text(encoding="utf-8"))
    for profile in profiles.values():
        for output in profile["outputs"].values():
            assert canonicalize_name(f"dbt-{output['type']}") in declared, output["type"]
    (dbt,) = entry_points(group="console_scripts", name="dbt")
    (dialect,) = entry_points(group="sqlalchemy.dialects", name="duckdb")
    for entry_point in (dbt, dialect):
        assert entry_point.dist is not None
        assert canonicalize_name(entry_point.dist.name) in declared, entry_point


def test_the_package_ships_every_file_of_devfin(built: Path) -> None:
    """Package data too (templates, say): what is under include/devfin is what gets installed."""
    shipped = {
        path.relative_to(built / "lib") for path in (built / "lib").rglob("*") if path.is_file()
    }
    missing = [str(path) for path in _package_files() if path not in shipped]
    assert not missing, f"not installed by `pip install .`: {missing}"


def test_the_installed_devfin_command_runs(built: Path) -> None:
    """`devfin --help` and `python -m devfin --help` from the built package, not the repo."""
    scripts = configparser.ConfigParser()
    scripts.read(_metadata_dir(built) / "entry_points.txt")
    module, _, function = scripts["console_scripts"]["devfin"].partition(":")
    # PYTHONPATH comes before the editable install's path entry: the built copy is imported.
    env = {**os.environ, "PYTHONPATH": str(built / "lib")}
    console_script = (
        "import importlib, sys; import devfin; print(devfin.__file__)\n"
        "sys.argv = ['devfin', '--help']\n"
        f"sys.exit(importlib.import_module({module!r}).{function}())"
    )
    outputs = []
    for command in (["-c", console_script], ["-m", "devfin", "--help"]):
        completed = subprocess.run(
            [sys.executable, *command],
            cwd=built,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr
        assert "usage: devfin" in completed.stdout
        outputs.append(completed.stdout)
    assert outputs[0].splitlines()[0] == str(built / "lib" / "devfin" / "__init__.py")
