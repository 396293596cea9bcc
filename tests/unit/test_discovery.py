"""Discovery: the configured sheets and the sheet links of sitemaps and index pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfin.discovery import load_plans, unique
from devfin.errors import ConfigError
from devfin.fetching import SheetRef

REPO_DIR = Path(__file__).resolve().parents[2]


def test_the_shipped_sheets_file_names_both_sources() -> None:
    plans = load_plans(REPO_DIR / "include" / "sheets.yml")
    assert plans["adb_pds"].listed_refs() == [
        SheetRef("adb_pds", "54037-001", "https://www.adb.org/projects/54037-001/main")
    ]
    (cdia,) = plans["cdia"].listed_refs()
    assert cdia.sheet_id == "chongqing-innovation-and-human-capital-development"


def test_sitemap_and_index_links_matching_the_id_pattern(tmp_path: Path) -> None:
    path = tmp_path / "sheets.yml"
    path.write_text(
        "sources:\n  adb_pds:\n    id_pattern: '/projects/(\\d{5}-\\d{3})/main'\n"
        "    index_urls: ['https://example.test/sitemap.xml']\n"
    )
    plan = load_plans(path)["adb_pds"]
    sitemap = (
        b"<urlset><url><loc>https://example.test/projects/12345-001/main</loc></url>"
        b"<url><loc> https://example.test/about </loc></url></urlset>"
    )
    assert [r.sheet_id for r in plan.index_refs("https://example.test/sitemap.xml", sitemap)] == [
        "12345-001"
    ]
    index = b'<a href="/projects/22222-002/main">x</a> <a href="/news">n</a>'
    refs = plan.index_refs("https://example.test/projects/", index)
    assert refs == [
        SheetRef("adb_pds", "22222-002", "https://example.test/projects/22222-002/main")
    ]


def test_unique_keeps_the_first_ref_and_limits_to_ids() -> None:
    refs = [SheetRef("s", "b", "u1"), SheetRef("s", "a", "u2"), SheetRef("s", "b", "u3")]
    assert unique(refs) == [SheetRef("s", "a", "u2"), SheetRef("s", "b", "u1")]
    assert unique(refs, frozenset({"b"})) == [SheetRef("s", "b", "u1")]


def test_a_plan_without_id_pattern_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sheets.yml"
    path.write_text("sources:\n  cdia:\n    urls: [https://x.test/a]\n")
    with pytest.raises(ConfigError, match="id_pattern"):
        load_plans(path)
