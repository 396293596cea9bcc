"""ADB's IATI activity files (iati-activities-<country>.xml): parser, records, sample generator.

A file holds a country's activities; each activity is a sheet (`files.split` cuts the file).
"""

from __future__ import annotations

import re

from devfin.sources.adb_iati.records import RECORD_TYPES
from devfin.sources.source import Source

SOURCE = Source(
    key="adb_iati",
    records=RECORD_TYPES,
    parser="devfin.sources.adb_iati.parser",
    generator="devfin.sources.adb_iati.samples",
    identity=re.compile(r"<iati-activities[\s>]"),
    bundle="devfin.sources.adb_iati.files",
    # ADB regenerates its IATI files about weekly.
    schedule="@weekly",
)
