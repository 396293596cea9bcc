"""The renderings of an intervention page: the seed pages' text, and the live HTML."""

from __future__ import annotations

import html
from collections.abc import Callable

from devfin.sources.cdia.samples.draw import Entry, Page, Style
from devfin.sources.cdia.samples.layout import (
    BACK_TO_TOP,
    BREADCRUMB,
    CITY_FACTS,
    CITY_INFORMATION,
    DOWNLOAD,
    FACTS,
    LINK_GAP,
    LOCATION,
    NARRATIVES,
)

# The characters the live HTML writes as references when a page uses them.
_ENTITIES = str.maketrans(
    {
        "\u00a0": "&nbsp;",
        "\u2013": "&#8211;",
        "\u2019": "&#8217;",
        "\u201c": "&ldquo;",
        "\u201d": "&rdquo;",
        "'": "&#39;",
    }
)


# --- The text rendering (the layout of the seed pages) --------------------------------------


def render_text(page: Page, truncated: bool) -> str:
    lines = [BREADCRUMB, ""]
    if truncated:
        return "\n".join(lines)
    lines += [page.title, ""]
    for entry in _section(page, LOCATION):
        lines += [f"{entry.heading()}: {entry.written[0]}", *entry.written[1:]]
    lines.append("")
    for entry in _section(page, FACTS):
        # The page glues label and value; a list one entry a line goes on below.
        lines += [f"{entry.heading()}{entry.written[0]}", *entry.written[1:], ""]
    for entry in _section(page, NARRATIVES):
        lines += [entry.heading(), ""]
        for paragraph in entry.written:
            lines += [paragraph, ""]
    download = page.entry(DOWNLOAD)
    if download is not None:
        lines += [f"{DOWNLOAD}: {''.join(link + LINK_GAP for link in download.written)}", ""]
    city_lines = [f"{e.heading()}: {e.written[0]}" for e in _section(page, CITY_FACTS)] or [""]
    lines += [CITY_INFORMATION + city_lines[0], *city_lines[1:], "", BACK_TO_TOP]
    return "\n".join(lines)


def _section(page: Page, labels: tuple[str, ...]) -> list[Entry]:
    return [e for e in page.entries if e.label in labels]


# --- The HTML page (the live site's template) ----------------------------------------------


def render_html(page: Page, url: str, truncated: bool) -> str:
    text = _escaper(page.style)
    head = _HTML_HEAD.format(title=text(page.title), url=html.escape(url), breadcrumb=BREADCRUMB)
    if truncated:
        return head
    body = [
        f'    <h1 class="entry-title">{text(page.title)}</h1>\n  </header>\n',
        _html_location(page, text),
        _html_facts(page, text),
        _html_narratives(page, text),
        _html_downloads(page, text),
        "</article>\n",
        _html_city_information(page, text),
    ]
    return head + "".join(body) + _HTML_FOOT.format(back_to_top=BACK_TO_TOP)


def _escaper(style: Style) -> Callable[[str], str]:
    def escape(value: str) -> str:
        escaped = html.escape(value, quote=False)
        return escaped.translate(_ENTITIES) if style.references else escaped

    return escape


def _inline_label(label: str, style: Style) -> str:
    return f"<strong>{label}</strong>:" if style.colon_outside else f"<strong>{label}:</strong>"


def _lines(entry: Entry, text: Callable[[str], str]) -> str:
    """A value's lines as HTML: one a line, set apart by `<br>`."""
    return "<br>\n        ".join(text(line) for line in entry.written)


def _html_location(page: Page, text: Callable[[str], str]) -> str:
    items = "".join(
        f"    <li>{_inline_label(e.heading(), page.style)} {_lines(e, text)}</li>\n"
        for e in _section(page, LOCATION)
    )
    return f'  <ul class="intervention-location">\n{items}  </ul>\n'


def _html_facts(page: Page, text: Callable[[str], str]) -> str:
    entries = _section(page, FACTS)
    if page.style.facts_as_list:
        rows = "".join(
            f"    <dt>{e.heading()}</dt>\n    <dd>{_lines(e, text)}</dd>\n" for e in entries
        )
        return f'  <dl class="intervention-facts">\n{rows}  </dl>\n'
    facts = "".join(
        f'    <div class="fact">\n      <h4 class="fact-label">{e.heading()}</h4>\n'
        f'      <p class="fact-value">{_lines(e, text)}</p>\n    </div>\n'
        for e in entries
    )
    return f'  <div class="intervention-facts">\n{facts}  </div>\n'


def _html_narratives(page: Page, text: Callable[[str], str]) -> str:
    sections = "".join(
        f"    <h3>{e.heading()}</h3>\n" + "".join(f"    <p>{text(p)}</p>\n" for p in e.written)
        for e in _section(page, NARRATIVES)
    )
    return f'  <div class="entry-content">\n{sections}  </div>\n'


def _html_downloads(page: Page, text: Callable[[str], str]) -> str:
    download = page.entry(DOWNLOAD)
    if download is None:
        return ""
    links = "".join(
        f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{text(link)}</a>'
        f"{text(LINK_GAP)}"
        for link, href in zip(download.written, download.hrefs, strict=True)
    )
    return f'  <p class="downloads">{_inline_label(DOWNLOAD, page.style)} {links}</p>\n'


def _html_city_information(page: Page, text: Callable[[str], str]) -> str:
    lines = "<br>\n  ".join(
        f"{_inline_label(e.heading(), page.style)} {text(e.written[0])}"
        for e in _section(page, CITY_FACTS)
    )
    return (
        '<aside id="city-information" class="widget city-information">\n'
        f'  <h4 class="widget-title">{CITY_INFORMATION}</h4>\n  <p>{lines}</p>\n</aside>\n'
    )


_HTML_HEAD = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &#8211; CDIA</title>
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="https://cdia.asia/wp-content/themes/cdia/style.css" media="all">
</head>
<body class="intervention-template-default single single-intervention">
<header id="masthead" class="site-header">
  <a href="https://cdia.asia/" class="custom-logo-link" rel="home"><img
    src="https://cdia.asia/wp-content/uploads/2019/05/cdia-logo.png" alt="CDIA"></a>
  <nav id="site-navigation" class="main-navigation" aria-label="Primary">
    <ul class="menu">
      <li><a href="https://cdia.asia/about-us/">About Us</a></li>
      <li><a href="https://cdia.asia/city-interventions/">City Interventions</a></li>
      <li><a href="https://cdia.asia/knowledge/">Knowledge &amp; Publications</a></li>
      <li><a href="https://cdia.asia/contact-us/">Contact Us</a></li>
    </ul>
  </nav>
</header>
<main id="content" class="site-main">
<article class="intervention type-intervention status-publish">
  <div class="breadcrumb"><a href="/city-interventions/">{breadcrumb}</a></div>
  <header class="entry-header">
"""
_HTML_FOOT = """<p class="back-to-top"><a href="#masthead">{back_to_top}</a></p>
</main>
<footer id="colophon" class="site-footer">
  <p>Cities Development Initiative for Asia &#8211; 6 ADB Avenue, Mandaluyong City, Philippines</p>
  <p class="copyright">&copy; 2024 CDIA. All rights reserved.</p>
</footer>
<script src="https://cdia.asia/wp-includes/js/jquery/jquery.min.js"></script>
</body>
</html>
"""
