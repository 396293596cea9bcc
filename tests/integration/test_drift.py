"""Template drift: a label renamed on half the pages of a layout raises a warning naming its
field and layout; a run that brings many pages of an older layout raises none."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfin import pipeline
from devfin.pipeline import ingest
from devfin.samples import samples
from devfin.settings import Settings, load_settings

pytestmark = pytest.mark.integration
REPO_DIR = Path(__file__).resolve().parents[2]
RENAMED = ("<dt>Gender</dt>", "<dt>Gender Classification</dt>")


def _settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(
        load_settings({"DEVFIN_REPO_DIR": str(REPO_DIR)}),
        warehouse_url=f"duckdb:///{tmp_path / 'devfin.duckdb'}",
        data_dir=tmp_path / "data",
        archive_url=str(tmp_path / "archive"),
    )


def _write(folder: Path, seed: int, renamed: Collection[int] = ()) -> list[str]:
    """40 generated sheets; on the pages numbered in `renamed` the Gender label is renamed, so
    the parser no longer finds it (a template change, or an older layout without the field)."""
    folder.mkdir(parents=True)
    ids = []
    for number, page in enumerate(samples("adb_pds", 40, seed, defect_rate=0.0)):
        html = page.html.replace(*RENAMED) if number in renamed else page.html
        (folder / f"{page.sheet_id}.html").write_text(html, encoding="utf-8")
        ids.append(page.sheet_id)
    return ids


def _ingest_as(load_id: str, settings: Settings, layouts: dict[str, str]) -> None:
    """Ingest adb_pds with each sheet's layout set as `layouts` names it: it stands for the
    parser's reading of the layout, so the test does not depend on what the generator writes."""
    pipeline.discover_sheets("adb_pds", load_id, settings, None)
    pipeline.fetch_sheets("adb_pds", load_id, settings)
    pipeline.parse_sheets("adb_pds", load_id, settings)
    parsed = settings.run_dir("adb_pds", load_id) / "parsed.jsonl"
    items = [json.loads(line) for line in parsed.read_text(encoding="utf-8").splitlines()]
    for item in items:
        item["sheet"]["record"]["layout"] = layouts[item["sheet_id"]]
    parsed.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    pipeline.validate_sheets("adb_pds", load_id, settings)
    pipeline.load_sheets("adb_pds", load_id, settings)


def _results(settings: Settings, suite: str) -> list[sa.Row]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select load_id, check_name, column_name, severity, success, element_count,"
                " unexpected_count, message from audit.dq_results where suite = :suite"
                " order by load_id, check_name"
            ),
            {"suite": suite},
        ).all()
    engine.dispose()
    return rows


def test_renamed_label_on_half_the_pages_raises_the_drift_warning(tmp_path: Path) -> None:
    base = _settings(tmp_path)
    _write(tmp_path / "before" / "adb_pds", seed=1)
    ingest("adb_pds", "before", dataclasses.replace(base, sample_dir=tmp_path / "before"))
    # The generator numbers sheets from the same base: a new seed gives new versions of them.
    _write(tmp_path / "after" / "adb_pds", seed=2, renamed=set(range(0, 40, 2)))
    ingest("adb_pds", "after", dataclasses.replace(base, sample_dir=tmp_path / "after"))

    engine = sa.create_engine(base.warehouse_url)
    with engine.connect() as conn:
        layouts = conn.execute(sa.text("select distinct layout from staging.adb_projects")).all()
    engine.dispose()
    # Whatever layout the parser reads the generated pages as (unknown when it names none).
    assert len(layouts) == 1
    layout = layouts[0].layout or "unknown"
    drifted = _results(base, "template_drift")
    assert [(r.load_id, r.column_name, r.severity, r.success) for r in drifted] == [
        ("after", "gender", "warning", False)
    ]
    assert drifted[0].check_name == f"fill rate of gender steady (layout {layout})"
    assert f"gender filled in 50% of this run's 40 sheets of layout {layout}" in drifted[0].message
    fill = {(r.load_id, r.check_name): r for r in _results(base, "fill_rates")}
    overall = fill[("after", "fill rate of gender (all layouts)")]
    assert (overall.element_count, overall.unexpected_count) == (40, 20)
    assert fill[("after", f"fill rate of gender (layout {layout})")].unexpected_count == 20


def test_many_pages_of_an_older_layout_are_not_template_drift(tmp_path: Path) -> None:
    base = _settings(tmp_path)
    ids = _write(tmp_path / "r1" / "adb_pds", seed=1)
    _ingest_as(
        "r1", dataclasses.replace(base, sample_dir=tmp_path / "r1"), dict.fromkeys(ids, "new")
    )
    # Run 2 brings 30 pages of an older layout that has no Gender, and 10 of the new one.
    old = set(range(30))
    ids = _write(tmp_path / "r2" / "adb_pds", seed=2, renamed=old)
    layouts = {sheet_id: "old" if n in old else "new" for n, sheet_id in enumerate(ids)}
    _ingest_as("r2", dataclasses.replace(base, sample_dir=tmp_path / "r2"), layouts)

    assert _results(base, "template_drift") == []
    fill = {(r.load_id, r.check_name): r for r in _results(base, "fill_rates")}
    assert fill[("r2", "fill rate of gender (all layouts)")].unexpected_count == 30  # 25% filled
    assert fill[("r2", "fill rate of gender (layout old)")].element_count == 30
    assert fill[("r2", "fill rate of gender (layout new)")].unexpected_count == 0
    assert "of layout old" in fill[("r2", "fill rate of gender (layout old)")].message

    # Run 3: the new layout loses Gender on half its pages; the old layout is judged against
    # its own run 2 (no drift), the new one against runs 1 and 2 (drift).
    ids = _write(tmp_path / "r3" / "adb_pds", seed=3, renamed=set(range(0, 40, 2)) | {1, 3})
    layouts = {sheet_id: "old" if n in {1, 3} else "new" for n, sheet_id in enumerate(ids)}
    _ingest_as("r3", dataclasses.replace(base, sample_dir=tmp_path / "r3"), layouts)
    drifted = _results(base, "template_drift")
    assert [(r.load_id, r.check_name) for r in drifted] == [
        ("r3", "fill rate of gender steady (layout new)")
    ]
    assert "filled in 47% of this run's 38 sheets of layout new, 100%" in drifted[0].message
