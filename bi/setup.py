"""Set up Superset on the devfin warehouse, import the dashboards of bi/dashboards/, then serve."""

# Runs in the BI env (.venv-bi, `make bi`), never in devfin's: it imports neither devfin nor
# Airflow (Superset pins SQLAlchemy 1.4 and pandas 2.1). The Makefile passes the warehouse URL.

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import SAWarning

BI_DIR = Path(__file__).resolve().parent
CONFIG_FILE = BI_DIR / "superset_config.py"
DASHBOARDS_DIR = BI_DIR / "dashboards"
BIN_DIR = Path(sys.executable).parent
ADMIN = "admin"


def superset_env(home: Path) -> dict[str, str]:
    """The environment every Superset command of this home runs with."""
    return {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
        "FLASK_APP": "superset.app:create_app()",
        # Superset's CLI prints a banner and a warning per unset option otherwise.
        "SUPERSET_LOAD_EXAMPLES": "no",
    }


def superset(home: Path, *arguments: str) -> str:
    """Run one `superset` command on the home; its output, or exit with it on failure."""
    done = subprocess.run(
        [str(BIN_DIR / "superset"), *arguments],
        env=superset_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    with (home / "setup.log").open("a", encoding="utf-8") as log:
        log.write(f"$ superset {' '.join(arguments)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        sys.exit(f"superset {arguments[0]} failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return done.stdout + done.stderr


def secret_file(home: Path, name: str, value: str | None = None) -> str:
    """A secret kept in the home (git-ignored, owner-only): `value` if given, else the one
    kept, else a new random one."""
    path = home / name
    if value is None and path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = value or secrets.token_urlsafe(32)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(value + "\n", encoding="utf-8")
    return value


def warehouse_connection(warehouse_url: str, bi_password: str | None) -> tuple[str, dict[str, Any]]:
    """The SQLAlchemy URI and engine parameters Superset reads the warehouse with: the DuckDB
    file read-only, or PostgreSQL as the BI login the URL names (`devfin warehouse bi-access`
    prints it), through psycopg2, Superset's usual driver."""
    url = make_url(warehouse_url)
    backend = url.get_backend_name()
    if backend == "duckdb":
        if not Path(url.database or "").is_file():
            sys.exit(f"no warehouse at {url.database}: `make run` builds it first")
        return f"duckdb:///{url.database}", {"connect_args": {"read_only": True}}
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg2", password=bi_password or url.password)
        return url.render_as_string(hide_password=False), {}
    sys.exit(f"the warehouse must be DuckDB or PostgreSQL, not {backend!r}")


def dashboards_bundle(uri: str, engine_params: dict[str, Any]) -> dict[str, str]:
    """The export tree of bi/dashboards/ as Superset's importers read a bundle (path in the
    tree: YAML text), the database's URI and engine parameters set to this warehouse's."""
    contents = {}
    for path in sorted(DASHBOARDS_DIR.rglob("*.yaml")):
        relative = path.relative_to(DASHBOARDS_DIR).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative.startswith("databases/"):
            database = yaml.safe_load(text)
            database["sqlalchemy_uri"] = uri
            database["extra"] = {**database.get("extra", {}), "engine_params": engine_params}
            text = yaml.safe_dump(database, sort_keys=False)
        contents[relative] = text
    return contents


def import_dashboards(home: Path, contents: dict[str, str]) -> None:
    """Import the bundle as the admin, overwriting what an earlier import made: Superset's
    assets import, meant for assets kept under source control (`superset import-dashboards`
    would keep an existing database, dataset or chart as it was)."""
    os.environ.update(superset_env(home))
    from superset.app import create_app

    app = create_app()
    # SQLAlchemy's warnings about Superset's own importers: noise to whoever runs `make bi`
    # (after create_app, which sets the warning filters up anew).
    warnings.filterwarnings("ignore", category=SAWarning)
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        with override_user(security_manager.find_user(username=ADMIN)):
            ImportAssetsCommand(contents).run()


def set_up(home: Path, uri: str, engine_params: dict[str, Any], admin_password: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    secret_file(home, "secret_key")
    print(f"superset: metadata in {home / 'superset.db'}")
    superset(home, "db", "upgrade")
    created = superset(
        home,
        *("fab", "create-admin", "--username", ADMIN, "--firstname", "devfin"),
        *("--lastname", "admin", "--email", "admin@devfin.invalid"),
        *("--password", admin_password),
    )
    if "already exists" in created:
        superset(home, "fab", "reset-password", "--username", ADMIN, "--password", admin_password)
    superset(home, "init")
    import_dashboards(home, dashboards_bundle(uri, engine_params))
    print(f"superset: dashboards of {DASHBOARDS_DIR} imported on {make_url(uri)!r}")


def serve(home: Path, host: str, port: int) -> None:
    """Superset under gunicorn in this process's place: Ctrl-C stops it."""
    gunicorn = str(BIN_DIR / "gunicorn")
    os.execve(
        gunicorn,
        [
            gunicorn,
            *("--bind", f"{host}:{port}", "--workers", "1", "--threads", "4"),
            *("--timeout", "120", "--graceful-timeout", "10"),
            *("--access-logfile", "-", "--log-level", "warning"),
            "superset.app:create_app()",
        ],
        superset_env(home),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True, help="Superset's home (git-ignored)")
    parser.add_argument(
        "--warehouse-url",
        required=True,
        help="as `devfin warehouse bi-access` prints it: DuckDB file, or PostgreSQL as BI login",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--no-serve", action="store_true", help="set up, then exit")
    args = parser.parse_args(argv)

    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    # Passwords come from the environment or the home, not from this script's arguments.
    admin_password = secret_file(home, "admin_password", os.environ.get("BI_ADMIN_PASSWORD"))
    uri, engine_params = warehouse_connection(
        args.warehouse_url, os.environ.get("DEVFIN_BI_PASSWORD") or None
    )
    set_up(home, uri, engine_params, admin_password)
    if args.no_serve:
        return 0
    print(f"superset: http://{args.host}:{args.port}/  log in as {ADMIN} / {admin_password}")
    sys.stdout.flush()
    serve(home, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
