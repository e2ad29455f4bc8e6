# creditpipe's Airflow image: the official Airflow 3.3.2 image plus this package and its
# pinned dependencies. dags/, plugins/, expectations/ and sql/ are mounted by compose.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root pyproject.toml constraints.txt README.md /opt/creditpipe/src/
COPY --chown=airflow:root plugins /opt/creditpipe/src/plugins
RUN pip install --no-cache-dir -c /opt/creditpipe/src/constraints.txt /opt/creditpipe/src
ENV GX_ANALYTICS_ENABLED=False \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1
