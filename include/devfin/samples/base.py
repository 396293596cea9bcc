"""What a sample generator of one source returns for one page."""

from __future__ import annotations

from dataclasses import dataclass, field

from devfin.records import ParsedSheet

# The defect kinds a source generator may inject (each source declares the ones it supports).
DEFECT_KINDS = (
    "missing_label",  # an optional label left out: field None, the label in missing_labels
    "bad_date",  # a date that does not exist: its field None, its text in `unparsed`
    "amounts_mismatch",  # financing total is not the sum of its parts: parses, checks flag it
    "doubled_apostrophes",  # '' in the source text: parsed to ', recorded in repairs
    "truncated",  # the page cut off before its identity: ParseError, quarantined
)
# The repair a parser records for a value whose doubled apostrophes ('') it mended.
DOUBLED_APOSTROPHE_REPAIR = "doubled_apostrophe"


@dataclass(frozen=True)
class Rendering:
    """One more way a page is written (another layout generation or text rendering), with the
    truth a parser must read back from it."""

    name: str  # "bullets", "print", ...
    suffix: str  # ".html" or ".txt"
    body: str
    truth: ParsedSheet | None


@dataclass(frozen=True)
class Sample:
    """One generated page in both renderings, with the truth a parser must read back.

    `truth` is None exactly when the page must fail to parse; `expected_error` is then the
    ParseError reason. Provenance is not part of the truth: it differs between renderings.
    """

    source: str
    sheet_id: str
    url: str
    html: str
    text: str
    truth: ParsedSheet | None
    expected_error: str | None = None
    defect: str | None = None
    # Other renderings of the page, by name; "html" and "text" are the two fields above.
    renderings: dict[str, Rendering] = field(default_factory=dict)
    mixed: str = "html"  # the rendering a corpus of mixed formats writes for this page
    # The one rendering of a source whose pages have one format (IATI's XML): asked for any
    # rendering, the page gives this one.
    native: str | None = None
    # The name its file is written under, when not its sheet id: a file of one IATI activity
    # without identifier is `iati-sample-00006.xml`, the sheet cut from it is named after it.
    file_stem: str | None = None

    @property
    def stem(self) -> str:
        """The name (without suffix) of the file the page is written to, and of its sidecar."""
        return self.file_stem or self.sheet_id

    def rendered(self, name: str) -> Rendering:
        """The page written as `name`: one of `renderings`, else "html" or "text" (pipe); a page
        of one format (`native`) gives that whatever the name."""
        if self.native is not None:
            return self.renderings[self.native]
        if name in self.renderings:
            return self.renderings[name]
        if name == "html":
            return Rendering(name, ".html", self.html, self.truth)
        if name == "text":
            return Rendering(name, ".txt", self.text, self.truth)
        return self.renderings[name]
