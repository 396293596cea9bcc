# The Airflow image of docker-compose.yml: Airflow 3.3.2 on Python 3.11 plus devfin's pinned requirements.
# requirements.txt is the full lock (it pins apache-airflow==3.3.2 itself), so no constraints file is needed.
# devfin's code (include/), the DAGs, the dbt project and the expectations are mounted by docker-compose.yml.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.txt /opt/devfin/requirements.txt
RUN pip install --no-cache-dir -r /opt/devfin/requirements.txt
