"""ADB's IATI activity files (iati-activities-<country>.xml): parser, records, sample generator.

Being built (issue 23) and not yet wired: no DAG, GX suite, dbt models or discovery read it
yet, so it registers no source (`SOURCE = None`) and `devfin.sources` passes it over. Wiring it
in is giving it its `Source` here.
"""

from __future__ import annotations

from devfin.sources.source import Source

SOURCE: Source | None = None
