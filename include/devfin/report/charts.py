"""The report's trend charts as SVG geometry: pure functions from a source's runs to marks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from devfin.quality.drift import FillRate

# Marks and their labels, in pixels; the chart's text is 11 px (`FONT_SIZE`).
FONT_SIZE = 11
CHAR_WIDTH = 6.5  # an upper bound of an 11 px sans-serif character's advance, to lay labels out
LABEL_CHARS = 36  # of a label drawn beside the marks; its tooltip has it whole
RUN_WIDTH = 76  # per run along the time axis: room for its label, `11-23 05:41`
GAP = 8
AXIS_HEIGHT = 20  # under the marks: the runs' labels
# Pass rates: a row per suite, a bar per run as tall as the share of checks that passed.
SUITE_ROW = 26
SUITE_BAR = 18
PASSED, FAILED = "#3a9a57", "#c43c3c"
# Quarantine: a bar per run, stacked by reason.
PLOT_HEIGHT = 120
KEY_ROW = 16
REASON_COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
# Fill rates: a row per field, a column of cells per layout and run, darker when filled more.
CELL_HEIGHT = 13
CELL_WIDTH = 12
FILL_SHADES = (  # (colour, its legend): none filled, then by quarter, then all
    ("#e0e0e0", "none"),
    ("#c6dbef", "below 25%"),
    ("#9ecae1", "25\u201349%"),
    ("#6baed6", "50\u201374%"),
    ("#3182bd", "75\u201399%"),
    ("#08519c", "all"),
)
RULE, MUTED = "#bbbbbb", "#666666"


@dataclass(frozen=True)
class Run:
    """A run on the time axis: its id and the label it is shown by."""

    load_id: str
    label: str


@dataclass(frozen=True)
class Rect:
    """A rectangle: a mark (one value, its numbers in `title`) or a legend key."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # SVG text-anchor: start, middle, end
    fill: str = "#1a1a1a"
    title: str = ""  # the whole text, when `text` is cut


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = RULE


@dataclass(frozen=True)
class Chart:
    """One chart: its heading, what it shows (`label`, for screen readers and as its tooltip), its
    size, its marks (one per value), and the keys, texts and rules around them."""

    kind: str
    title: str
    label: str
    width: float
    height: float
    marks: tuple[Rect, ...]
    keys: tuple[Rect, ...] = ()
    texts: tuple[Text, ...] = ()
    rules: tuple[Rule, ...] = ()


# --- the charts -----------------------------------------------------------------------------------


def pass_rates(
    runs: Sequence[Run], suites: Sequence[tuple[str, Sequence[tuple[int, int] | None]]]
) -> Chart:
    """A row per suite, a bar per run it ran in (oldest run first), as tall as the share of its
    checks that passed: green when all did, red otherwise. `suites`: each suite's name and its
    (passed, ran) by run, in the order of `runs` (None: it did not run)."""
    left = _label_width(name for name, _ in suites)
    bar_width = RUN_WIDTH * 0.5
    marks, texts, rules = [], [], []
    for row, (suite, by_run) in enumerate(suites):
        base = GAP + row * SUITE_ROW + SUITE_BAR  # the bars stand on it
        texts.append(_label(left - GAP, base - 4, suite, "end"))
        rules.append(Rule(left, base, left + len(runs) * RUN_WIDTH, base))
        for column, (run, counts) in enumerate(zip(runs, by_run, strict=True)):
            middle = left + (column + 0.5) * RUN_WIDTH
            if counts is None:
                texts.append(Text(_px(middle), _px(base - 3), "\u2013", "middle", MUTED))
                continue
            passed, ran = counts
            height = max(SUITE_BAR * passed / ran, 2)  # a run that passed none still shows
            marks.append(
                Rect(
                    _px(middle - bar_width / 2), _px(base - height), _px(bar_width), _px(height),
                    PASSED if passed == ran else FAILED,
                    f"{suite}, run {run.load_id} ({run.label}): {passed} of {ran} checks passed"
                    f" ({_percent(passed, ran)})",
                )
            )  # fmt: skip
    top = GAP + len(suites) * SUITE_ROW
    texts += _run_axis(runs, left, top)
    return Chart(
        kind="pass-rates",
        title="Pass rate by suite",
        label=f"Pass rate of each suite in the last {_runs(len(runs))}, oldest first: a bar per"
        " suite and run, as tall as the share of the suite's checks that passed (green: all).",
        width=_px(left + len(runs) * RUN_WIDTH + GAP),
        height=_px(top + AXIS_HEIGHT),
        marks=tuple(marks),
        texts=tuple(texts),
        rules=tuple(rules),
    )


