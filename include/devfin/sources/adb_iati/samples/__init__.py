"""Sample IATI activity files of ADB: a country's random activities, seeded, with their truth.

`generate_file` makes a country's file of many activities; `generate` is the registry's
(`devfin.samples`): page `index` of a corpus, a file of one activity, as a `Sample`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devfin.records import ParsedSheet
from devfin.samples.base import Rendering, Sample
from devfin.sources.adb_iati.samples.defects import DEFECTS, EXPECTED_ERRORS, apply
from devfin.sources.adb_iati.samples.draw import Activity, random_activity
from devfin.sources.adb_iati.samples.reference import COUNTRIES
from devfin.sources.adb_iati.samples.render import render_file
from devfin.sources.adb_iati.samples.truth import SOURCE, activity_truth

__all__ = [
    "COUNTRIES",
    "DEFECTS",
    "SOURCE",
    "ExpectedError",
    "SampleFile",
    "generate",
    "generate_file",
    "write",
]

URL_PREFIX = "https://www.adb.org/iati/iati-activities-"
# Stands for the time the file was made: generated files depend on their seed only.
GENERATED = "2026-01-05T00:00:00Z"


@dataclass(frozen=True)
class ExpectedError:
    """An activity that must not parse: its position in the file and the ParseError reason."""

    position: int
    reason: str


@dataclass(frozen=True)
class SampleFile:
    """A generated activity file and, activity by activity, what a parser must make of it."""

    country: str
    sheet_id: str  # "iati-activities-ph", the file's name without ".xml"
    url: str
    content: bytes
    truth: tuple[ParsedSheet | ExpectedError, ...]


def activities(seed: int, country: str, count: int, defect_rate: float = 0.1) -> Iterator[Activity]:
    """The activities of a country's file, each with at most one defect (`defect_rate` of them)."""
    if country not in {code for code, _, _ in COUNTRIES}:
        raise ValueError(f"no sample activities for country {country!r}")
    rng = random.Random(f"adb_iati-{seed}-{country}")
    for index in range(count):
        activity = random_activity(rng, country, index)
        if rng.random() < defect_rate:
            activity = apply(rng, activity, rng.choice(DEFECTS))
        yield activity


def truth_of(activity: Activity, position: int) -> ParsedSheet | ExpectedError:
    if activity.defect in EXPECTED_ERRORS:
        return ExpectedError(position, EXPECTED_ERRORS[activity.defect])
    return activity_truth(activity)


def generate_file(seed: int, country: str, count: int, defect_rate: float = 0.1) -> SampleFile:
    """A country's file of `count` activities, in memory, with each activity's truth."""
    drawn = list(activities(seed, country, count, defect_rate))
    content = "".join(render_file(drawn, GENERATED)).encode("utf-8")
    truth = tuple(truth_of(activity, position) for position, activity in enumerate(drawn, 1))
    sheet_id = f"iati-activities-{country.lower()}"
    return SampleFile(country, sheet_id, f"{URL_PREFIX}{country.lower()}.xml", content, truth)


def write(path: Path, seed: int, country: str, count: int, defect_rate: float = 0.1) -> int:
    """Writes a country's file of `count` activities to `path` an activity at a time (no truth
    kept: for files too large to hold); returns its size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        for chunk in render_file(activities(seed, country, count, defect_rate), GENERATED):
            out.write(chunk)
    return path.stat().st_size


def generate(rng: random.Random, index: int, defect: str | None) -> Sample:
    """Page `index` of a corpus: a file of one activity of a drawn country (`devfin.samples`
    draws the defect). Its sheet id is the activity's identifier, as the fetch stage names the
    activity; an activity without one is named after its file, whose name is then the id."""
    country = rng.choice(COUNTRIES)[0]
    activity = random_activity(rng, country, index)
    if defect is not None:
        activity = apply(rng, activity, defect)
    body = "".join(render_file([activity], GENERATED))
    truth = truth_of(activity, 1)
    named = activity.identifier is not None and activity.identifier.strip()
    stem = activity.identifier.strip() if named else f"iati-sample-{index:05d}"
    # as the fetch stage names a file's activity without identifier (`files.unnamed_sheet_id`)
    sheet_id = stem if named else f"{stem}#activity-1"
    url = f"{URL_PREFIX}{country.lower()}.xml#{sheet_id}"
    parsed = truth if isinstance(truth, ParsedSheet) else None
    return Sample(
        source=SOURCE,
        sheet_id=sheet_id,
        url=url,
        html=body,
        text=body,
        truth=parsed,
        expected_error=truth.reason if isinstance(truth, ExpectedError) else None,
        defect=activity.defect,
        renderings={"xml": Rendering("xml", ".xml", body, parsed)},
        mixed="xml",
        native="xml",
        file_stem=stem,
    )
