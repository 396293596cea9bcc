"""The HTML helpers: text as a browser lays it out, labelled values, tables with nested headers."""

from __future__ import annotations

from devfin.parse.html import (
    Node,
    has_class,
    inner_text,
    labelled_values,
    parse_html,
    read_grid,
    split_at_markers,
)


def body(markup: str) -> Node:
    node = parse_html(f"<!DOCTYPE html><html><body>{markup}</body></html>").body
    assert node is not None
    return node


def first(markup: str, selector: str) -> Node:
    node = body(markup).css_first(selector)
    assert node is not None
    return node


def test_inner_text_lays_out_blocks_lines_and_paragraphs() -> None:
    dd = first(
        "<dd>\n  <p>One  paragraph\n  wrapped</p><p>Two<br>lines</p>"
        "<ul><li>a</li>\n<li>b&nbsp;c</li></ul><script>var x = '';</script></dd>",
        "dd",
    )
    assert inner_text(dd) == "One paragraph wrapped\n\nTwo\nlines\n\na\nb\u00a0c"


def test_inner_text_keeps_inline_markup_inline_and_cells_apart() -> None:
    assert inner_text(first("<p><strong>Water</strong> / <em>Urban</em></p>", "p")) == (
        "Water / Urban"
    )
    row = first("<table><tr><td>Fund</td><td>US$ 1.00</td></tr></table>", "tr")
    assert inner_text(row) == "Fund US$ 1.00"


def test_split_at_markers_gives_each_marker_the_text_after_it() -> None:
    dd = first(
        "<dd>Note<div><span class='co'>Ministry</span><br>1 Main Road<br>City</div>"
        "<div><span class='co'>Bank</span></div></dd>",
        "dd",
    )
    lead, segments = split_at_markers(dd, lambda node: has_class(node, "co"))
    assert lead == "Note"
    assert segments == [("Ministry", "1 Main Road\nCity"), ("Bank", "")]


def test_labelled_values_are_dt_dd_groups_and_th_td_rows_in_page_order() -> None:
    root = body(
        "<table><tr><th>A</th><td>1</td></tr><tr><th>Head</th><th>Row</th></tr></table>"
        "<dl><dt>B</dt><dd>2</dd><dd>3</dd><dt>C</dt></dl>"
        "<table><tr><th>D</th><td>4</td><td>padding</td></tr></table>"
    )
    pairs = [
        (inner_text(label), [inner_text(value) for value in values])
        for label, values in labelled_values(root)
    ]
    assert pairs == [("A", ["1"]), ("B", ["2", "3"]), ("C", []), ("D", ["4"])]


def test_a_two_row_header_names_each_column_by_its_labels_top_down() -> None:
    table = read_grid(
        first(
            "<table><caption>Milestones</caption><thead>"
            "<tr><th rowspan='2'>Approval</th><th colspan='3'>Closing</th></tr>"
            "<tr><th>Original</th><th>Revised</th><th>Actual</th></tr></thead>"
            "<tbody><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></tbody></table>",
            "table",
        )
    )
    assert table is not None
    assert table.caption == "Milestones"
    assert table.columns == (
        ("Approval",),
        ("Closing", "Original"),
        ("Closing", "Revised"),
        ("Closing", "Actual"),
    )
    assert table.rows == (("1", "2", "3", "4"),)


def test_leading_rows_of_th_are_the_header_and_spanning_body_cells_fill_their_first_slot() -> None:
    table = read_grid(
        first(
            "<table><tr><th colspan='2'>Plan</th><th>Date</th></tr>"
            "<tr><th>ADB</th><th>Total</th><th></th></tr>"
            "<tr><td colspan='2'>wide</td><td>d1</td></tr>"
            "<tr><td rowspan='2'>tall</td><td>t</td><td>d2</td></tr>"
            "<tr><td>u</td><td>d3</td></tr></table>",
            "table",
        )
    )
    assert table is not None
    assert table.columns == (("Plan", "ADB"), ("Plan", "Total"), ("Date",))
    assert table.rows == (("wide", "", "d1"), ("tall", "t", "d2"), ("", "u", "d3"))


def test_tables_of_labelled_rows_or_without_a_header_are_no_grids() -> None:
    labelled = "<table><tr><th colspan='2'>Timetable</th></tr><tr><th>MRM</th><td>-</td></tr>"
    assert read_grid(first(labelled + "</table>", "table")) is None
    assert read_grid(first("<table><tr><td>a</td><td>b</td></tr></table>", "table")) is None


def test_a_table_reads_its_own_rows_not_those_of_tables_in_its_cells() -> None:
    outer = first(
        "<table><tr><th>Source</th><th>Amount</th></tr>"
        "<tr><td>Fund<table><tr><td>inner</td></tr></table></td><td>1.00</td></tr></table>",
        "table",
    )
    table = read_grid(outer)
    assert table is not None and table.columns == (("Source",), ("Amount",))
    assert table.rows == (("Fund\ninner", "1.00"),)


def test_text_nested_deeper_than_the_recursion_limit_is_read() -> None:
    depth = 5_000  # Python's recursion limit is 1,000
    node = parse_html(f"<html><body><dd>{'<div>' * depth}deep{'</div>' * depth}</dd>").css_first(
        "dd"
    )
    assert node is not None
    assert inner_text(node) == "deep"
