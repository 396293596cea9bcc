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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devfin import csp
from devfin.errors import QualityError

SEVERITIES = ("critical", "warning")
SHEET_KEY = ["sheet_id", "sheet_version"]
MAX_SAMPLES = 20
# GX's cost is mostly per expectation and per batch it checks, whatever the batch holds: the
# validate stage's batches (their frames narrowed to the columns the suites read, about 4 MiB
# per 1,000 sheets) are checked together up to this many rows, about 12,000 ADB sheets.
GX_BATCH_ROWS = 250_000
# Every unexpected row (COMPLETE), by its index in the batch's frame: the failing sheets of every
# check. No `unexpected_index_query`: for pandas it is that list of indices again, as text.
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": MAX_SAMPLES,
    "return_unexpected_index_query": False,
}


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


def load_suites(
    directory: Path, value_sets: Mapping[str, list[str]] | None = None
) -> dict[str, dict[str, Any]]:
    """Every suite in a directory, by name (= staging table); malformed ones raise QualityError.

    A value set a suite names as a suite parameter (`{"$PARAMETER": "iati_codelist_currency"}`)
    is filled in from `value_sets` (`devfin.quality.codelists`); one it names that `value_sets`
    lacks raises QualityError. Without `value_sets` the parameters stay as written."""
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
        if value_sets is not None:
            suite = _with_value_sets(path, suite, value_sets)
        suites[path.stem] = suite
    return suites


PARAMETER = "$PARAMETER"


def _with_value_sets(
    path: Path, suite: dict[str, Any], value_sets: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The suite with each value set named by a suite parameter replaced by its values."""
    expectations = []
    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        named = kwargs.get("value_set")
        if isinstance(named, dict) and PARAMETER in named:
            if named[PARAMETER] not in value_sets:
                raise QualityError(
                    f"suite {path}, {expectation['meta']['check']!r}: no value set"
                    f" {named[PARAMETER]!r} (known: {', '.join(sorted(value_sets))})"
                )
            kwargs = {**kwargs, "value_set": list(value_sets[named[PARAMETER]])}
            expectation = {**expectation, "kwargs": kwargs}
        expectations.append(expectation)
    return {**suite, "expectations": expectations}


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

    A run's sheets are taken in batches of whole sheets (`check`), so memory stays flat however
    many sheets a run holds; every key a suite checks for uniqueness starts with the sheet's key,
    so no check spans two batches. GX's cost is mostly per expectation and per batch it checks,
    so the batches' frames, narrowed to the columns the suites read, are checked together up to
    GX_BATCH_ROWS rows. `results` merges GX's batches into one result per expectation: counts
    added up, failing sheets united, samples kept up to MAX_SAMPLES.

    GX's validator runs each table's suite on the batch, as a Checkpoint's validation definition
    does, without the Checkpoint's bookkeeping (saving its configuration, checking that it is
    saved, storing the results unescaped to escape them again), and on the columns the suite
    reads only: GX hashes the frame it is given and copies its rows for every expectation, so
    every other column costs time. The failing sheets are the rows GX names by their index in
    the frame; each batch's results are stored once, escaped, for the Data Docs.
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
        self._tables: dict[str, _Table] = {}
        self._pending: dict[str, list[Any]] = {}  # by table, the frames GX has yet to check
        self._pending_rows = 0
        self._batches = 0
        self._merged: dict[tuple[str, str], CheckResult] = {}

    def _table(self, table: str) -> _Table:
        """The table's suite and batch definition, made the first time it has rows to check."""
        if table not in self._tables:
            suite = self._suites[table]
            asset = self._data_source.add_dataframe_asset(table)
            self._tables[table] = _Table(
                suite=self._context.suites.add(build_suite(suite)),
                batch_definition=asset.add_batch_definition_whole_dataframe("run"),
                columns=columns_read(suite),
            )
        return self._tables[table]

    def check(self, frames: dict[str, Any]) -> None:
        """Take one batch of sheets to check: a DataFrame per table. GX checks the batches taken
        together once they hold GX_BATCH_ROWS rows, and the rest at `results`."""
        for table, frame in frames.items():
            if table not in self._suites or frame.empty:
                continue
            columns = self._table(table).columns
            if columns is not None:
                frame = frame[[c for c in frame.columns if c in columns]]
            self._pending.setdefault(table, []).append(frame)
            self._pending_rows += len(frame)
        if self._pending_rows >= GX_BATCH_ROWS:
            self._check_pending()

    def _check_pending(self) -> None:
        """Run each table's suite on its rows taken since GX last ran."""
        import pandas as pd
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.validator.v1_validator import Validator as BatchValidator

        pending, self._pending, self._pending_rows = self._pending, {}, 0
        if not pending:
            return
        self._batches += 1
        run_name = self._run_name
        if run_name is not None and self._batches > 1:
            run_name = f"{run_name} (batch {self._batches})"
        for table, parts in pending.items():
            part = self._tables[table]
            # indexed 0, 1, 2…: GX names unexpected rows by their index
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            frame = frame.reset_index(drop=True)
            validator = BatchValidator(
                batch_definition=part.batch_definition,
                batch_parameters={"dataframe": frame},
                result_format=RESULT_FORMAT,
            )
            validation = validator.validate_expectation_suite(part.suite)
            keys = _sheet_keys(frame)
            for result in validation.results:
                self._merge(_check_result(table, result, keys))
            if self._docs_dir is not None:
                run_id = RunIdentifier(run_name=run_name)  # run_time: now
                self._store(validation, validator.active_batch_id, run_id, frame)

    def _store(self, validation: Any, batch_id: str | None, run_id: Any, frame: Any) -> None:
        """Keep one batch's results of one suite for the Data Docs, as a Checkpoint stores them,
        each unexpected row named by its sheet and every value HTML-escaped."""
        from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        # what a Checkpoint adds to the results it stores (`ValidationDefinition.run`)
        validation.meta["run_id"] = run_id
        validation.meta["validation_time"] = run_id.run_time
        validation.meta["batch_parameters"] = {"dataframe": DATAFRAME_REPLACEMENT_STR}
        for result in validation.results:
            result.result = _escaped(_rows_named(result, frame))
            result.exception_info = _escaped(result.exception_info)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=validation.suite_name),
            run_id=run_id,
            batch_identifier=batch_id,
        )
        self._context.validation_results_store.set(key, validation)

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
        self._check_pending()
        if self._docs_dir is not None and self._tables:
            # Once for every suite and batch: the site renders every result of this run.
            self._context.build_data_docs(site_names=["devfin"])
            csp.set_policy_on_site(self._docs_dir, csp.DATA_DOCS)
        return list(self._merged.values())


