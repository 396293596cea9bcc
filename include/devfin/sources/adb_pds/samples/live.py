"""The live page's renderings: the HTML page, its pipe text, and the bullets text."""

from __future__ import annotations

import html
from typing import Any

from devfin.sources.adb_pds.records import AdbProjectCountry, AdbProjectSector
from devfin.sources.adb_pds.samples.draw import Page, Style
from devfin.sources.adb_pds.samples.layout import (
    AGENCY_CLASS,
    BULLET,
    CONTRACT_COLUMNS,
    COUNTERPART,
    DISCLAIMERS,
    DOCUMENT_COLUMNS,
    FUND_HEADER,
    FUND_SUBHEAD_CLASS,
    FUND_TABLE_CLASS,
    MILESTONES,
    NONE_AVAILABLE,
    PROJECT_DETAILS,
    SECTOR_CLASS,
    SOVEREIGN_HEADER,
    TENDER_COLUMNS,
    TEXT_LABELS,
)
from devfin.sources.adb_pds.samples.rows import (
    Agencies,
    Date,
    Items,
    Sectors,
    Value,
    contract_rows,
    document_rows,
    financing_rows,
    financing_title,
    fund_groups,
    milestone_cells,
    page_sections,
    tender_rows,
)

# --- The text rendering ------------------------------------------------------------------


def render_text(page: Page) -> str:
    record = page.record
    lines = [record.title or "", *(record.summary or "").split("\n"), PROJECT_DETAILS, "-"]
    lines += ["Project Officer", record.project_officer or "", record.responsible_department or ""]
    lines += ["Request for information -", "Country/Economy"]
    lines += [f"{c.country} -" for c in page.children[AdbProjectCountry.table]]
    lines += ["Sector", *(f"- {s.sector}" for s in page.children[AdbProjectSector.table])]
    for heading, rows in page_sections(page):
        if heading is not None:
            lines += [f"{heading} | |", "---|---|"]
        for label, value in rows:
            lines += _text_row(label, value)
            if heading is None:
                lines.append("||||")  # the cells that pad the row to the page table's width
    lines += _text_grids(page)
    return "\n".join(lines) + "\n"


def _text_grids(page: Page) -> list[str]:
    """The grids below the rows, and the page's text around them."""
    lines: list[str] = []
    for number in page.loan_numbers or ("",):
        lines += [number] if number else []
        lines += [f"{MILESTONES} | |||||", "---|---|---|---|---|---|"]
        lines += ["Approval | Signing Date | Effectivity Date | Closing | ||"]
        lines += ["Original | Revised | Actual | |||", _text_cells(milestone_cells(page))]
    lines += [f"{financing_title(page)} | Cumulative Disbursements | |||||||", "---|" * 9]
    lines += ["ADB | Cofinancing | Counterpart | Total | Date | Amount | |||"]
    lines += [" | ".join(COUNTERPART) + " | |||||"]
    lines += [_text_cells(row) for row in financing_rows(page)]
    lines += DISCLAIMERS
    lines += _text_grid(DOCUMENT_COLUMNS, document_rows(page))
    lines += ["Safeguard Documents See also: Safeguards", NONE_AVAILABLE, "Tenders"]
    lines += _text_grid(TENDER_COLUMNS, tender_rows(page))
    lines += ["Contracts Awarded", *_text_grid(CONTRACT_COLUMNS, contract_rows(page))]
    lines += ["Procurement Plan", NONE_AVAILABLE]
    return lines


def _text_cells(cells: list[str] | tuple[str, ...]) -> str:
    return " | ".join(cells) + " |"


def _text_grid(columns: Any, rows: list[Any]) -> list[str]:
    if not rows:
        return [NONE_AVAILABLE]
    header = list(columns)
    return [_text_cells(header), "---|" * len(header), *(_text_cells(row) for row in rows)]


