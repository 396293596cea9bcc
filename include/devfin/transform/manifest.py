"""The manifest of the dbt project the marts DAG is drawn from, kept by the project's fingerprint,
and the saved parse each dbt target folder starts from."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from devfin.settings import Settings
from devfin.transform.dbt import DbtError, dbt_target, run_dbt

MANIFESTS_KEPT = 3
# Folders of a dbt project that dbt writes to; what is in them does not change the project.
_GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages"})


def project_fingerprint(settings: Settings) -> str:
    """A hash of everything the dbt manifest depends on: the project's files, the target, the
    dbt version. Reading a few dozen small files is cheap enough for every DAG parse."""
    root = settings.dbt_project_dir
    digest = hashlib.sha256()
    for part in (str(root.resolve()), dbt_target(settings), version("dbt-core")):
        digest.update(part.encode() + b"\0")
    for path in sorted(_project_files(root)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _project_files(root: Path) -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".") and not (Path(folder) == root and name in _GENERATED_DIRS)
        ]
        files.extend(Path(folder) / name for name in names if not name.startswith("."))
    return files


def dbt_manifest(settings: Settings) -> Path:
    """The `manifest.json` of the dbt project as it is now, made by `dbt parse` when the project
    changed since the last one (`dbt parse` reads files only: it opens no warehouse connection).

    Manifests are kept by fingerprint under `<data dir>/dbt-parse/`, so a DAG parse after a
    change to the models draws the new graph, and an unchanged project is never parsed twice.
    """
    root = settings.data_dir / "dbt-parse"
    final = root / project_fingerprint(settings)
    manifest = final / "manifest.json"
    if manifest.exists():
        return manifest
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root, prefix=".parse-"))
    try:
        # no warehouse lock: a DAG parse runs this, and `dbt parse` opens no connection
        parsed = run_dbt(settings, scratch, "parse", lock=False)
        if parsed.returncode != 0 or not (scratch / "manifest.json").exists():
            raise DbtError(
                f"dbt parse of {settings.dbt_project_dir} failed (exit {parsed.returncode}):"
                f"\n{(parsed.stdout + parsed.stderr)[-3000:]}"
            )
        try:
            scratch.rename(final)
        except OSError:
            if not manifest.exists():  # not a concurrent parse that got there first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _prune(root, keep=final)
    return manifest


def _prune(root: Path, keep: Path) -> None:
    """Keep the newest few manifests: a DAG run drawn from one may still be running."""
    kept = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in kept[MANIFESTS_KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def seed_partial_parse(settings: Settings, out_dir: Path) -> None:
    """Start a dbt target folder with the saved parse of the project as it is now
    (`dbt_manifest`), so dbt parses only what changed since (nothing, usually)."""
    saved = dbt_manifest(settings).with_name("partial_parse.msgpack")
    if saved.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, out_dir / saved.name)
