"""docker-compose.yml parses and is wired consistently (read as YAML: no Docker, no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO_DIR = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_DIR / "docker-compose.yml"

AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
DATABASE_SERVICES = ("postgres-airflow", "postgres-warehouse")
BROKER_SERVICE = "redis"
REPO_MOUNTS = {
    "./dags": "/opt/airflow/dags",
    "./include": "/opt/airflow/include",
    "./dbt": "/opt/airflow/dbt",
    "./expectations": "/opt/airflow/expectations",
    "./plugins": "/opt/airflow/plugins",
}
# ${NAME:-default} or ${NAME-default}, as docker compose interpolates them.
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


def _with_defaults(value: str) -> str:
    """The value as compose would interpolate it with nothing set in the environment."""
    return INTERPOLATION.sub(lambda match: match["default"] or "", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def _bind_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host, container) of every bind mount of the service; named volumes left out."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((volume["source"], volume["target"]))
            continue
        host, container = volume.split(":")[:2]
        if host.startswith((".", "/", "~")):
            mounts.append((host, container))
    return mounts


def test_the_services_exist(services: dict[str, Any]) -> None:
    assert set((*AIRFLOW_SERVICES, *DATABASE_SERVICES, BROKER_SERVICE)) <= set(services)


def test_airflow_runs_the_pinned_image_and_the_right_commands(services: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert "build" in service or service["image"].startswith("apache/airflow:3.3.2"), name
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert any(port.endswith(":8080") for port in services["airflow-apiserver"]["ports"])
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    init_environment = _environment(services["airflow-init"])
    assert init_environment["_AIRFLOW_DB_MIGRATE"] == "true"
    assert init_environment["_AIRFLOW_WWW_USER_CREATE"] == "true"


def test_the_databases_are_postgres_16_on_named_volumes(compose: dict[str, Any]) -> None:
    for name in DATABASE_SERVICES:
        service = compose["services"][name]
        assert service["image"].startswith("postgres:16"), name
        assert "healthcheck" in service, name
        named = [volume.split(":")[0] for volume in service["volumes"]]
        assert named and all(volume in compose["volumes"] for volume in named), name


def test_the_repo_is_mounted_into_every_airflow_service(services: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        assert REPO_MOUNTS.items() <= dict(_bind_mounts(services[name])).items(), name


def test_every_bind_mount_exists_in_the_repo(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for host, _container in _bind_mounts(service):
            assert host.startswith("./"), f"{name} mounts {host}: only repo-relative paths"
            assert (REPO_DIR / host).exists(), f"{name} mounts {host}, which is not in the repo"


def test_airflow_services_share_the_common_environment(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    common = compose["x-airflow-common"]["environment"]
    for name in AIRFLOW_SERVICES:
        environment = _environment(services[name])
        assert common.items() <= environment.items(), name

    assert common["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert common["DEVFIN_REPO_DIR"] == "/opt/airflow"
    assert "/opt/airflow/include" in common["PYTHONPATH"].split(":")
    metadata = urlsplit(_with_defaults(common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    assert metadata.scheme.startswith("postgresql")
    assert metadata.hostname == "postgres-airflow"


def test_the_warehouse_url_points_at_the_warehouse_service(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    url = urlsplit(
        _with_defaults(compose["x-airflow-common"]["environment"]["DEVFIN_WAREHOUSE_URL"])
    )
    warehouse = _environment(services["postgres-warehouse"])

    assert url.scheme == "postgresql+psycopg"
    assert url.hostname == "postgres-warehouse"
    assert (url.port or 5432) == 5432
    assert url.username == warehouse["POSTGRES_USER"]
    assert url.password == _with_defaults(warehouse["POSTGRES_PASSWORD"])
    assert url.path.lstrip("/") == warehouse["POSTGRES_DB"]


def test_depends_on_targets_exist(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        for target in depends_on:
            assert target in services, f"{name} depends on unknown service {target}"
        if isinstance(depends_on, dict):
            for target, condition in depends_on.items():
                if condition["condition"] == "service_healthy":
                    assert "healthcheck" in services[target], f"{name} waits on {target}"


def test_a_built_image_has_its_dockerfile(services: dict[str, Any]) -> None:
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (REPO_DIR / context / dockerfile).is_file(), (
            f"{name} builds from a missing Dockerfile"
        )


def test_no_password_is_hard_coded(services: dict[str, Any]) -> None:
    """Every password comes from the environment, with at most a development default."""
    for name, service in services.items():
        for key, value in _environment(service).items():
            if "PASSWORD" in key or "SECRET" in key:
                assert value.startswith("${"), f"{name}: {key} is not read from the environment"


def test_celery_runs_on_the_redis_broker_and_the_metadata_database(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    common = compose["x-airflow-common"]["environment"]
    broker = urlsplit(_with_defaults(common["AIRFLOW__CELERY__BROKER_URL"]))
    assert broker.scheme == "redis"
    assert broker.hostname == BROKER_SERVICE
    assert services[BROKER_SERVICE]["image"].startswith("redis:")
    assert "healthcheck" in services[BROKER_SERVICE]
    backend = urlsplit(_with_defaults(common["AIRFLOW__CELERY__RESULT_BACKEND"]))
    metadata = urlsplit(_with_defaults(common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    assert backend.scheme == "db+postgresql"
    assert (backend.hostname, backend.path) == (metadata.hostname, metadata.path)
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"][BROKER_SERVICE]["condition"] == "service_healthy"


def test_the_worker_scales(services: dict[str, Any]) -> None:
    """`docker compose up --scale airflow-worker=N`: nothing in the worker may name one
    container or bind one host port."""
    worker = services["airflow-worker"]
    assert worker["command"] == "celery worker"
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "healthcheck" in worker
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_the_workers_share_the_run_files(compose: dict[str, Any], services: dict[str, Any]) -> None:
    """A task reads the files a task on another worker wrote: data and reports are volumes
    mounted into every Airflow service."""
    common = compose["x-airflow-common"]["environment"]
    for variable in ("DEVFIN_DATA_DIR", "DEVFIN_REPORT_DIR"):
        path = common[variable]
        for name in AIRFLOW_SERVICES:
            mounts = {
                volume.split(":")[1]: volume.split(":")[0]
                for volume in services[name]["volumes"]
                if isinstance(volume, str)
            }
            assert mounts.get(path) in compose["volumes"], (name, variable)


def _makefile_variable(name: str) -> str:
    """The value the Makefile exports for an Airflow variable (`export NAME := value`)."""
    makefile = (REPO_DIR / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^export {name} :?= *(\S+)$", makefile, re.MULTILINE)
    assert match, f"the Makefile exports no {name}"
    return match[1]


def test_airflow_init_makes_the_dbt_manifest_last_as_root_then_hands_it_over(
    services: dict[str, Any],
) -> None:
    """The marts DAG's first parse finds the manifest (no cold `dbt parse` in the dag-processor),
    and the data volume it lies on is the Airflow user's, so a later parse can add one."""
    init = services["airflow-init"]
    script = init["command"][-1]
    lines = [line.strip() for line in script.splitlines() if line.strip()]
    manifest = next(
        i
        for i, line in enumerate(lines)
        if re.fullmatch(r"(python -m devfin|devfin) dbt-manifest", line)
    )
    assert any("airflow version" in line for line in lines[:manifest]), "after the migration"
    handover = [i for i, line in enumerate(lines) if line.startswith("chown -R")]
    data_dir = _environment(init)["DEVFIN_DATA_DIR"]
    assert handover and handover[-1] > manifest, "the manifest is made before the last chown"
    assert data_dir in lines[handover[-1]].split()
    assert init["command"][0] == "-c" and init["entrypoint"] == "/bin/bash"
    for name in AIRFLOW_SERVICES:
        if name != "airflow-init":
            condition = services[name]["depends_on"]["airflow-init"]["condition"]
            assert condition == "service_completed_successfully", name


