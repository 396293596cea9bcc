"""The `devfin` command line: the pipeline's stages from a shell, without Airflow."""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devfin import console
from devfin.errors import DevfinError, ParseError
from devfin.parse.sheets import parse_sheet
from devfin.records import parsed_sheet_to_json
from devfin.settings import Settings, load_settings
from devfin.sources import SOURCE_KEYS, detect_source


def _parse_command(args: argparse.Namespace) -> int:
    """Each page's JSON record on stdout; each failure one line on stderr (file, reason, what
    went wrong), never a traceback; exit status 1 if any page failed."""
    failed = 0
    for path in args.paths:
        try:
            content = path.read_bytes()
            source = args.source or detect_source(path.resolve().parts, content)
            sheet = parse_sheet(source, content, sheet_id=path.stem, url=path.resolve().as_uri())
        except ParseError as error:
            failed += _parse_failure(path, error.reason, error.message)
            continue
        except OSError as error:
            failed += _parse_failure(path, "unreadable", error.strerror or str(error))
            continue
        except ValueError as error:  # detect_source: no source folder, no telling content
            failed += _parse_failure(path, "unknown_source", str(error))
            continue
        print(json.dumps({"path": str(path), **parsed_sheet_to_json(sheet)}, ensure_ascii=False))
    if failed:
        print(f"devfin parse: {failed} of {len(args.paths)} failed", file=sys.stderr)
    return 1 if failed else 0


def _parse_failure(path: Path, reason: str, message: str) -> int:
    """One line on stderr for a page that did not parse; 1, to count it."""
    # Messages quote page text: one line of printable characters, whatever the page held.
    line = _printable(" ".join(f"{path}: {reason}: {message}".split()))
    print(f"devfin parse: {line}", file=sys.stderr)
    return 1


def _run_command(args: argparse.Namespace) -> int:
    from devfin.extract.discovery import load_plans
    from devfin.pipeline import run_all, summarize

    settings = load_settings()
    changes: dict[str, object] = {}
    if args.warehouse:
        changes["warehouse_url"] = args.warehouse
    if args.sheets:
        changes["sheets_file"] = args.sheets
        sources = tuple(s for s in SOURCE_KEYS if s in load_plans(args.sheets))
    else:
        changes["sample_dir"] = args.source
        sources = tuple(s for s in SOURCE_KEYS if (args.source / s).is_dir())
    settings = dataclasses.replace(settings, **changes)
    load_id = args.load_id or f"cli__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}"
    if not sources:
        where = args.sheets or args.source
        print(f"devfin run: {where} names no source ({', '.join(SOURCE_KEYS)})", file=sys.stderr)
        return 2
    ids = frozenset(i.strip() for i in args.ids.split(",") if i.strip()) if args.ids else None
    with console.progress(args.console) as progress:
        run_all(load_id, settings, sources, ids, progress)
    print(summarize(settings))
    return 0


def _samples_command(args: argparse.Namespace) -> int:
    from devfin.samples import write_corpus, write_demo_iati_files

    manifest = write_corpus(
        args.out,
        args.count,
        args.seed,
        page_format=args.format,
        defect_rate=args.defect_rate,
        sources=tuple(args.source or SOURCE_KEYS),
    )
    for source, counts in manifest["sources"].items():
        detail = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        print(f"{source}: {args.count} pages in {args.out / source} ({detail})")
    if {"adb_pds", "adb_iati"} <= manifest["sources"].keys():
        files = write_demo_iati_files(args.out, args.count, args.seed, args.defect_rate)
        print(f"adb_iati: {', '.join(files)}: the ADB projects' activities, to reconcile")
    return 0


def _reparse_command(args: argparse.Namespace) -> int:
    from devfin.pipeline import build_marts, publish_report, reparse, summarize

    settings = load_settings()
    if args.warehouse:
        settings = dataclasses.replace(settings, warehouse_url=args.warehouse)
    load_id = f"reparse__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}"
    with console.progress(args.console) as progress:
        for source in args.source or SOURCE_KEYS:
            reparse(source, load_id, settings, progress=progress)
    if not args.no_marts:
        build_marts(load_id, settings)
        publish_report(settings)
    print(summarize(settings))
    return 0


