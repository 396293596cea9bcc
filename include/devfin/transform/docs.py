"""The published dbt docs of the latest run, beside the data-quality report."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from devfin import csp
from devfin.settings import Settings
from devfin.transform.manifest import project_fingerprint

DOCS_FILES = ("index.html", "static_index.html", "catalog.json", "manifest.json")
DOCS_FINGERPRINT = "project-fingerprint"  # beside the published docs: the project they show


def docs_dir(settings: Settings) -> Path:
    """Where the dbt docs of the latest run are published: beside the data-quality report."""
    return settings.report_dir / "dq" / "dbt"


def publish_docs(docs_target: Path, settings: Settings) -> Path:
    """Replace the published dbt docs with those of `docs_target` at once; returns the folder.
    `static_index.html` holds the manifest and catalog inline, so it opens from disk too;
    `DOCS_FINGERPRINT` names the project they show (`project_fingerprint`)."""
    published = docs_dir(settings)
    published.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=published.parent, prefix=".dbt-partial-"))
    fresh.chmod(0o755)  # readable like the report beside it (mkdtemp makes it private)
    for name in DOCS_FILES:
        if (docs_target / name).exists():
            shutil.copyfile(docs_target / name, fresh / name)
            if name.endswith(".html"):  # dbt's scripts, as dbt wrote them, and no other
                csp.set_policy(fresh / name, csp.dbt_docs_policy((fresh / name).read_bytes()))
    (fresh / DOCS_FINGERPRINT).write_text(project_fingerprint(settings))
    retired = published.parent / f".dbt-retired-{fresh.name}"
    if published.exists():
        published.rename(retired)
    fresh.rename(published)
    shutil.rmtree(retired, ignore_errors=True)
    return published
