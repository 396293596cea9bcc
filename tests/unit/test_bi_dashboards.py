"""bi/dashboards/, the Superset dashboards kept as files, agree with the marts and exposures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_DIR = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO_DIR / "bi" / "dashboards"
MARTS_DIR = REPO_DIR / "dbt" / "models" / "marts"
EXPOSURES = MARTS_DIR / "portfolio" / "_portfolio__exposures.yml"


def _load(folder: str) -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in sorted(DASHBOARDS_DIR.glob(folder))]


@pytest.fixture(scope="module")
def datasets() -> dict[str, dict[str, Any]]:
    return {dataset["uuid"]: dataset for dataset in _load("datasets/*/*.yaml")}


@pytest.fixture(scope="module")
def charts() -> dict[str, dict[str, Any]]:
    return {chart["uuid"]: chart for chart in _load("charts/*.yaml")}


def _charts_of(dashboard: dict[str, Any]) -> list[str]:
    return [
        item["meta"]["uuid"]
        for key, item in dashboard["position"].items()
        if key.startswith("CHART-")
    ]


def test_the_bundle_is_an_assets_export_on_one_database() -> None:
    assert yaml.safe_load((DASHBOARDS_DIR / "metadata.yaml").read_text())["type"] == "assets"
    (database,) = _load("databases/*.yaml")
    # bi/setup.py sets the URI at import, from the warehouse it is given: no machine's path here.
    assert "duckdb" not in database["sqlalchemy_uri"] and "@" not in database["sqlalchemy_uri"]
    assert database["allow_dml"] is False and database["allow_file_upload"] is False
    assert {dataset["database_uuid"] for dataset in _load("datasets/*/*.yaml")} == {
        database["uuid"]
    }


def test_every_dataset_is_a_mart(datasets: dict[str, dict[str, Any]]) -> None:
    marts = {path.stem for path in MARTS_DIR.rglob("*.sql")}
    for dataset in datasets.values():
        assert dataset["schema"] == "marts", dataset["table_name"]
        assert dataset["table_name"] in marts, dataset["table_name"]
        assert dataset.get("sql") is None, "a chart reads a mart, never its own SQL"


def test_every_chart_is_on_a_dashboard_with_its_saved_query(
    charts: dict[str, dict[str, Any]], datasets: dict[str, dict[str, Any]]
) -> None:
    placed = [uuid for dashboard in _load("dashboards/*.yaml") for uuid in _charts_of(dashboard)]
    assert sorted(placed) == sorted(charts), "each chart file on exactly one dashboard"
    for chart in charts.values():
        assert chart["dataset_uuid"] in datasets, chart["slice_name"]
        # /api/v1/chart/<id>/data/ answers from the saved query context only.
        context = json.loads(chart["query_context"])
        assert context["queries"], chart["slice_name"]
        assert context["form_data"] == chart["params"], chart["slice_name"]


def test_tables_show_scraped_text_as_text(charts: dict[str, dict[str, Any]]) -> None:
    tables = [chart for chart in charts.values() if chart["viz_type"] == "table"]
    assert tables
    for chart in tables:
        assert chart["params"]["allow_render_html"] is False, chart["slice_name"]


def test_each_dashboard_is_an_exposure_reading_what_its_charts_read(
    charts: dict[str, dict[str, Any]], datasets: dict[str, dict[str, Any]]
) -> None:
    exposures = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    by_url = {exposure.get("url"): exposure for exposure in exposures}
    dashboards = _load("dashboards/*.yaml")
    assert {dashboard["slug"] for dashboard in dashboards} >= {
        "portfolio-overview",
        "implementation-performance",
        "data-quality",
    }
    for dashboard in dashboards:
        exposure = by_url[f"http://127.0.0.1:8088/superset/dashboard/{dashboard['slug']}/"]
        read = {
            datasets[charts[uuid]["dataset_uuid"]]["table_name"] for uuid in _charts_of(dashboard)
        }
        declared = {ref.removeprefix("ref('").removesuffix("')") for ref in exposure["depends_on"]}
        assert read <= declared, f"{exposure['name']} does not declare {read - declared}"