def quarantined(runs: Sequence[Run], counts: Mapping[str, Mapping[str, int]]) -> Chart:
    """A bar per run (oldest first) as tall as the sheets it quarantined, stacked by reason; a
    legend of the reasons, most frequent first. `counts`: by load id, sheets by reason."""
    totals = {run.load_id: sum(counts.get(run.load_id, {}).values()) for run in runs}
    by_reason: dict[str, int] = {}
    for run in runs:
        for reason, count in counts.get(run.load_id, {}).items():
            by_reason[reason] = by_reason.get(reason, 0) + count
    reasons = sorted(by_reason, key=lambda reason: (-by_reason[reason], reason))
    colours = {reason: REASON_COLOURS[i % len(REASON_COLOURS)] for i, reason in enumerate(reasons)}
    top = max(totals.values(), default=0) or 1
    left = _label_width([str(top)]) + GAP
    base = GAP + FONT_SIZE + PLOT_HEIGHT  # room above the tallest bar for its total
    right = left + len(runs) * RUN_WIDTH
    rules = [
        Rule(left, base, right, base),
        Rule(left, base - PLOT_HEIGHT, right, base - PLOT_HEIGHT),
    ]
    texts = [
        Text(_px(left - 4), _px(base), "0", "end", MUTED),
        Text(_px(left - 4), _px(base - PLOT_HEIGHT + 4), str(top), "end", MUTED),
    ]
    marks = []
    bar_width = RUN_WIDTH * 0.5
    for column, run in enumerate(runs):
        middle = left + (column + 0.5) * RUN_WIDTH
        stacked = 0
        for reason in reasons:
            count = counts.get(run.load_id, {}).get(reason, 0)
            if not count:
                continue
            height = PLOT_HEIGHT * count / top
            marks.append(
                Rect(
                    _px(middle - bar_width / 2), _px(base - stacked - height), _px(bar_width),
                    _px(height), colours[reason],
                    f"run {run.load_id} ({run.label}): {_sheets(count)} quarantined, reason"
                    f" {reason}",
                )
            )  # fmt: skip
            stacked += height
        texts.append(Text(_px(middle), _px(base - stacked - 3), str(totals[run.load_id]), "middle"))
    texts += _run_axis(runs, left, base)
    legend_top = base + AXIS_HEIGHT + GAP
    legend = []
    keys = []
    for row, reason in enumerate(reasons):
        y = legend_top + row * KEY_ROW
        keys.append(Rect(_px(left), _px(y), 10, 10, colours[reason]))
        label = _label(left + 16, y + 9, reason)
        label = replace(label, text=f"{label.text} ({_sheets(by_reason[reason])})")
        texts.append(label)
        legend.append(label.text)
    if not reasons:
        legend = ["No sheet quarantined in these runs."]
        texts.append(Text(_px(left), _px(legend_top + 9), legend[0]))
    width = max(right, left + 16 + max(map(_text_width, legend)))
    return Chart(
        kind="quarantine",
        title="Quarantined sheets by reason",
        label=f"Sheets quarantined in each of the last {_runs(len(runs))}, oldest first, stacked"
        f" by reason: {_sheets(sum(totals.values()))} in all.",
        width=_px(width + GAP),
        height=_px(legend_top + max(len(reasons), 1) * KEY_ROW + GAP),
        marks=tuple(marks),
        keys=tuple(keys),
        texts=tuple(texts),
        rules=tuple(rules),
    )


