"""The codelists the GX suites check codes against, read from the dbt seeds at validation time.

A suite names a codelist as a GX suite parameter, `"value_set": {"$PARAMETER": "<seed>"}`, and
`load_suites` puts the list in its place: the seeds are the one copy of the codes in the
repository, for dbt and GX alike. Every code of a list counts, withdrawn ones too (an older
activity may still carry one); a seed's `status` column says which are withdrawn.
"""

from __future__ import annotations

import csv
from pathlib import Path

# The IATI codelist seeds, `dbt/seeds/iati/iati_codelist_<name>.csv` (code, name[, status]).
IATI_SEEDS = "iati"
IATI_PREFIX = "iati_codelist_"
NOT_A_CODELIST = "iati_codelist_versions"  # where each list came from, not a list
# The DAC 3-digit sector categories (SectorVocabulary 2): the first three digits of the DAC
# 5-digit codes, as each code's <category> in IATI's Sector.xml says.
SECTOR = "iati_codelist_sector"
SECTOR_CATEGORY = "iati_codelist_sector_category"


def value_sets(seeds_dir: Path) -> dict[str, list[str]]:
    """The codes of every IATI codelist seed under `seeds_dir` (dbt's `seeds/`), by seed name,
    and the DAC sector categories (`iati_codelist_sector_category`) derived from the sectors."""
    found: dict[str, list[str]] = {}
    for path in sorted((seeds_dir / IATI_SEEDS).glob(f"{IATI_PREFIX}*.csv")):
        if path.stem == NOT_A_CODELIST:
            continue
        with path.open(encoding="utf-8", newline="") as rows:
            found[path.stem] = [row["code"] for row in csv.DictReader(rows)]
    if SECTOR in found:
        found[SECTOR_CATEGORY] = sorted({code[:3] for code in found[SECTOR]})
    return found
