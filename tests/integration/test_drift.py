"""Template drift: a label renamed on half the pages raises a warning naming its field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin.pipeline import ingest
from devfin.samples import samples
from devfin.settings import load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]


def _write(folder: Path, seed: int, rename_every: int | None) -> None:
    folder.mkdir(parents=True)
    for number, page in enumerate(samples("adb_pds", 40, seed, defect_rate=0.0)):
        html = page.html
        if rename_every and number % rename_every == 0:
            # A template change: the label is renamed, so the parser no longer finds it.
            html = html.replace("<dt>Gender</dt>", "<dt>Gender Classification</dt>")
        (folder / f"{page.sheet_id}.html").write_text(html, encoding="utf-8")


def test_renamed_label_on_half_the_pages_raises_the_drift_warning(tmp_path: Path) -> None:
    base = dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
    )
    _write(tmp_path / "before" / "adb_pds", seed=1, rename_every=None)
    ingest("adb_pds", "before", dataclasses.replace(base, sample_dir=tmp_path / "before"))
    # The generator numbers sheets from the same base: a new seed gives new versions of them.
    _write(tmp_path / "after" / "adb_pds", seed=2, rename_every=2)
    ingest("adb_pds", "after", dataclasses.replace(base, sample_dir=tmp_path / "after"))

    engine = sa.create_engine(base.warehouse_url)
    with engine.connect() as conn:
        drifted = conn.execute(
            sa.text(
                "select load_id, column_name, severity, success, message from audit.dq_results"
                " where suite = 'template_drift'"
            )
        ).all()
    engine.dispose()
    assert [(r.load_id, r.column_name, r.severity, r.success) for r in drifted] == [
        ("after", "gender", "warning", False)
    ]
    assert "gender filled in 50%" in drifted[0].message
