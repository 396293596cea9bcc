"""The Content-Security-Policy of every page devfin publishes, and how it is set on saved pages."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

# The data-quality report: no script at all, its own inline style, images only as data: URLs.
REPORT = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
# GX's Data Docs: no script (its CDN scripts and inline helpers only drive the "hide succeeded"
# buttons and table filters; the results are plain HTML), its stylesheets, fonts and logo from
# its CDNs when the auditor is online.
DATA_DOCS = (
    "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline' https:;"
    " img-src 'self' data: https:; font-src 'self' data: https:; base-uri 'none';"
    " form-action 'none'"
)
# dbt docs are one page of script (Angular, inline) over the manifest and catalog, which hold
# the project's own text and no scraped value: only the scripts dbt wrote run, by their hashes.
DBT_DOCS_BASE = (
    "default-src 'none'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:;"
    " font-src 'self' data: https:; connect-src 'self'; base-uri 'none'; form-action 'none'"
)

NONE = "'none'"
_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"\s*<!doctype[^>]*>", re.IGNORECASE)
_MARK = b"<meta http-equiv='Content-Security-Policy'"
_INLINE_SCRIPT = re.compile(rb"<script(?:\s[^>]*)?>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def meta(policy: str) -> str:
    """The policy as the first element of a page's head (a file opened from disk has no headers)."""
    return f"<meta http-equiv='Content-Security-Policy' content=\"{policy}\">"


def set_policy(path: Path, policy: str) -> bool:
    """Put `policy` first in the head of a saved HTML page; False when it already holds one of
    ours. A policy set by a later `<meta>` (say one injected into the body) can only narrow it."""
    page = path.read_bytes()
    # With no <head> the meta goes after the doctype: the parser opens the head around it.
    head = _HEAD.search(page) or _DOCTYPE.match(page)
    at = head.end() if head else 0
    if page.startswith(_MARK, at):
        return False
    path.write_bytes(page[:at] + meta(policy).encode() + page[at:])
    return True


def set_policy_on_site(root: Path, policy: str) -> int:
    """`set_policy` on every HTML page under `root`; returns how many pages it changed."""
    return sum(set_policy(path, policy) for path in sorted(root.rglob("*.html")))


def dbt_docs_policy(page: bytes) -> str:
    """The dbt docs' policy: the base, and script only by the hashes of the inline scripts the
    page holds now (dbt's own: taken when dbt has just written it)."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
            for body in _INLINE_SCRIPT.findall(page)
        }
    )
    return f"{DBT_DOCS_BASE}; script-src {' '.join(hashes) or NONE}"
