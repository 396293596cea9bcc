"""The naive peer of the benchmark: how a plain scraper would do devfin's parse and load.

Each page is read and parsed with BeautifulSoup's pure-Python `html.parser`; every labelled
value on it (`<dt>`/`<dd>` pairs, a heading and the paragraph after it, `<strong>Label</strong>:
value` items) becomes a column of one row per sheet, and every row of every table becomes a row
of its own (cells under their header's name). Both go into the warehouse with
`pandas.DataFrame.to_sql`, pandas' own row inserts. No checks, no versions, no quarantine: it is
the floor of what such a tool does, not a rival implementation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from bs4 import BeautifulSoup


@dataclass(frozen=True)
class PeerRun:
    sheets: int
    rows: int
    parse_seconds: float
    insert_seconds: float

    @property
    def seconds(self) -> float:
        return self.parse_seconds + self.insert_seconds


def _text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


def scrape(sheet_id: str, html: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """One page: its labelled values (one row), and its table rows."""
    soup = BeautifulSoup(html, "html.parser")
    fields = {"sheet_id": sheet_id}
    for label in soup.find_all(["dt", "h3", "h4"]):
        value = label.find_next_sibling(["dd", "p", "ul"])
        if value is not None:
            fields[_text(label)] = _text(value)
    for item in soup.find_all(["li", "p"]):
        strong = item.find("strong")
        if strong is not None and item.get_text().startswith(strong.get_text()):
            fields[_text(strong)] = _text(item)[len(_text(strong)) :].lstrip(": ")
    rows = []
    for number, table in enumerate(soup.find_all("table")):
        headers = [_text(cell) for cell in table.find_all("th")]
        for position, line in enumerate(table.find_all("tr")):
            cells = [_text(cell) for cell in line.find_all("td")]
            if cells:
                rows.append(
                    {"sheet_id": sheet_id, "table_number": number, "position": position}
                    | dict(zip(headers or map(str, range(len(cells))), cells, strict=False))
                )
    return fields, rows


def run_peer(pages: Iterable[Path], warehouse_url: str) -> PeerRun:
    """Scrape every page, then insert the rows with `to_sql` (a table per source and kind)."""
    started = time.perf_counter()
    by_table: dict[str, list[dict[str, str]]] = {}
    sheets = 0
    for page in pages:
        source = page.parent.name
        fields, rows = scrape(page.stem, page.read_text(encoding="utf-8"))
        by_table.setdefault(f"naive_{source}_sheets", []).append(fields)
        by_table.setdefault(f"naive_{source}_table_rows", []).extend(rows)
        sheets += 1
    parsed = time.perf_counter()
    engine = sa.create_engine(warehouse_url)
    try:
        for table, rows in by_table.items():
            if not rows:  # CDIA pages have no tables
                continue
            frame = pd.DataFrame(rows)
            frame.columns = [f"c{i}_{name[:40]}" for i, name in enumerate(frame.columns)]
            frame.to_sql(table, engine, if_exists="replace", index=False)
    finally:
        engine.dispose()
    inserted = time.perf_counter()
    return PeerRun(
        sheets=sheets,
        rows=sum(map(len, by_table.values())),
        parse_seconds=parsed - started,
        insert_seconds=inserted - parsed,
    )
