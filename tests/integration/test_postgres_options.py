"""dbt's PostgreSQL connections get devfin's session options (JIT off) through PGOPTIONS."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from devfin.settings import load_settings
from devfin.transform.dbt import dbt_env

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("caller", "jit"), [(None, "off"), ("-c jit=on", "on")])
def test_a_connection_as_dbt_opens_it_has_jit_off_unless_the_caller_turns_it_on(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caller: str | None, jit: str
) -> None:
    # dbt-postgres connects through psycopg2 (libpq) with no `options` of its own, as here
    import psycopg2

    if caller is None:
        monkeypatch.delenv("PGOPTIONS", raising=False)
    else:
        monkeypatch.setenv("PGOPTIONS", caller)
    monkeypatch.setenv(
        "PGOPTIONS", dbt_env(load_settings({"DEVFIN_WAREHOUSE_URL": postgres_url}))["PGOPTIONS"]
    )
    url = make_url(postgres_url)
    conn = psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("show jit")
            assert cursor.fetchone() == (jit,)
    finally:
        conn.close()
