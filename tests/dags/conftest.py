"""Point Airflow at a throwaway home, and devfin at a throwaway data folder (where the marts DAG
keeps the dbt manifest it is drawn from), before anything imports them."""

from __future__ import annotations

import os
import tempfile

_home = tempfile.mkdtemp(prefix="devfin-airflow-home-")
os.environ["AIRFLOW_HOME"] = _home
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_home}/airflow.db"
os.environ["DEVFIN_DATA_DIR"] = os.path.join(_home, "data")
