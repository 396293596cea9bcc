"""Sample ADB Project Data Sheets: a random sheet as the live HTML page and as its text rendering.

A page is drawn as its source writes it (`Page`: the records in their source spelling, and the
page's furniture); a defect edits that page; both renderings write it; and the truth is its
records with the source text mended, as the parser must read them back. An executing agency's
address is on both renderings: after its name in the HTML, on the lines below it in the text.
"""

from __future__ import annotations

import random

from devfin.samples.base import Rendering, Sample
from devfin.sources.adb_pds.samples.defects import INJECT, truncate
from devfin.sources.adb_pds.samples.draw import draw_page
from devfin.sources.adb_pds.samples.layout import PDS_2014, PRINT, SOURCE, TABBED_2015
from devfin.sources.adb_pds.samples.live import render_bullets, render_html, render_text
from devfin.sources.adb_pds.samples.older import (
    has_approvals,
    render_pds_2014,
    render_print,
    render_tabbed,
)
from devfin.sources.adb_pds.samples.truth import TRUTHS

DEFECTS: tuple[str, ...] = (
    "missing_label",
    "bad_date",
    "amounts_mismatch",
    "doubled_apostrophes",
    "truncated",
)
# The ParseError reason of the defects that make a page unreadable.
EXPECTED_ERRORS = {"truncated": "not_a_data_sheet"}

URL_TEMPLATE = "https://www.adb.org/projects/{number}/main"


def generate(rng: random.Random, index: int, defect: str | None) -> Sample:
    """Page `index`: drawn from `rng` alone, with `defect` (one of DEFECTS) injected if given.

    `html` and `text` are the live page and its pipe rendering; `renderings` holds the bullets
    rendering and the older generations (print, pds-2014) of the same sheet, and `mixed` the one
    a corpus of mixed formats writes, drawn after the page so the two above never change."""
    if defect is not None and defect not in DEFECTS:
        raise ValueError(f"{SOURCE} supports the defects {DEFECTS}, not {defect!r}")
    number = project_number(index)
    page = draw_page(rng, number)
    if defect is not None and defect != "truncated":
        page = INJECT[defect](rng, page)
    pages = {
        "html": render_html(page),
        "text": render_text(page),
        "bullets": render_bullets(page),
        PRINT: render_print(page),
    }
    if page.record.project_status:  # the tabbed page states it in its header line
        pages[TABBED_2015] = render_tabbed(page)
    if has_approvals(page):
        pages[PDS_2014] = render_pds_2014(page)
    if defect == "truncated":
        pages = {name: truncate(name, body) for name, body in pages.items()}
    failing = defect in EXPECTED_ERRORS
    truths = {name: None if failing else TRUTHS[name](page) for name in pages}
    renderings = {
        name: Rendering(name, ".html" if name == "html" else ".txt", body, truths[name])
        for name, body in pages.items()
        if name not in ("html", "text") or truths[name] != truths["text"]
    }
    return Sample(
        source=SOURCE,
        sheet_id=number,
        url=URL_TEMPLATE.format(number=number),
        html=pages["html"],
        text=pages["text"],
        truth=truths["text"],
        expected_error=EXPECTED_ERRORS.get(defect or ""),
        defect=defect,
        renderings=renderings,
        mixed=_pick_rendering(rng, defect, pages),
    )


# How often a corpus of mixed formats writes each rendering: the live HTML page most often.
_MIXED_WEIGHTS = {
    "html": 50,
    "text": 10,
    "bullets": 15,
    PRINT: 12,
    PDS_2014: 13,
    TABBED_2015: 10,
}
# The defects the older generations show: they have no timetable, no financing plan, and
# fewer labels, so the other defects are drawn on the live page's renderings only.
_OLD_GENERATION_DEFECTS = (None, "doubled_apostrophes", "truncated")


def _pick_rendering(rng: random.Random, defect: str | None, pages: dict[str, str]) -> str:
    names = [
        name
        for name in _MIXED_WEIGHTS
        if name in pages
        and (name not in (PRINT, PDS_2014, TABBED_2015) or defect in _OLD_GENERATION_DEFECTS)
    ]
    return rng.choices(names, [_MIXED_WEIGHTS[name] for name in names])[0]


def project_number(index: int) -> str:
    """The project number of page `index`: "NNNNN-NNN", a different one for each index."""
    return f"{40000 + index % 60000:05d}-{1 + index // 60000:03d}"