def _text_row(label: str, value: Value) -> list[str]:
    """One labelled row: "Label | value |", a list value's entries on the lines below."""
    if isinstance(value, str):
        paragraphs = value.split("\n\n")
        lines = [f"{label} | {paragraphs[0]}"]
        for paragraph in paragraphs[1:]:
            lines += ["", paragraph]  # the value's cell goes on, a blank line between paragraphs
        lines[-1] += " |"
        return lines
    if isinstance(value, Date):
        return [f"{label} | {value.text} |"]
    if isinstance(value, Items):
        if value.one_line or not value.items:
            return [f"{label} | {' '.join(value.items)} |"]
        return [f"{label} | {value.items[0]} |", *(f"{item} |" for item in value.items[1:])]
    if isinstance(value, Sectors):
        entries = [f"{sector} / {sub}" if sub else sector for sector, sub in value.items]
        return _text_row(label, Items(tuple(entries)))
    if isinstance(value, Agencies):
        # An agency's cell: its name, then its address lines; "|" closes it.
        cells = ["\n".join(filter(None, (name, address))) for name, address in value.items]
        return [f"{label} |", *(f"{cell} |" for cell in cells)]
    rows = [_text_cells(row) for row in value.rows] or ["|"]  # "|": the empty nested table
    return [f"{label} |", *rows]


# --- The HTML page (the live template) -----------------------------------------------------


def render_html(page: Page) -> str:
    record = page.record
    out = _Html(page.style)
    out.raw(
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{out.text(record.project_name)} | Asian Development Bank</title>\n"
        '<link rel="stylesheet" href="/themes/adb/css/main.css">\n'
        "<script>window.dataLayer = window.dataLayer || [];</script>\n</head>\n"
        '<body class="page-node-type-project">\n<header class="site-header"><nav class="main-menu">'
        '<ul><li><a href="/who-we-are">Who We Are</a></li>'
        '<li><a href="/projects">Projects &amp; Tenders</a></li>'
        '<li><a href="/publications">Publications &amp; Data</a></li></ul></nav></header>\n'
        '<nav class="breadcrumb"><ol><li><a href="/">Home</a></li>'
        f'<li><a href="/projects">Projects</a></li><li>{record.project_number}</li></ol></nav>\n'
        '<main id="main-content">\n<article class="node node--type-project">\n'
    )
    out.raw(
        f'<h1 class="page-title">{out.text(record.title)}</h1>\n<div class="project-summary">\n'
    )
    for paragraph in (record.summary or "").split("\n"):
        out.raw(f"<p>{out.text(paragraph)}</p>\n")
    out.raw("</div>\n")
    _html_sidebar(page, out)
    for heading, rows in page_sections(page):
        out.raw('<section class="pds-section">\n')
        if heading is not None:
            out.raw(f"<h2>{out.text(heading)}</h2>\n")
        out.raw('<dl class="pds">\n')
        for label, value in rows:
            out.raw(f"<dt>{out.text(label)}</dt>\n<dd>{_html_value(value, out)}</dd>\n")
        out.raw("</dl>\n</section>\n")
    _html_grids(page, out)
    out.raw("</article>\n</main>\n")
    out.raw(
        '<footer class="site-footer"><ul><li><a href="/terms-use">Terms of Use</a></li>'
        '<li><a href="/privacy-policy">Privacy &amp; Cookies</a></li></ul>'
        "<p>&copy; Asian Development Bank</p></footer>\n</body>\n</html>\n"
    )
    return out.html()


