"""Which sheets to fetch: a configured list per source, plus the sheet links of index pages."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml

from devfin.errors import ConfigError
from devfin.extract.fetching import SheetRef

# <loc> of a sitemap, href of an HTML index page: enough to find the sheet links in either.
# A link's #fragment is left out (the page is the same); both hold XML/HTML-escaped text.
_SITEMAP_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
_HTML_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)[^"']*["']""", re.IGNORECASE)


@dataclass(frozen=True)
class SourcePlan:
    """What to fetch of one source: ids (through `url_template`), URLs, and index pages.

    `id_pattern` is a regular expression with one group that finds a sheet's id in its URL;
    only links it matches are taken from an index page.
    """

    source: str
    id_pattern: str
    url_template: str | None = None
    ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()

    def sheet_id(self, url: str) -> str | None:
        match = re.search(self.id_pattern, url)
        return match.group(1) if match else None

    def listed_refs(self) -> list[SheetRef]:
        """The sheets the plan names itself (index pages aside)."""
        refs = []
        if self.ids and not self.url_template:
            raise ConfigError(f"sheets of {self.source} are listed by id but have no url_template")
        for sheet_id in self.ids:
            refs.append(
                SheetRef(self.source, sheet_id, self.url_template.format(sheet_id=sheet_id))
            )
        for url in self.urls:
            sheet_id = self.sheet_id(url)
            if sheet_id is None:
                raise ConfigError(
                    f"{self.source}: no sheet id in {url} (id_pattern {self.id_pattern})"
                )
            refs.append(SheetRef(self.source, sheet_id, url))
        return refs

    def index_refs(self, index_url: str, content: bytes) -> list[SheetRef]:
        """The sheet links of one sitemap or index page, as absolute URLs."""
        found = _SITEMAP_LOC.findall(content) or _HTML_HREF.findall(content)
        refs = []
        for raw in found:
            link = html.unescape(raw.decode("utf-8", errors="replace")).strip()
            url = urljoin(index_url, link)
            sheet_id = self.sheet_id(url)
            if sheet_id is not None:
                refs.append(SheetRef(self.source, sheet_id, url))
        return refs


def load_plans(path: Path) -> dict[str, SourcePlan]:
    """The sources of a sheets file (YAML, see `include/sheets.yml`), by source key."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read the sheets file {path}: {error}") from error
    plans = {}
    for source, entry in (document.get("sources") or {}).items():
        plans[source] = _plan(source, entry or {}, path)
    return plans


def _plan(source: str, entry: dict[str, Any], path: Path) -> SourcePlan:
    if "id_pattern" not in entry:
        raise ConfigError(f"{path}: source {source!r} needs an id_pattern")
    try:
        re.compile(entry["id_pattern"])
    except re.error as error:
        message = f"{path}: {source}.id_pattern is not a regular expression: {error}"
        raise ConfigError(message) from error
    return SourcePlan(
        source=source,
        id_pattern=entry["id_pattern"],
        url_template=entry.get("url_template"),
        ids=tuple(str(i) for i in entry.get("ids") or ()),
        urls=tuple(entry.get("urls") or ()),
        index_urls=tuple(entry.get("index_urls") or ()),
    )


def unique(refs: list[SheetRef], ids: frozenset[str] | None = None) -> list[SheetRef]:
    """One ref per sheet id (the first named wins), limited to `ids` when given, in id order."""
    chosen: dict[str, SheetRef] = {}
    for ref in refs:
        if ids is None or ref.sheet_id in ids:
            chosen.setdefault(ref.sheet_id, ref)
    return [chosen[key] for key in sorted(chosen)]
