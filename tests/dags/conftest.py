"""Point Airflow at a throwaway home before anything imports it."""

from __future__ import annotations

import os
import tempfile

_home = tempfile.mkdtemp(prefix="devfin-airflow-home-")
os.environ["AIRFLOW_HOME"] = _home
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_home}/airflow.db"
