"""Parsing one fetched sheet, as the parse stage's worker processes do it.

Kept apart from `devfin.pipeline` so that a worker process imports only the parsers and the
archive, not SQLAlchemy, pandas or the warehouse: each worker starts in a fraction of a second.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from devfin.errors import ParseError
from devfin.extract.archive import Archive
from devfin.records import ParsedSheet, parsed_sheet_to_json
from devfin.sources import get_source

log = logging.getLogger("devfin.pipeline")  # the parse stage's messages, wherever they run


def json_line(item: dict[str, Any]) -> str:
    """One item of a JSON-lines hand-over file."""
    return json.dumps(item, ensure_ascii=False, default=str) + "\n"


@functools.cache
def _archive(url: str) -> Archive:
    """One Archive per URL per process (a worker parses many sheets)."""
    return Archive(url)


PARSER_ERROR = "parser_error"  # the reason of a ParseError that is a parser's bug


def parse_sheet(source: str, content: str | bytes, *, sheet_id: str, url: str) -> ParsedSheet:
    """One sheet's records, or ParseError: a parser's bug too (reason `parser_error`, its
    exception as the cause), so that it costs one sheet, not the run or a traceback."""
    try:
        return get_source(source).parse(content, sheet_id=sheet_id, url=url)
    except ParseError:
        raise
    except Exception as error:  # a parser bug must cost one sheet, not the run
        raise ParseError(
            f"parser error {type(error).__name__}: {error}",
            reason=PARSER_ERROR,
            sheet_id=sheet_id,
            url=url,
        ) from error


def parse_one(job: tuple[str, str, str, str, str, str]) -> tuple[bool, str]:
    """One sheet: (True, its parsed item) or (False, the failure to quarantine), as a JSON line
    made here, in the worker, so the parent only writes it out."""
    source, archive_url, sheet_id, version, url, fetched_at = job
    meta = {
        "sheet_id": sheet_id,
        "sheet_version": version,
        "source_url": url,
        "fetched_at": fetched_at,
    }
    try:
        body = _archive(archive_url).get(version)
        sheet = parse_sheet(source, body, sheet_id=sheet_id, url=url)
    except ParseError as error:
        if error.reason == PARSER_ERROR:  # the bug's traceback, for whoever fixes it
            log.error("%s: parser failed on sheet %s (%s)", source, sheet_id, url,
                      exc_info=error.__cause__)  # fmt: skip
        else:  # counted by reason when the run loads; each sheet is in audit.quarantine
            log.debug("%s: quarantined at parse: %s", source, error)
        return False, json_line({**meta, "reason_code": error.reason, "message": str(error)})
    except Exception as error:  # the archive could not give the page back: one sheet lost
        log.exception("%s: sheet %s (%s) not read from the archive", source, sheet_id, url)
        message = f"parser error {type(error).__name__}: {error} (sheet {sheet_id})"
        return False, json_line({**meta, "reason_code": PARSER_ERROR, "message": message})
    return True, json_line({**meta, "sheet": parsed_sheet_to_json(sheet)})
