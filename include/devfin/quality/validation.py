"""The quality gate: Great Expectations suites, loaded from `expectations/*.json`, run on records.

GX validates pandas DataFrames built from the parsed records (GX 1.x validates DuckDB through
SQLAlchemy unreliably). Each expectation carries `meta.severity` (`critical` or `warning`) and
`meta.check` (a short name for the ledger). A sheet version failing a critical check is quarantined.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devfin import csp
from devfin.errors import QualityError

SEVERITIES = ("critical", "warning")
SHEET_KEY = ["sheet_id", "sheet_version"]
MAX_SAMPLES = 20
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": SHEET_KEY}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation over one table in one run."""

    suite: str
    check_name: str
    expectation_type: str
    severity: str
    column_name: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    sample_values: list[str] = field(default_factory=list)
    failing_sheets: list[tuple[str, str]] = field(default_factory=list)
    message: str | None = None


def load_suites(directory: Path) -> dict[str, dict[str, Any]]:
    """Every suite in a directory, by name (= staging table); malformed ones raise QualityError."""
    suites: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            suite = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise QualityError(f"suite {path} is not valid JSON: {error}") from error
        if suite.get("name") != path.stem:
            raise QualityError(
                f"suite {path} must be named {path.stem!r}, not {suite.get('name')!r}"
            )
        for number, expectation in enumerate(suite.get("expectations", []), start=1):
            meta = expectation.get("meta", {})
            if meta.get("severity") not in SEVERITIES or not meta.get("check"):
                raise QualityError(
                    f"suite {path}, expectation {number} ({expectation.get('type')}): meta needs"
                    f" 'check' and a 'severity' of {' or '.join(SEVERITIES)}"
                )
        names = Counter(e["meta"]["check"] for e in suite.get("expectations", []))
        if repeated := sorted(name for name, count in names.items() if count > 1):
            raise QualityError(
                f"suite {path}: check names must be unique in a suite, repeated:"
                f" {', '.join(repeated)}"
            )
        suites[path.stem] = suite
    return suites


def build_suite(suite: dict[str, Any]) -> Any:
    """The GX ExpectationSuite of a suite dict; a bad expectation raises QualityError naming it."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.exceptions import GreatExpectationsError

    try:
        built = ExpectationSuite(**suite)
    except GreatExpectationsError as error:
        raise QualityError(
            f"suite {suite.get('name')!r} has an invalid expectation: {error}"
        ) from error
    # GX logs an expectation it cannot build and leaves it out: count them, so none goes unnoticed.
    kept = [e.expectation_type for e in built.expectations]
    asked = [e.get("type") for e in suite.get("expectations", [])]
    if len(kept) != len(asked):
        dropped = sorted(set(asked) - set(kept)) or asked
        raise QualityError(
            f"suite {suite.get('name')!r} has an invalid expectation that GX left out:"
            f" {', '.join(map(str, dropped))}"
        )
    return built


class Validator:
    """The suites of one run, set up in GX once and run batch by batch.

    A run's sheets are checked in batches of whole sheets (`check`), so memory stays flat however
    many sheets a run holds; every key a suite checks for uniqueness starts with the sheet's key,
    so no check spans two batches. `results` merges the batches into one result per expectation:
    counts added up, failing sheets united, samples kept up to MAX_SAMPLES.
    """

    def __init__(
        self,
        suites: dict[str, dict[str, Any]],
        docs_dir: Path | None = None,
        run_name: str | None = None,
    ) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)  # GX sets it to INFO
        self._suites = suites
        self._docs_dir = docs_dir
        self._run_name = run_name
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        if docs_dir is not None:
            self._context.add_data_docs_site(
                site_name="devfin",
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                },
            )
        self._data_source = self._context.data_sources.add_pandas("devfin")
        self._checkpoints: dict[str, Any] = {}
        self._batches = 0
        self._merged: dict[tuple[str, str], CheckResult] = {}

    def _checkpoint(self, table: str) -> Any:
        """The table's checkpoint, made the first time the table has rows to check."""
        import great_expectations as gx

        if table not in self._checkpoints:
            context = self._context
            batch = self._data_source.add_dataframe_asset(table)
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=table,
                    data=batch.add_batch_definition_whole_dataframe("run"),
                    suite=context.suites.add(build_suite(self._suites[table])),
                )
            )
            self._checkpoints[table] = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"devfin_{table}",
                    validation_definitions=[definition],
                    result_format=RESULT_FORMAT,
                )
            )
        return self._checkpoints[table]

    def check(self, frames: dict[str, Any]) -> None:
        """Run the suites on one batch of sheets: a DataFrame per table."""
        from great_expectations.core.run_identifier import RunIdentifier

        self._batches += 1
        run_name = self._run_name
        if run_name is not None and self._batches > 1:
            run_name = f"{run_name} (batch {self._batches})"
        for table, frame in frames.items():
            if table not in self._suites or frame.empty:
                continue
            outcome = self._checkpoint(table).run(
                batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
            )
            for validation in outcome.run_results.values():
                for result in validation.results:
                    self._merge(_check_result(table, result))

    def _merge(self, result: CheckResult) -> None:
        key = (result.suite, result.check_name)  # check names are unique in a suite
        before = self._merged.get(key)
        if before is None:
            self._merged[key] = result
            return
        messages = [m for m in (before.message, result.message) if m]
        self._merged[key] = dataclasses.replace(
            before,
            success=before.success and result.success,
            element_count=_add(before.element_count, result.element_count),
            unexpected_count=_add(before.unexpected_count, result.unexpected_count),
            sample_values=(before.sample_values + result.sample_values)[:MAX_SAMPLES],
            failing_sheets=sorted(set(before.failing_sheets) | set(result.failing_sheets)),
            message="; ".join(dict.fromkeys(messages)) or None,
        )

    def results(self) -> list[CheckResult]:
        """One merged result per expectation run; the Data Docs built once for all batches."""
        if self._docs_dir is not None and self._checkpoints:
            # Once for every suite and batch: the site renders every result of this run.
            _escape_stored_results(self._context)
            self._context.build_data_docs(site_names=["devfin"])
            csp.set_policy_on_site(self._docs_dir, csp.DATA_DOCS)
        return list(self._merged.values())