def fill_rates(
    runs: Sequence[Run], fields: Sequence[str], rates: Mapping[str, Sequence[FillRate]]
) -> Chart:
    """A row per field; for each layout, a cell per run that loaded sheets of it (oldest run
    first), darker as the field is filled more often. The runs line up within each layout's
    group: a field that empties from one run on, in one layout, is a template change.
    `rates`: each run's fill rates by layout (`FillRate.layout` set), by load id."""
    cells = {
        (rate.layout, rate.field, load_id): rate
        for load_id, of_run in rates.items()
        for rate in of_run
        if rate.layout is not None and rate.rows
    }
    layouts = sorted({layout for layout, _, _ in cells})
    shown = [field for field in fields if any(f == field for _, f, _ in cells)]
    shown += sorted({field for _, field, _ in cells} - set(shown))
    left = _label_width(shown)
    head = GAP + FONT_SIZE + 4
    marks, texts, rules = [], [], []
    x = left
    for layout in layouts:
        width = max(len(runs) * CELL_WIDTH, _label_width([layout]))
        cell = width / len(runs)
        texts.append(_label(x + width / 2, head - 4, layout, "middle"))
        for row, field in enumerate(shown):
            for column, run in enumerate(runs):
                rate = cells.get((layout, field, run.load_id))
                if rate is None:
                    continue
                marks.append(
                    Rect(
                        _px(x + column * cell + 0.5), _px(head + row * CELL_HEIGHT + 0.5),
                        _px(cell - 1), CELL_HEIGHT - 1, _shade(rate.filled, rate.rows),
                        f"{field}, layout {layout}, run {run.load_id} ({run.label}): filled in"
                        f" {rate.filled} of {rate.rows} sheet versions"
                        f" ({_percent(rate.filled, rate.rows)})",
                    )
                )  # fmt: skip
        rules.append(Rule(_px(x), head, _px(x), head + len(shown) * CELL_HEIGHT))
        x += width + GAP
    for row, field in enumerate(shown):
        texts.append(_label(left - GAP, head + row * CELL_HEIGHT + CELL_HEIGHT - 3, field, "end"))
    legend_top = head + len(shown) * CELL_HEIGHT + GAP
    keys, key_x = [], left
    for colour, text in FILL_SHADES:
        keys.append(Rect(_px(key_x), legend_top, 10, 10, colour))
        texts.append(Text(_px(key_x + 14), legend_top + 9, text))
        key_x += 14 + _label_width([text]) + GAP
    if not layouts:
        texts.append(Text(_px(left), _px(head), "No fill rate measured in these runs."))
    return Chart(
        kind="fill-rates",
        title="Fill rate of each field by layout",
        label=f"Fill rate of each optional field by layout in the last {_runs(len(runs))}, oldest"
        " run first within each layout: darker is filled more often; no cell, no sheet of that"
        " layout in that run.",
        width=_px(max(x, key_x) + GAP),
        height=_px(legend_top + KEY_ROW + GAP),
        marks=tuple(marks),
        keys=tuple(keys),
        texts=tuple(texts),
        rules=tuple(rules),
    )


# --- geometry and words ---------------------------------------------------------------------------


def _run_axis(runs: Sequence[Run], left: float, top: float) -> list[Text]:
    """Each run's label under its column."""
    return [
        Text(_px(left + (column + 0.5) * RUN_WIDTH), _px(top + 14), run.label, "middle", MUTED,
             run.load_id)
        for column, run in enumerate(runs)
    ]  # fmt: skip


def _label(x: float, y: float, text: str, anchor: str = "start") -> Text:
    """A label from the data (suite, reason, layout, field): cut, it is whole in its title."""
    if len(text) <= LABEL_CHARS:
        return Text(_px(x), _px(y), text, anchor)
    return Text(_px(x), _px(y), text[: LABEL_CHARS - 1] + "\u2026", anchor, title=text)


def _label_width(texts: Iterable[str]) -> float:
    """Room for the longest of the labels as `_label` cuts them, and a gap either side."""
    return max((_text_width(text[:LABEL_CHARS]) for text in texts), default=0) + 2 * GAP


def _text_width(text: str) -> float:
    return math.ceil(len(text) * CHAR_WIDTH)


def _shade(filled: int, rows: int) -> str:
    """The colour of a fill rate: FILL_SHADES' first for none, last for all, a quarter's else."""
    if filled == 0 or filled == rows:
        return FILL_SHADES[0 if filled == 0 else -1][0]
    return FILL_SHADES[1 + min(3, 4 * filled // rows)][0]


def _percent(part: int, whole: int) -> str:
    """As the report's tables round it: down, so 99.9% is not shown as all."""
    return f"{100 * part // whole}%"


def _px(value: float) -> float:
    return round(value, 1)


def _runs(count: int) -> str:
    return "run" if count == 1 else f"{count} runs"


def _sheets(count: int) -> str:
    return "1 sheet" if count == 1 else f"{count} sheets"