def _grant_command(args: argparse.Namespace) -> int:
    from devfin.load.schema import grant_read_roles
    from devfin.load.warehouse import create_engine

    url = args.warehouse or load_settings().warehouse_url
    engine = create_engine(url)
    try:
        granted = grant_read_roles(engine)
    except ValueError as error:
        print(f"devfin warehouse grant: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for role, schemas in granted.items():
        print(f"{role}: read {', '.join(schemas)}")
    return 0


def _bi_access_command(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from devfin.load.schema import create_bi_login, grant_read_roles
    from devfin.load.warehouse import create_engine

    settings = load_settings()
    url = make_url(args.warehouse or settings.warehouse_url)
    if url.get_backend_name() == "duckdb":
        # A BI tool opens the file read-only: no login to make.
        print(url.render_as_string(hide_password=False))
        return 0
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        grant_read_roles(engine)
        create_bi_login(engine, settings.bi_login, settings.bi_password)
    except ValueError as error:
        print(f"devfin warehouse bi-access: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    # The password stays out of the URL printed: DEVFIN_BI_PASSWORD carries it.
    print(url.set(username=settings.bi_login, password=None).render_as_string())
    return 0


def _summary_command(args: argparse.Namespace) -> int:
    from devfin.pipeline import summarize

    print(summarize(load_settings()))
    return 0


def _airflow_run_command(args: argparse.Namespace) -> int:
    """`make run`: the DAGs through `airflow dags test`, a line per task, then the summary."""
    from devfin.airflow_run import DAGS, run_dags, sqlite_path
    from devfin.load.warehouse import open_warehouse
    from devfin.report import summary
    from devfin.transform.manifest import dbt_manifest

    try:
        metadata = sqlite_path(args.metadata)
    except ValueError as error:
        print(f"devfin airflow-run: {error}", file=sys.stderr)
        return 2
    if not metadata.is_file():
        print(f"devfin airflow-run: no Airflow metadata at {metadata}: `make airflow-init` makes"
              " it", file=sys.stderr)  # fmt: skip
        return 2
    settings = load_settings()
    # Made before any DAG parse: parsing a changed dbt project can take longer than Airflow
    # gives a DAG file to import.
    dbt_manifest(settings)
    dags = args.dags or list(DAGS)
    outcomes = run_dags(dags, args.log_dir, metadata, sys.stdout)
    if len(outcomes) < len(dags) or not outcomes[-1].succeeded:
        return 1
    with open_warehouse(settings, "summary") as engine:
        print(f"\n{summary(engine, settings)}")
    return 0


def _dbt_manifest_command(args: argparse.Namespace) -> int:
    from devfin.transform.manifest import dbt_manifest

    print(dbt_manifest(load_settings()))
    return 0


def _quarantine_settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if args.warehouse:
        settings = dataclasses.replace(settings, warehouse_url=args.warehouse)
    return settings


def _quarantine_list_command(args: argparse.Namespace) -> int:
    from devfin.load.quarantine import list_quarantined
    from devfin.load.warehouse import open_warehouse

    with open_warehouse(_quarantine_settings(args)) as engine:
        entries = list_quarantined(engine, args.source, include_released=args.all)
    if not entries:
        print("no quarantined sheet" if args.all else "no sheet is held in quarantine")
        return 0
    print(_quarantine_table(entries))
    return 0


def _quarantine_release_command(args: argparse.Namespace) -> int:
    from devfin.load.quarantine import release
    from devfin.load.warehouse import open_warehouse

    with open_warehouse(_quarantine_settings(args)) as engine:
        entry = release(engine, args.id, args.reason, args.by or _user(), datetime.now(UTC))
    lines = (
        f"released {entry['quarantine_id']}: {entry['source']} sheet {entry['sheet_id']}"
        f" version {(entry['sheet_version'] or '-')[:12]}"
        f" ({entry['stage']}: {entry['reason_code']}),"
        f" quarantined {_when(entry['quarantined_at'])} by run {entry['load_id']}",
        f"  released {_when(entry['released_at'])} by {entry['released_by']}:"
        f" {entry['release_reason']}",
        "  the next `devfin reparse` or ingest run loads it",
    )
    print("\n".join(_printable(line) for line in lines))
    return 0


def _quarantine_table(entries: list[dict[str, Any]]) -> str:
    """The entries as an aligned text table, one line each."""
    header = ("id", "source", "sheet", "stage", "reason", "quarantined at", "released")
    lines = [
        (
            entry["quarantine_id"],
            entry["source"],
            entry["sheet_id"],
            entry["stage"],
            entry["reason_code"],
            _when(entry["quarantined_at"]),
            f"yes, {_when(entry['released_at'])} by {entry['released_by']}"
            if entry["released_at"]
            else "no",
        )
        for entry in entries
    ]
    # Sheet ids and reasons come from scraped pages: no control character reaches the terminal.
    rows = [header, *(tuple(_printable(cell) for cell in line) for line in lines)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _printable(text: object) -> str:
    return "".join(c if c.isprintable() else "?" for c in str(text))


def _user() -> str:
    """Who runs this command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError) as error:  # no USER/LOGNAME and no passwd entry
        raise DevfinError("cannot tell who you are: say it with --by NAME") from error


def _non_empty(text: str) -> str:
    """An argparse type: a release's reason and author must say something."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devfin", description=__doc__)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log each stage's progress (run and reparse always do), and dbt's line per node",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse saved sheets and print one JSON record each")
    parse.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parse.add_argument("--source", choices=SOURCE_KEYS, help="the source (default: detected)")
    parse.set_defaults(handler=_parse_command)

    run = commands.add_parser("run", help="run every stage in this process, then dbt build")
    origin = run.add_mutually_exclusive_group(required=True)
    origin.add_argument(
        "--source",
        type=Path,
        metavar="PATH",
        help="a folder with one sub-folder of saved sheets per source key",
    )
    origin.add_argument(
        "--sheets", type=Path, metavar="FILE", help="a sheets file to fetch over HTTP"
    )
    run.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    run.add_argument("--load-id", help="the run id (default: cli__<UTC timestamp>)")
    run.add_argument("--ids", metavar="ID,…", help="only these sheet ids")
    run.set_defaults(handler=_run_command)

    samples = commands.add_parser(
        "samples", help="write a deterministic corpus of generated sheets with their truth"
    )
    samples.add_argument("--count", type=int, required=True, help="pages per source")
    samples.add_argument("--seed", type=int, default=2026)
    samples.add_argument("--out", type=Path, required=True, metavar="DIR")
    samples.add_argument("--format", choices=("html", "text", "mixed"), default="html")
    samples.add_argument(
        "--defect-rate", type=float, default=0.10, help="share of pages with one injected defect"
    )
    samples.add_argument(
        "--source", action="append", choices=SOURCE_KEYS, help="only this source (repeatable)"
    )
    samples.set_defaults(handler=_samples_command)

    rebuild = commands.add_parser(
        "reparse", help="rebuild staging from the raw archive, without the network"
    )
    rebuild.add_argument("--source", action="append", choices=SOURCE_KEYS)
    rebuild.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    rebuild.add_argument("--no-marts", action="store_true", help="skip dbt build and the report")
    rebuild.set_defaults(handler=_reparse_command)

    warehouse_command = commands.add_parser("warehouse", help="administer the warehouse")
    warehouse_actions = warehouse_command.add_subparsers(dest="action", required=True)
    grant = warehouse_actions.add_parser(
        "grant",
        help="create the read roles devfin_bi (marts) and devfin_auditor (marts, audit, raw)",
    )
    grant.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    grant.set_defaults(handler=_grant_command)

    bi_access = warehouse_actions.add_parser(
        "bi-access",
        help="PostgreSQL: the read roles and the BI login DEVFIN_BI_LOGIN (member of devfin_bi);"
        " prints the URL BI tools read the marts with (the DuckDB file: as it is)",
    )
    bi_access.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    bi_access.set_defaults(handler=_bi_access_command)

    summary = commands.add_parser("summary", help="print the summary of the latest runs")
    summary.set_defaults(handler=_summary_command)

    airflow_run = commands.add_parser(
        "airflow-run",
        help="run DAGs through `airflow dags test` (what `make run` does): a line per task as"
        " it ends, Airflow's logs in a file per DAG, a failed task's log tail, then the summary",
    )
    airflow_run.add_argument(
        "dags", nargs="*", metavar="DAG", help="default: each ingest DAG, then build_marts"
    )
    airflow_run.add_argument(
        "--metadata",
        required=True,
        metavar="URL",
        help="Airflow's metadata database: sqlite:///PATH, as AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    )
    airflow_run.add_argument(
        "--log-dir",
        required=True,
        type=Path,
        metavar="DIR",
        help="where Airflow's output goes, make-run-<dag>.log",
    )
    airflow_run.set_defaults(handler=_airflow_run_command)

    manifest = commands.add_parser(
        "dbt-manifest",
        help="`dbt parse` the dbt project if it changed (no warehouse connection) and print the"
        " path of the manifest the marts DAG is drawn from",
    )
    manifest.set_defaults(handler=_dbt_manifest_command)

    quarantine = commands.add_parser(
        "quarantine", help="list quarantined sheet versions, or release one after checking it"
    )
    actions = quarantine.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the quarantined sheets, newest first")
    listing.add_argument("--source", choices=SOURCE_KEYS, help="only this source")
    listing.add_argument("--all", action="store_true", help="released ones too")
    listing.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    listing.set_defaults(handler=_quarantine_list_command)
    releasing = actions.add_parser(
        "release",
        help="record that a person checked a quarantined sheet version and lets it through;"
        " the next reparse or ingest run loads it",
    )
    releasing.add_argument("id", metavar="ID", help="the quarantine id (see `quarantine list`)")
    releasing.add_argument("--reason", required=True, type=_non_empty, help="why it may be loaded")
    releasing.add_argument(
        "--by", type=_non_empty, metavar="NAME", help="who releases it (default: your user name)"
    )
    releasing.add_argument("--warehouse", metavar="URL", help="overrides DEVFIN_WAREHOUSE_URL")
    releasing.set_defaults(handler=_quarantine_release_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pipeline_run = args.command in ("run", "reparse")  # GX and duckdb-engine, bars
    if pipeline_run:
        atexit.register(console.silence_exit_noise)
    args.console = console.configure_logging(args.verbose, pipeline_run)
    try:
        return args.handler(args)
    except DevfinError as error:
        print(f"devfin {args.command}: {error}", file=sys.stderr)
        return 1
