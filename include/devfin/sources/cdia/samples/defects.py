"""The defects an intervention page may carry: each edits the drawn page."""

from __future__ import annotations

import dataclasses
import random

from devfin.sources.cdia.samples.draw import Entry, Page
from devfin.sources.cdia.samples.layout import PERIOD_SEPARATOR, STUDY_PERIOD

# --- Defects --------------------------------------------------------------------------------


def drop_label(rng: random.Random, page: Page) -> Page:
    """A label left out; as often as not the study period, which real pages leave out."""
    if rng.random() < 0.5:
        dropped = page.required(STUDY_PERIOD)
    else:
        dropped = rng.choice(page.entries)
    entries = tuple(e for e in page.entries if e is not dropped)
    return dataclasses.replace(page, entries=entries)


def spoil_study_period(rng: random.Random, page: Page) -> Page:
    """A month that does not exist ("Marhc 2018"): its last two letters swapped. The page still
    parses: that end of the period is empty, the period's text kept in `unparsed`."""
    period = page.required(STUDY_PERIOD)
    months = period.written[0].split(PERIOD_SEPARATOR)
    spoilt = rng.randrange(len(months))
    name, year = months[spoilt].split(" ")
    bad_name = f"{name[:-2]}{name[-1]}{name[-2]}"
    months[spoilt] = f"{bad_name} {year}"
    written = PERIOD_SEPARATOR.join(months)
    field_name = ("study_period_start", "study_period_end")[spoilt]
    # The reason is devfin.parse.text.parse_month's, for the month that does not exist.
    reason = f"unknown month {bad_name!r} in {months[spoilt]!r}"
    spoilt_entry = dataclasses.replace(
        period,
        written=(written,),
        fields={**period.fields, field_name: None},
        unparsed={field_name: {"text": written, "reason": reason}},
    )
    return _replace_entry(page, spoilt_entry)


def double_apostrophes(rng: random.Random, page: Page) -> tuple[Page, list[str]]:
    """Some values with their apostrophes escaped SQL-style, and the fields a parser mends."""
    # The key issues always hold one, so there is always a value to spoil.
    candidates = [e for e in page.entries if "'" in "".join(e.written)]
    chosen = rng.sample(candidates, rng.randint(1, len(candidates)))
    repaired = [name for entry in chosen for name in entry.text_fields()]
    for entry in chosen:
        doubled = tuple(text.replace("'", "''") for text in entry.written)
        page = _replace_entry(page, dataclasses.replace(entry, written=doubled))
    if "'" in page.title and rng.random() < 0.5:
        page = dataclasses.replace(page, title=page.title.replace("'", "''"))
        repaired.append("title")
    return page, repaired


def _replace_entry(page: Page, new: Entry) -> Page:
    entries = tuple(new if e.label == new.label else e for e in page.entries)
    return dataclasses.replace(page, entries=entries)
