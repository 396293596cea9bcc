"""A generated corpus parses back to its sidecar truth, field for field, and is reproducible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devfin.cli import main
from devfin.errors import ParseError
from devfin.records import parsed_sheet_to_json
from devfin.samples import SOURCES, write_corpus, write_demo_iati_files
from devfin.sources import get_source

NOT_COMPARED = ("provenance", "parser_version")  # provenance differs between renderings


def _comparable(sheet_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sheet_json.items() if k not in NOT_COMPARED}


def _outcome(source: str, page: Path, sheet_id: str, url: str) -> tuple[str, Any]:
    try:
        parsed = get_source(source).parse(page.read_bytes(), sheet_id=sheet_id, url=url)
    except ParseError as error:
        return ("error", error.reason)
    return ("parsed", _comparable(parsed_sheet_to_json(parsed)))


def _expected(sidecar: dict[str, Any]) -> tuple[str, Any]:
    if sidecar["truth"] is None:
        return ("error", sidecar["expected_error"])
    return ("parsed", _comparable(sidecar["truth"]))


@pytest.mark.parametrize("page_format", ["html", "text", "mixed"])
def test_500_generated_sheets_per_source_parse_back_to_their_truth(
    tmp_path: Path, page_format: str
) -> None:
    manifest = write_corpus(tmp_path, 500, seed=7, page_format=page_format)
    sidecars = sorted(tmp_path.glob("*/*.truth.json"))
    assert len(sidecars) == 500 * len(SOURCES)
    mismatches = []
    for path in sidecars:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
        stem = path.name.removesuffix(".truth.json")  # the page's file, beside its sidecar
        (page,) = [p for p in path.parent.glob(stem + ".*") if p != path]
        got = _outcome(sidecar["source"], page, sidecar["sheet_id"], sidecar["url"])
        if got != _expected(sidecar):
            mismatches.append(sidecar["sheet_id"])
    assert mismatches == [], f"{len(mismatches)} of {len(sidecars)} pages differ from their truth"
    injected = sum(
        n for counts in manifest["sources"].values() for k, n in counts.items() if k != "clean"
    )
    assert 0.05 <= injected / len(sidecars) <= 0.15, "about 10 % of the pages carry a defect"


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 20, seed=11)
    write_corpus(tmp_path / "b", 20, seed=11)
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.*")}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.*")}
    assert first == second and len(first) == 2 * 20 * len(SOURCES) + 1


def test_samples_command_writes_pages_and_sidecars(tmp_path: Path, capsys) -> None:
    assert main(["samples", "--count", "3", "--seed", "5", "--out", str(tmp_path)]) == 0
    for source in SOURCES:
        sidecars = list((tmp_path / source).glob("*.truth.json"))
        countries = list((tmp_path / source).glob("iati-activities-*.xml"))  # to reconcile
        pages = [p for p in (tmp_path / source).glob("*.*") if p not in sidecars + countries]
        assert len(sidecars) == 3 and len(pages) == 3
        # a source of one format (IATI's XML) writes it whatever the format asked
        assert {p.suffix for p in pages} == ({".xml"} if source == "adb_iati" else {".html"})
    assert list((tmp_path / "adb_iati").glob("iati-activities-*.xml"))  # written last
    assert "adb_pds: 3 pages" in capsys.readouterr().out


def test_a_mixed_corpus_holds_several_layouts(tmp_path: Path) -> None:
    write_corpus(tmp_path, 60, seed=3, page_format="mixed", sources=("adb_pds",))
    suffixes = {p.suffix for p in (tmp_path / "adb_pds").glob("*.*") if ".truth" not in p.name}
    layouts = {
        sidecar["truth"]["record"]["layout"]
        for path in (tmp_path / "adb_pds").glob("*.truth.json")
        if (sidecar := json.loads(path.read_text(encoding="utf-8")))["truth"] is not None
    }
    assert suffixes == {".html", ".txt"}
    assert layouts == {"live-2025", "print", "pds-2014", "tabbed-2015"}


def test_the_shipped_demo_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    """include/sample_data holds a generated corpus; `make samples` must reproduce it exactly."""
    shipped = Path(__file__).resolve().parents[3] / "include" / "sample_data"
    manifest = json.loads((shipped / "manifest.json").read_text())
    write_corpus(
        tmp_path,
        manifest["count_per_source"],
        manifest["seed"],
        page_format=manifest["format"],
        defect_rate=manifest["defect_rate"],
    )
    regenerated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.*")}
    on_disk = {
        p.relative_to(shipped): p.read_bytes()
        for p in shipped.rglob("*.*")
        if p.relative_to(shipped) in regenerated
    }
    assert on_disk == regenerated


def test_the_shipped_iati_files_reconcile_the_demo_corpus_projects(tmp_path: Path) -> None:
    """`make samples` writes the IATI files of the demo corpus's ADB projects beside it."""
    shipped = Path(__file__).resolve().parents[3] / "include" / "sample_data"
    manifest = json.loads((shipped / "manifest.json").read_text())
    names = write_demo_iati_files(
        tmp_path, manifest["count_per_source"], manifest["seed"], manifest["defect_rate"]
    )
    assert names and all(name.startswith("iati-activities-") for name in names)
    for name in names:
        assert (shipped / "adb_iati" / name).read_bytes() == (
            tmp_path / "adb_iati" / name
        ).read_bytes()
    # every ADB project of the corpus whose sheet parses has its activities in one of them
    corpus = sorted(p.stem for p in (shipped / "adb_pds").glob("4*.truth.json"))
    text = b"".join((tmp_path / "adb_iati" / name).read_bytes() for name in names)
    parsed = [
        stem.removesuffix(".truth")
        for stem in corpus
        if json.loads((shipped / "adb_pds" / f"{stem}.json").read_text())["truth"] is not None
    ]
    assert parsed and all(f"XM-DAC-46004-{number}-".encode() in text for number in parsed)
