"""ADB Project Data Sheets (adb.org/projects/<number>): parser, records, sample generator."""

from __future__ import annotations

import re

from devfin.sources.adb_pds.records import (
    AdbContract,
    AdbDisbursement,
    AdbDocument,
    AdbExecutingAgency,
    AdbFundingSource,
    AdbLoanUtilization,
    AdbOperationalPriority,
    AdbProject,
    AdbProjectCountry,
    AdbProjectSector,
    AdbTender,
)
from devfin.sources.source import Source

SOURCE = Source(
    key="adb_pds",
    records=(
        AdbProject,
        AdbProjectCountry,
        AdbOperationalPriority,
        AdbProjectSector,
        AdbFundingSource,
        AdbExecutingAgency,
        AdbDisbursement,
        AdbDocument,
        AdbTender,
        AdbLoanUtilization,
        AdbContract,
    ),
    parser="devfin.sources.adb_pds.parser",
    generator="devfin.sources.adb_pds.samples",
    identity=re.compile(r"Project(?:/Program)? Number|Project \| \d{5}-\d{3}"),
)