@dataclass(frozen=True)
class _Table:
    """What GX needs to check one staging table: its suite, its batch definition, and the
    columns its expectations read (None: every column)."""

    suite: Any
    batch_definition: Any
    columns: frozenset[str] | None


# Where an expectation names the columns it reads; one naming none reads the whole table.
COLUMN_KWARGS = ("column", "column_A", "column_B")


def columns_read(suite: dict[str, Any]) -> frozenset[str] | None:
    """The columns a suite's expectations read (their columns and row conditions' columns) and
    the sheet key; None when one of them may read others: it names no column (it reads the
    table) or its row condition is a query string."""
    columns = set(SHEET_KEY)
    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        named = _domain_columns(kwargs)
        condition = kwargs.get("row_condition")
        if not named or not (condition is None or isinstance(condition, dict)):
            return None
        columns.update(named)
        columns.update(_condition_columns(condition))
    return frozenset(columns)


def _condition_columns(condition: dict[str, Any] | None) -> list[str]:
    """The columns a row condition (a serialized GX Condition) reads."""
    if condition is None:
        return []
    if "conditions" in condition:
        return [c for part in condition["conditions"] for c in _condition_columns(part)]
    column = condition["column"]
    return [column["name"] if isinstance(column, dict) else column]


def _sheet_keys(frame: Any) -> list[tuple[str, str]]:
    """The sheet key of each row of a frame indexed 0, 1, 2…"""
    return list(zip(map(str, frame["sheet_id"]), map(str, frame["sheet_version"]), strict=True))


def _domain_columns(kwargs: dict[str, Any]) -> list[str]:
    return [kwargs[k] for k in COLUMN_KWARGS if k in kwargs] + list(kwargs.get("column_list", []))


def _rows_named(result: Any, frame: Any) -> dict[str, Any] | None:
    """A map expectation's result with its unexpected rows named as GX names them when asked
    for `unexpected_index_column_names`: each row's checked values and its sheet key, so the
    Data Docs show which sheets hold an unexpected value. (GX reads those cell by cell, a
    second per 10,000 unexpected rows; here they are read by column.)"""
    detail = result.result
    rows = (detail or {}).get("unexpected_index_list")
    if not rows or not all(isinstance(row, int) for row in rows):
        return detail
    columns = list(dict.fromkeys(_domain_columns(result.expectation_config.kwargs) + SHEET_KEY))
    values = {c: frame[c].take(rows).tolist() for c in columns if c in frame}
    named = [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]
    # The docs list each unexpected value with its rows: the values alone, again, are not shown.
    detail = {k: v for k, v in detail.items() if k != "unexpected_list"}
    return {
        **detail,
        "unexpected_index_column_names": SHEET_KEY,
        "partial_unexpected_index_list": named[: RESULT_FORMAT["partial_unexpected_count"]],
        "unexpected_index_list": named,
    }


def _escaped(value: Any) -> Any:
    """`value` with every string in it HTML-escaped, keys of mappings included: GX 1.24 writes
    unexpected values, observed values and messages into the Data Docs as HTML, so a scraped
    `<script>` would run in the auditor's browser. Only the results stored for the docs are
    escaped; the ledger reads them as GX returned them."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_escaped(v) for v in value)
    return value


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _check_result(suite: str, result: Any, keys: list[tuple[str, str]]) -> CheckResult:
    """The ledger's record of one expectation's result on one batch; `keys` are the sheet keys
    of the batch's rows, by the row indices GX names."""
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ",".join(
        str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs
    )
    detail = result.result or {}
    rows = detail.get("unexpected_index_list") or []
    failing = [keys[row] for row in rows if isinstance(row, int)]
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
