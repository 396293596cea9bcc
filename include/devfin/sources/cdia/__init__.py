"""CDIA city-intervention pages (cdia.asia/project/<slug>): parser, records, sample generator."""

from __future__ import annotations

import re

from devfin.sources.cdia.records import (
    CdiaCity,
    CdiaImpactArea,
    CdiaInfrastructureSector,
    CdiaIntervention,
    CdiaStakeholder,
)
from devfin.sources.source import Source

SOURCE = Source(
    key="cdia",
    records=(
        CdiaIntervention,
        CdiaCity,
        CdiaStakeholder,
        CdiaInfrastructureSector,
        CdiaImpactArea,
    ),
    parser="devfin.sources.cdia.parser",
    generator="devfin.sources.cdia.samples",
    identity=re.compile(r"City Interventions|CDIA Support"),
)
