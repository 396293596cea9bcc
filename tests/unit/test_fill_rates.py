"""Fill rates by layout, and template drift judged within a layout."""

from __future__ import annotations

import pytest

from devfin.quality.drift import (
    HISTORY_RUNS,
    MIN_ROWS,
    FillCounter,
    FillRate,
    drifts,
    layout_of,
    optional_fields,
)


def test_fill_rates_over_all_layouts_and_per_layout() -> None:
    records = [
        {"project_number": "1", "layout": "live-2025", "gender": "GEN"},
        {"project_number": "2", "layout": "live-2025", "gender": None},
        {"project_number": "3", "layout": "pds-2014"},
        {"project_number": "4", "layout": None, "gender": "NGE"},
    ]
    counter = FillCounter("adb_pds")
    for record in records:
        counter.add(record)
    rates = {(r.layout, r.field): r for r in counter.rates()}
    assert rates[(None, "gender")] == FillRate("gender", 4, 2)
    assert rates[("live-2025", "gender")] == FillRate("gender", 2, 1, "live-2025")
    assert rates[("pds-2014", "gender")] == FillRate("gender", 1, 0, "pds-2014")
    assert rates[("unknown", "gender")] == FillRate("gender", 1, 1, "unknown")
    assert {layout for layout, _ in rates} == {None, "live-2025", "pds-2014", "unknown"}
    assert "layout" not in optional_fields("adb_pds")  # the key of the rates, not one of them
    assert "layout" not in optional_fields("cdia")


@pytest.mark.parametrize("layout", ["live-2025", "print", "a) (layout b", "<script>x</script>"])
def test_a_check_name_says_its_layout_and_gives_it_back(layout: str) -> None:
    rate = FillRate("project_officer", 10, 9, layout)
    assert rate.check_name == f"fill rate of project_officer (layout {layout})"
    assert layout_of(rate.check_name, "project_officer") == layout


def test_the_rate_over_all_layouts_and_old_names_have_no_layout() -> None:
    overall = FillRate("gender", 10, 9)
    assert overall.check_name == "fill rate of gender (all layouts)"
    assert layout_of(overall.check_name, "gender") is None
    assert layout_of("gender filled", "gender") is None  # written before rates had layouts


def _run(layout: str | None, rows: int, filled: int, field: str = "gender") -> list[FillRate]:
    return [FillRate(field, rows, filled, layout)]


def test_drift_is_judged_within_a_layout() -> None:
    history = [_run("live-2025", 40, 40) + _run(None, 40, 40)]
    # Many pages of an older layout without the field: the rate over all layouts falls from
    # 100% to 25%, and neither layout drifted.
    current = _run("live-2025", 10, 10) + _run("pds-2014", 30, 0) + _run(None, 40, 10)
    assert drifts(current, history) == []
    current = _run("live-2025", 40, 20) + _run(None, 40, 20)
    (found,) = drifts(current, history)
    assert (found.field, found.layout, found.rows, found.before, found.now, found.runs) == (
        "gender",
        "live-2025",
        40,
        1.0,
        0.5,
        1,
    )
    assert found.check_name == "fill rate of gender steady (layout live-2025)"


def test_a_small_or_new_layout_is_not_judged() -> None:
    history = [_run("live-2025", 40, 40)]
    assert drifts(_run("live-2025", MIN_ROWS - 1, 0), history) == []
    assert drifts(_run("tabbed-2015", 40, 0), history) == []  # no run of it before
    assert [d.layout for d in drifts(_run("live-2025", MIN_ROWS, 0), history)] == ["live-2025"]


def test_the_history_of_a_layout_is_its_newest_runs_pooled() -> None:
    # Newest first: HISTORY_RUNS runs at 50% (one of 1,000 sheets), then older runs at 100%
    # that no longer count; a run without the layout is skipped, not counted.
    history = [
        _run("print", 1000, 500),
        _run("live-2025", 40, 40),
        *[_run("print", 10, 5) for _ in range(HISTORY_RUNS - 1)],
        *[_run("print", 10, 10) for _ in range(5)],
    ]
    assert drifts(_run("print", 20, 5), history) == []  # 25% against 50%: 25 points
    (found,) = drifts(_run("print", 20, 3), history)  # 15% against 50%
    assert found.runs == HISTORY_RUNS and found.before == pytest.approx(0.5)