def test_a_dag_parse_has_room_for_a_cold_dbt_parse(compose: dict[str, Any]) -> None:
    """As the Makefile: Airflow's 30 s import timeout would kill a marts DAG parse that runs
    `dbt parse`, and the dag-processor's own timeout must outlast the import's."""
    common = compose["x-airflow-common"]["environment"]
    timeout = float(common["AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT"])
    assert timeout >= float(_makefile_variable("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT"))
    assert float(common["AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT"]) > timeout


def test_superset_reads_the_warehouse_as_the_bi_login(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    """Superset runs `make bi`'s setup on its own image (the BI env's lock) and reads the
    warehouse service as the login airflow-init makes a member of devfin_bi, never as the
    warehouse's owner; its password comes from the same variable on both sides."""
    superset = services["superset"]
    build = superset["build"]
    dockerfile = (REPO_DIR / build["context"] / build["dockerfile"]).read_text(encoding="utf-8")
    assert "requirements-bi.txt" in dockerfile and "requirements.txt " not in dockerfile

    command = superset["command"]
    assert command[:2] == ["python", "bi/setup.py"]
    assert ("./bi", "/opt/devfin/bi") in _bind_mounts(superset)
    url = urlsplit(_with_defaults(command[command.index("--warehouse-url") + 1]))
    warehouse = _environment(services["postgres-warehouse"])
    assert url.scheme == "postgresql" and url.hostname == "postgres-warehouse"
    assert url.path.lstrip("/") == warehouse["POSTGRES_DB"]
    assert url.password is None, "the password comes from DEVFIN_BI_PASSWORD"
    assert url.username != warehouse["POSTGRES_USER"]

    init = services["airflow-init"]
    init_environment = _environment(init)
    assert url.username == _with_defaults(init_environment["DEVFIN_BI_LOGIN"])
    assert _environment(superset)["DEVFIN_BI_PASSWORD"] == init_environment["DEVFIN_BI_PASSWORD"]
    lines = [line.strip() for line in init["command"][-1].splitlines()]
    assert "python -m devfin warehouse bi-access" in lines
    assert superset["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert any(port.endswith(":8088") for port in superset["ports"])
    home = next(v for v in superset["volumes"] if v.split(":")[0] in compose["volumes"])
    assert home.split(":")[1] == command[command.index("--home") + 1]
