"""Discovery: the configured sheets and the sheet links of sitemaps and index pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devfin.errors import ConfigError
from devfin.extract.discovery import load_plans, unique
from devfin.extract.fetching import SheetRef

REPO_DIR = Path(__file__).resolve().parents[2]


SHIPPED = load_plans(REPO_DIR / "include" / "sheets.yml")


def test_the_shipped_sheets_file_names_both_sources() -> None:
    assert SHIPPED["adb_pds"].listed_refs() == [
        SheetRef("adb_pds", number, f"https://www.adb.org/projects/{number}/main")
        for number in ("54037-001", "55201-001", "55236-001")
    ]
    assert SHIPPED["cdia"].listed_refs() == [
        SheetRef("cdia", slug, f"https://cdia.asia/project/{slug}/")
        for slug in (
            "green-growth-and-climate-change-resilience-project",
            "slum-improvement-in-strategic-human-settlements-area",
        )
    ]


# The addresses of the stored real pages (../shared/real_pages/README.md), and other forms.
REAL_ADDRESSES = [
    ("adb_pds", "https://www.adb.org/projects/55201-001/main", "55201-001"),
    ("adb_pds", "https://www.adb.org/projects/55236-001/main", "55236-001"),
    ("adb_pds", "http://www.adb.org/projects/42414-043/main", "42414-043"),
    ("adb_pds", "http://www.adb.org/print/projects/47299-001/main", "47299-001"),
    ("adb_pds", "https://www.adb.org/print/projects/23213-013/main", "23213-013"),
    ("adb_pds", "http://beta.adb.org/print/projects/44212-013/main", "44212-013"),
    ("adb_pds", "http://beta.adb.org/projects/44212-013/main", "44212-013"),
    ("adb_pds", "https://adb.org/projects/45198-001/main/", "45198-001"),
    ("adb_pds", "https://www.adb.org/projects/45007-003/main?tab=funding", "45007-003"),
    (
        "cdia",
        "https://cdia.asia/project/green-growth-and-climate-change-resilience-project/",
        "green-growth-and-climate-change-resilience-project",
    ),
    (
        "cdia",
        "https://cdia.asia/project/slum-improvement-in-strategic-human-settlements-area",
        "slum-improvement-in-strategic-human-settlements-area",
    ),
    ("cdia", "http://www.cdia.asia/project/solo-urban-transport-2/", "solo-urban-transport-2"),
]


@pytest.mark.parametrize(("source", "url", "sheet_id"), REAL_ADDRESSES)
def test_every_address_form_gives_the_sheet_id(source: str, url: str, sheet_id: str) -> None:
    assert SHIPPED[source].sheet_id(url) == sheet_id
    # Listed as a URL, the address is fetched as written.
    plan = dataclasses.replace(SHIPPED[source], ids=(), urls=(url,))
    assert plan.listed_refs() == [SheetRef(source, sheet_id, url)]


NOT_SHEETS = [
    ("adb_pds", "https://www.adb.org/projects/55201-001/documents"),
    ("adb_pds", "https://www.adb.org/projects"),
    ("adb_pds", "https://www.adb.org/search?next=/projects/55201-001/main"),
    ("adb_pds", "https://example.test/projects/55201-001/main"),
    ("adb_pds", "https://www.adb.org/projects/5520-001/main"),
    ("cdia", "https://cdia.asia/project/"),
    ("cdia", "https://cdia.asia/project/page/2/"),
    ("cdia", "https://cdia.asia/project/slum-improvement/feed/"),
    # The address the project assumed before it read the real site.
    ("cdia", "https://cdia.asia/city-interventions/chongqing-innovation"),
]


@pytest.mark.parametrize(("source", "url"), NOT_SHEETS)
def test_other_addresses_of_the_sites_are_not_sheets(source: str, url: str) -> None:
    assert SHIPPED[source].sheet_id(url) is None


def test_an_adb_sitemap_gives_one_sheet_per_project_in_any_address_form() -> None:
    sitemap = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://www.adb.org/projects/55201-001/main</loc></url>"
        b"<url><loc>https://www.adb.org/print/projects/55236-001/main</loc></url>"
        b"<url><loc>http://beta.adb.org/print/projects/44212-013/main</loc></url>"
        b"<url><loc>https://www.adb.org/projects/55201-001/documents</loc></url>"
        b"<url><loc>https://www.adb.org/projects/55201-001/main</loc></url>"
        b"<url><loc>https://www.adb.org/projects/45007-003/main?a=1&amp;b=2</loc></url>"
        b"</urlset>"
    )
    refs = SHIPPED["adb_pds"].index_refs("https://www.adb.org/sitemap.xml", sitemap)
    assert [r.sheet_id for r in refs] == [
        "55201-001", "55236-001", "44212-013", "55201-001", "45007-003"
    ]  # fmt: skip
    assert refs[-1].url == "https://www.adb.org/projects/45007-003/main?a=1&b=2"
    assert [r.sheet_id for r in unique(refs)] == [
        "44212-013", "45007-003", "55201-001", "55236-001"
    ]  # fmt: skip


def test_a_cdia_project_list_gives_its_project_pages() -> None:
    page = (
        b"<html><body><nav><a href='/project/'>Projects</a>"
        b" <a href='https://cdia.asia/about-us/'>About</a></nav>"
        b'<a href="https://cdia.asia/project/green-growth-and-climate-change-resilience-project/">'
        b"Green growth</a>"
        b'<a href="/project/slum-improvement-in-strategic-human-settlements-area/#top">Slums</a>'
        b"<a href='/project/page/2/'>next</a></body></html>"
    )
    refs = SHIPPED["cdia"].index_refs("https://cdia.asia/project/", page)
    assert refs == [
        SheetRef(
            "cdia",
            "green-growth-and-climate-change-resilience-project",
            "https://cdia.asia/project/green-growth-and-climate-change-resilience-project/",
        ),
        SheetRef(
            "cdia",
            "slum-improvement-in-strategic-human-settlements-area",
            "https://cdia.asia/project/slum-improvement-in-strategic-human-settlements-area/",
        ),
    ]


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
