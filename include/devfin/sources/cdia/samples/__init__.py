"""Sample CDIA city-intervention pages: a random intervention as HTML and as its text rendering."""

from __future__ import annotations

import random

from devfin.samples.base import Sample
from devfin.sources.cdia.samples.defects import double_apostrophes, drop_label, spoil_study_period
from devfin.sources.cdia.samples.draw import random_page, slug
from devfin.sources.cdia.samples.layout import SOURCE, URL_PREFIX
from devfin.sources.cdia.samples.pages import render_html, render_text
from devfin.sources.cdia.samples.truth import page_truth

DEFECTS: tuple[str, ...] = ("missing_label", "bad_date", "doubled_apostrophes", "truncated")
# The ParseError reason of the defects that make a page unreadable. A bad date does not: the
# page parses with the date's field empty and its text in `unparsed`.
EXPECTED_ERRORS = {"truncated": "not_a_data_sheet"}


def generate(rng: random.Random, index: int, defect: str | None) -> Sample:
    """Page `index`: a random intervention with at most one defect, in both renderings."""
    if defect is not None and defect not in DEFECTS:
        raise ValueError(f"{SOURCE} pages cannot carry the defect {defect!r}")
    page = random_page(rng)
    sheet_id = f"{slug(page.title)}-{index}"
    url = f"{URL_PREFIX}{sheet_id}/"
    repaired: list[str] = []
    if defect == "missing_label":
        page = drop_label(rng, page)
    elif defect == "bad_date":
        page = spoil_study_period(rng, page)
    elif defect == "doubled_apostrophes":
        page, repaired = double_apostrophes(rng, page)
    truncated = defect == "truncated"
    text, page_html = render_text(page, truncated), render_html(page, url, truncated)
    error = EXPECTED_ERRORS.get(defect) if defect else None
    truth = None if error else page_truth(page, repaired)
    return Sample(SOURCE, sheet_id, url, page_html, text, truth, error, defect)
