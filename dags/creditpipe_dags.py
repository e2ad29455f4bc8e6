"""creditpipe's Airflow DAGs: one ingest DAG per catalog dataset, plus the monthly figures.

The wiring lives in creditpipe.orchestration.dag_factory; the catalog is dags/catalog.yml. (Airflow's
safe-mode discovery only parses files that mention both "airflow" and "dag".)"""

from creditpipe.core.catalog import load_catalog
from creditpipe.orchestration.dag_factory import build_all

globals().update(build_all(load_catalog()))
