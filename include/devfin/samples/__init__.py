"""Deterministic corpora of realistic data sheets, each page with a sidecar of its true values.

`devfin samples --count N --seed S --out DIR` writes, for each source, N pages
`DIR/<source>/<sheet id>.html` (or `.txt` with `--format text`; with `--format mixed`, each page
in the rendering its own draw picked: several layout generations, HTML or text) and its truth
`<sheet id>.truth.json`: the records a parser must read back, or the ParseError reason it must
raise. A fraction `defect_rate` of the pages (default 10 %) carries one injected defect, chosen
uniformly among the defects the source supports (see `base.DEFECT_KINDS`); `DIR/manifest.json`
counts them. The same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devfin.records import parsed_sheet_to_json
from devfin.samples.base import Sample
from devfin.sources import SOURCE_KEYS as SOURCES
from devfin.sources import generator

DEFAULT_DEFECT_RATE = 0.10
FORMATS = ("html", "text", "mixed")
PAGE_SUFFIXES = frozenset({".html", ".txt", ".xml"})


def sample(source: str, seed: int, index: int, defect_rate: float = DEFAULT_DEFECT_RATE) -> Sample:
    """Page `index` of a source's corpus: a function of (source, seed, index, rate) alone."""
    module = generator(source)
    rng = random.Random(f"{seed}:{source}:{index}")
    defect = rng.choice(module.DEFECTS) if rng.random() < defect_rate else None
    return module.generate(rng, index, defect)


def samples(
    source: str, count: int, seed: int, defect_rate: float = DEFAULT_DEFECT_RATE
) -> Iterator[Sample]:
    for index in range(count):
        yield sample(source, seed, index, defect_rate)


def truth_json(page: Sample, rendering: str = "html") -> dict[str, Any]:
    """The sidecar of a page as `rendering` writes it: what a parser must make of it."""
    truth = page.rendered(rendering).truth
    return {
        "source": page.source,
        "sheet_id": page.sheet_id,
        "url": page.url,
        "defect": page.defect,
        "expected_error": page.expected_error,
        "truth": parsed_sheet_to_json(truth) if truth is not None else None,
    }


def write_corpus(
    out: Path,
    count: int,
    seed: int,
    *,
    page_format: str = "html",
    defect_rate: float = DEFAULT_DEFECT_RATE,
    sources: tuple[str, ...] = SOURCES,
) -> dict[str, Any]:
    """Write `count` pages of each source and their sidecars under `out`; returns the manifest."""
    if page_format not in FORMATS:
        raise ValueError(f"page_format must be one of {FORMATS}, not {page_format!r}")
    manifest: dict[str, Any] = {
        "seed": seed,
        "count_per_source": count,
        "format": page_format,
        "defect_rate": defect_rate,
        "sources": {},
    }
    for source in sources:
        folder = out / source
        folder.mkdir(parents=True, exist_ok=True)
        defects: Counter[str] = Counter()
        for page in samples(source, count, seed, defect_rate):
            name = page.mixed if page_format == "mixed" else page_format
            rendering = page.rendered(name)
            page_path = folder / f"{page.stem}{rendering.suffix}"
            page_path.write_text(rendering.body, encoding="utf-8")
            # A page written before in another format would be a second sheet of the same id.
            for suffix in PAGE_SUFFIXES - {rendering.suffix}:
                (folder / f"{page.stem}{suffix}").unlink(missing_ok=True)
            sidecar = folder / f"{page.stem}.truth.json"
            sidecar.write_text(
                json.dumps(truth_json(page, name), indent=1, ensure_ascii=False) + "\n"
            )
            defects[page.defect or "clean"] += 1
        manifest["sources"][source] = dict(sorted(defects.items()))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def write_demo_iati_files(out: Path, count: int, seed: int, defect_rate: float) -> list[str]:
    """The IATI country files of the corpus's ADB projects (`out/adb_iati/`), disagreeing with
    their data sheets here and there as `devfin.samples.pairs` draws it, so that a run of the
    corpus reconciles the two sources; returns the files' names."""
    from devfin.samples import pairs

    sheets = [
        page.truth
        for page in samples("adb_pds", count, seed, defect_rate)
        if page.truth is not None
    ]
    folder = out / "adb_iati"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for stem, content in pairs.iati_files_for(sheets, seed).items():
        (folder / f"{stem}.xml").write_bytes(content)
        names.append(f"{stem}.xml")
    return names
