"""The stage functions' own decisions, apart from the stages' work."""

from __future__ import annotations

import logging

import pytest

from devfin.pipeline import staging_changed

LOADED_NOTHING = {
    "sheets_loaded": 0,
    "sheets_unchanged": 19,
    "sheets_quarantined": 1,
    "sheets_failed": 1,
}


def test_a_load_that_added_versions_changed_staging() -> None:
    assert staging_changed("cdia", {**LOADED_NOTHING, "sheets_loaded": 1})


@pytest.mark.parametrize("counts", [LOADED_NOTHING, {}], ids=["unchanged", "no counts"])
def test_a_load_that_added_nothing_left_staging_as_it_was_and_says_so(
    counts: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="devfin.pipeline"):
        assert not staging_changed("cdia", counts)
    assert "cdia: no new sheet version loaded" in caplog.text
    assert "the marts are not rebuilt" in caplog.text
