# creditpipe's Airflow image: the official Airflow 3.3.2 image plus this package and its
# pinned dependencies (constraints.txt: the same set `make` installs and `make prod-smoke`
# starts the Celery stack from). dags/, plugins/, expectations/ and sql/ are mounted by compose.
FROM apache/airflow:3.3.2-python3.11
# The monthly report's PDF: a CJK font and the Pango libraries WeasyPrint renders with.
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
# The data folder's mount point, owned by the Airflow user (airflow-init also chowns what is
# mounted there: a host folder is root's when Docker creates it).
RUN mkdir -p /opt/creditpipe/var && chown -R airflow:0 /opt/creditpipe
USER airflow
COPY --chown=airflow:root pyproject.toml constraints.txt README.md /opt/creditpipe/src/
COPY --chown=airflow:root plugins /opt/creditpipe/src/plugins
RUN pip install --no-cache-dir -c /opt/creditpipe/src/constraints.txt /opt/creditpipe/src
ENV GX_ANALYTICS_ENABLED=False \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1
