"""Names as path components: safe, readable, and distinct for distinct names."""

from __future__ import annotations

from devfin.paths import path_component


def test_safe_names_pass_through_unchanged() -> None:
    assert path_component("54037-001") == "54037-001"


def test_unsafe_names_are_made_safe_and_stay_distinct() -> None:
    colon, underscore = path_component("a:b"), path_component("a_b")
    assert colon != underscore and colon.startswith("a_b-")
    for name in ("manual__2026-11-23T05:00:00+00:00", "../etc/passwd", "x/y"):
        safe = path_component(name)
        assert "/" not in safe and ":" not in safe and "+" not in safe
        assert not safe.startswith(".")