class _Html:
    """An HTML page being written, in the page's style."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self._parts: list[str] = []

    def raw(self, markup: str) -> None:
        self._parts.append(markup)

    def text(self, value: str | None) -> str:
        escaped = html.escape(value or "", quote=False)
        return escaped.replace("'", "&#39;") if self.style.apostrophe_entities else escaped

    def value(self, value: str) -> str:
        """A date or an amount: its spaces no-break ones if the page writes them so."""
        escaped = self.text(value)
        return escaped.replace(" ", "&nbsp;") if self.style.no_break_spaces else escaped

    def html(self) -> str:
        return "".join(self._parts)


def _html_sidebar(page: Page, out: _Html) -> None:
    record = page.record
    countries = "".join(
        f"<li>{out.text(c.country)}</li>" for c in page.children[AdbProjectCountry.table]
    )
    sectors = "".join(
        f"<li>{out.text(s.sector)}</li>" for s in page.children[AdbProjectSector.table]
    )
    out.raw(
        f'<aside class="project-sidebar">\n<h2>{PROJECT_DETAILS}</h2>\n'
        f"<div><h3>Project Officer</h3><p>{out.text(record.project_officer)}</p>"
        f"<p>{out.text(record.responsible_department)}</p>"
        '<p><a href="/contact-us">Request for information</a></p></div>\n'
        f"<div><h3>Country/Economy</h3><ul>{countries}</ul></div>\n"
        f"<div><h3>Sector</h3><ul>{sectors}</ul></div>\n</aside>\n"
    )


def _html_value(value: Value, out: _Html) -> str:
    if isinstance(value, str):
        paragraphs = value.split("\n\n")
        if len(paragraphs) == 1:
            return out.text(value)
        return "".join(f"<p>{out.text(paragraph)}</p>" for paragraph in paragraphs)
    if isinstance(value, Date):
        return out.value(value.text)
    if isinstance(value, Items):
        return "<ul>" + "".join(f"<li>{out.text(item)}</li>" for item in value.items) + "</ul>"
    if isinstance(value, Sectors):
        return "".join(
            f'<p><strong class="{SECTOR_CLASS}">{out.text(sector)}</strong>'
            + (f" / {out.text(sub)}" if sub else "")
            + "</p>"
            for sector, sub in value.items
        )
    if isinstance(value, Agencies):
        return "".join(
            f'<div class="address"><span class="{AGENCY_CLASS}">{out.text(name)}</span>'
            + "".join(f"<br>{out.text(line)}" for line in (address or "").split("\n") if line)
            + "</div>"
            for name, address in value.items
        )
    # A subhead names the loan the rows below it are for: the first above them all, a second
    # one above the last row.
    subheads = [
        f'<tr class="{FUND_SUBHEAD_CLASS}"><td colspan="2">{out.text(subhead)}</td></tr>'
        for subhead in value.subheads
    ]
    funds = [
        f"<tr><td>{out.text(name)}</td><td>{out.value(amount)}</td></tr>"
        for name, amount in value.rows
    ]
    rows = subheads[:1] + funds[:-1] + subheads[1:] + funds[-1:]
    return f'<table class="{FUND_TABLE_CLASS}"><tbody>{"".join(rows)}</tbody></table>'


def _html_grids(page: Page, out: _Html) -> None:
    out.raw('<section class="pds-section">\n')
    for number in page.loan_numbers or ("",):
        if number:
            out.raw(f'<h3 class="loan-number">{out.text(number)}</h3>\n')
        out.raw(
            f'<div class="table-responsive"><table class="milestones"><caption>{MILESTONES}'
            '</caption><thead><tr><th rowspan="2">Approval</th>'
            '<th rowspan="2">Signing Date</th><th rowspan="2">Effectivity Date</th>'
            '<th colspan="3">Closing</th></tr><tr><th>Original</th><th>Revised</th>'
            "<th>Actual</th></tr></thead><tbody>"
            + _html_row(milestone_cells(page), out)
            + "</tbody></table></div>\n"
        )
    counterpart = "".join(f"<th>{label}</th>" for label in COUNTERPART)
    out.raw(
        '<div class="table-responsive"><table class="financing-plan"><thead><tr>'
        f'<th colspan="7">{financing_title(page)}</th>'
        '<th colspan="2">Cumulative Disbursements</th></tr><tr><th rowspan="2">ADB</th>'
        '<th rowspan="2">Cofinancing</th><th colspan="4">Counterpart</th>'
        '<th rowspan="2">Total</th><th rowspan="2">Date</th><th rowspan="2">Amount</th></tr>'
        f"<tr>{counterpart}</tr></thead><tbody>"
        + "".join(_html_row(row, out) for row in financing_rows(page))
        + "</tbody></table></div>\n</section>\n"
    )
    out.raw('<section class="pds-disclaimers">')
    out.raw("".join(f"<p>{out.text(text)}</p>" for text in DISCLAIMERS) + "</section>\n")
    out.raw('<section class="pds-section" id="documents">\n')
    out.raw(_html_grid(DOCUMENT_COLUMNS, document_rows(page), out, texts=2))
    out.raw(f"<h3>Safeguard Documents</h3><p>{NONE_AVAILABLE}</p>\n</section>\n")
    out.raw('<section class="pds-section" id="tenders">\n<h2>Tenders</h2>\n')
    out.raw(_html_grid(TENDER_COLUMNS, tender_rows(page), out, texts=3))
    out.raw("<h3>Contracts Awarded</h3>\n")
    out.raw(_html_grid(CONTRACT_COLUMNS, contract_rows(page), out, texts=5))
    out.raw(f"<h3>Procurement Plan</h3><p>{NONE_AVAILABLE}</p>\n")
    out.raw("</section>\n")


def _html_row(cells: list[str] | tuple[str, ...], out: _Html, texts: int = 0) -> str:
    """A row of cells: the first `texts` ones text, the others dates or amounts."""
    return (
        "<tr>"
        + "".join(
            f"<td>{out.text(cell) if column < texts else out.value(cell)}</td>"
            for column, cell in enumerate(cells)
        )
        + "</tr>"
    )


def _html_grid(columns: Any, rows: list[Any], out: _Html, texts: int) -> str:
    if not rows:
        return f"<p>{NONE_AVAILABLE}</p>\n"
    header = "".join(f"<th>{out.text(column)}</th>" for column in columns)
    body = "".join(_html_row(row, out, texts) for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>\n"


def render_bullets(page: Page) -> str:
    record = page.record
    lines = [record.title or "", "", SOVEREIGN_HEADER.format(number=record.project_number), ""]
    for paragraph in (record.summary or "").split("\n"):
        lines += [paragraph, ""]
    lines += [PROJECT_DETAILS, ""]
    lines += [f"{BULLET}Project Officer", f"    {record.project_officer or ''}"]
    lines += [f"    {record.responsible_department or ''}", "    Request for information"]
    lines += [f"{BULLET}Country/Economy"]
    lines += [f"    {c.country}" for c in page.children[AdbProjectCountry.table]]
    lines += [f"{BULLET}Sector"]
    lines += [f"    \u2022 {s.sector}" for s in page.children[AdbProjectSector.table]]
    for heading, rows in page_sections(page):
        if heading is not None:
            lines.append(heading)
        for label, value in rows:
            if label == TEXT_LABELS["project_type"] and isinstance(value, str):
                value = Items(tuple(filter(None, value.split(", "))))  # a list, as bullets
            lines += [label, *bullets_value(value)]
    lines += _text_grids(page)
    return "\n".join(lines) + "\n"


def bullets_value(value: Value) -> list[str]:
    if isinstance(value, str):
        return value.split("\n") if value else []
    if isinstance(value, Date):
        return [value.text]
    if isinstance(value, Items):
        return [f"{BULLET}{item}" for item in value.items]
    if isinstance(value, Sectors):
        return [f"{sector} / {sub}" if sub else sector for sector, sub in value.items]
    if isinstance(value, Agencies):
        # Each agency a bullet, its address lines under it (the <div class="address"> of the
        # live page: its company name, then a line per <br>).
        return [
            line
            for name, address in value.items
            for line in (
                f"{BULLET}{name}",
                *(f"    {a}" for a in (address or "").split("\n") if a),
            )
        ]
    lines: list[str] = []
    for heading, funds in fund_groups(value):
        lines += [heading] if heading else []
        lines += [FUND_HEADER, *(f"{name} {amount}" for name, amount in funds)]
    return lines