def _escape_stored_results(context: Any) -> None:
    """HTML-escape the values the stored results hold before GX renders them into its Data Docs:
    GX 1.24 writes unexpected values, observed values and messages into the pages as HTML, so a
    scraped `<script>` would run in the auditor's browser. The ledger reads the results the
    checkpoint returned (unescaped); only the store the docs are rendered from is changed."""
    store = context.validation_results_store
    for key in store.list_keys():
        validation = store.get(key)
        for result in validation.results:
            result.result = _escaped(result.result)
            result.exception_info = _escaped(result.exception_info)
        store.set(key, validation)


def _escaped(value: Any) -> Any:
    """`value` with every string in it HTML-escaped, keys of mappings included."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_escaped(v) for v in value)
    return value


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _check_result(suite: str, result: Any) -> CheckResult:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ",".join(
        str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs
    )
    detail = result.result or {}
    failing = [
        (str(item["sheet_id"]), str(item["sheet_version"]))
        for item in detail.get("unexpected_index_list") or []
        if isinstance(item, dict) and "sheet_id" in item
    ]
    message = _exception_message(result.exception_info or {})
    return CheckResult(
        suite=suite,
        check_name=config.meta["check"],
        expectation_type=config.type,
        severity=config.meta["severity"],
        column_name=column or None,
        success=bool(result.success),
        element_count=detail.get("element_count"),
        unexpected_count=detail.get("unexpected_count"),
        sample_values=[
            _sample(v) for v in (detail.get("partial_unexpected_list") or [])[:MAX_SAMPLES]
        ],
        failing_sheets=sorted(set(failing)),
        message=message,
    )


def _exception_message(info: dict[str, Any]) -> str | None:
    """The message of an expectation that raised instead of running (GX nests it per metric)."""
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    messages = [m for m in map(_exception_message, info.values()) if isinstance(m, str)]
    return "; ".join(messages) or None


def _sample(value: Any) -> str:
    """An unexpected value as an auditor reads it: dates as ISO dates, pairs as (a, b), null."""
    import pandas as pd

    if isinstance(value, tuple | list):
        return "(" + ", ".join(_sample(v) for v in value) + ")"
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "null"
    if hasattr(value, "isoformat") or type(value).__name__ == "datetime64":
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return str(value)


def critical_failures(results: list[CheckResult]) -> dict[tuple[str, str], list[CheckResult]]:
    """The failed critical checks of each sheet version that failed one."""
    failures: dict[tuple[str, str], list[CheckResult]] = {}
    for result in results:
        if result.severity == "critical" and not result.success:
            for key in result.failing_sheets:
                failures.setdefault(key, []).append(result)
    return failures
