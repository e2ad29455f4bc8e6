"""docker-compose.yml: no Docker engine runs here, so check the file and its ties to the code."""

from pathlib import Path

import yaml

from creditpipe.core import settings

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_production_services_are_there():
    services = compose()["services"]
    for name in [
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    ]:
        assert name in services, name
    commands = {n: s.get("command") for n, s in services.items()}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"


def test_airflow_services_share_the_code_paths_and_connections():
    services = compose()["services"]
    for name, svc in services.items():
        if not name.startswith("airflow-"):
            continue
        env = svc["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        conn_var = f"AIRFLOW_CONN_{settings.WAREHOUSE_CONN_ID.upper()}"
        assert env[conn_var].startswith("postgresql://"), name
        assert settings.sqlalchemy_url_from_airflow_uri(env[conn_var]).startswith("postgresql+psycopg://")
        assert env[settings.PROJECT_DIR_ENV] == "/opt/airflow"
        assert env[settings.HOME_ENV]
        assert env["GX_ANALYTICS_ENABLED"] == "False"
        mounts = {m.split(":")[1]: m.split(":")[0] for m in svc["volumes"] if m.startswith("./")}
        for folder in ["dags", "plugins", "expectations", "sql"]:
            assert mounts[f"/opt/airflow/{folder}"] == f"./{folder}"
            assert (ROOT / folder).is_dir()


def test_mounted_layout_is_what_the_code_resolves():
    # In the containers CREDITPIPE_PROJECT_DIR=/opt/airflow holds the same four folders
    # the code reads from the repository: catalog, suites and SQL.
    assert (ROOT / "dags" / "catalog.yml").exists()
    assert (ROOT / "expectations" / "market.admin_penalty.json").exists()
    assert (ROOT / "sql" / "schema").is_dir()


def test_no_secret_is_committed():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${AIRFLOW_DB_PASSWORD:?" in text and "${CREDITPIPE_WAREHOUSE_PASSWORD:?" in text
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def test_init_scripts_exist():
    services = compose()["services"]
    for mount in services["postgres"]["volumes"]:
        if mount.startswith("./"):
            assert (ROOT / mount.split(":")[0]).exists(), mount
    assert "creditpipe init-warehouse" in "\n".join(services["airflow-init"]["command"])


def test_every_source_connection_of_the_catalog_is_passed(catalog):
    env = compose()["services"]["airflow-worker"]["environment"]
    for dataset in catalog.datasets.values():
        for source in dataset.sources:
            if source.option("conn_id"):
                assert f"AIRFLOW_CONN_{source.option('conn_id').upper()}" in env, source


def test_the_smtp_connection_is_passed():
    from creditpipe.core.mail import SMTP_CONN_ID

    env = compose()["services"]["airflow-worker"]["environment"]
    assert f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}" in env


def test_the_image_can_render_the_pdf_report():
    """WeasyPrint needs Pango and the report a CJK font inside the Airflow image, and the
    templates must be installed with the package."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0"):
        assert package in dockerfile
    assert 'creditpipe = ["templates/*.j2"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_workers_scale_and_share_the_chunks():
    worker = compose()["services"]["airflow-worker"]
    assert str(worker["deploy"]["replicas"]).startswith("${CREDITPIPE_WORKERS")
    assert worker["environment"]["AIRFLOW__CELERY__WORKER_CONCURRENCY"].isdigit()
    # The chunks a worker writes, another reads: work/ must be on the shared data folder.
    assert "${CREDITPIPE_DATA_DIR:?set in .env}:/opt/creditpipe/var" in worker["volumes"]


def test_the_data_folder_is_a_host_folder_the_airflow_user_owns():
    """landing/, outbox/ and reports/ are what departments and readers use: a host folder
    (or NFS path) named in .env, not a named volume hidden inside Docker; airflow-init, as
    root, gives it to the Airflow user before anything writes there."""
    data = compose()
    assert "creditpipe-data" not in (data.get("volumes") or {})
    init = data["services"]["airflow-init"]
    assert init["user"] == "0:0"
    script = init["command"][-1]
    assert 'chown -R "${AIRFLOW_UID:-50000}:0" /opt/creditpipe/var' in script
    assert "CREDITPIPE_DATA_DIR=" in (ROOT / ".env.example").read_text(encoding="utf-8")
    # Everything else runs as the Airflow user, whose uid .env sets.
    for name, svc in data["services"].items():
        if name.startswith("airflow-") and name != "airflow-init":
            assert svc["user"] == "${AIRFLOW_UID:-50000}:0", name


def test_a_failing_init_step_fails_the_deployment():
    script = compose()["services"]["airflow-init"]["command"][-1]
    lines = [ln.strip() for ln in script.splitlines() if ln.strip()]
    assert lines[0] == "set -euo pipefail"
    for step in ("airflow db migrate", "airflow users create", "creditpipe init-warehouse"):
        assert step in script
    # The admin comes from .env (the FAB auth manager keeps users in the metadata database).
    env = compose()["services"]["airflow-init"]["environment"]
    assert env["AIRFLOW_ADMIN_PASSWORD"].startswith("${AIRFLOW_ADMIN_PASSWORD:?")


def test_postgres_initialises_the_warehouse_once():
    """The entrypoint runs every file of /docker-entrypoint-initdb.d once, when the volume
    is new: one script, which creates the role and the database itself."""
    mounts = [m for m in compose()["services"]["postgres"]["volumes"] if "/docker-entrypoint-initdb.d" in m]
    assert mounts == ["./docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-warehouse.sh:ro"]
    script = (ROOT / "docker" / "postgres-init.sh").read_text(encoding="utf-8")
    assert "CREATE DATABASE creditpipe OWNER creditpipe" in script and "-f /docker-entrypoint-initdb.d" not in script
    assert not list((ROOT / "docker").glob("*.sql"))


def test_every_long_running_service_has_a_health_check():
    for name, svc in compose()["services"].items():
        if name != "airflow-init":
            assert svc.get("healthcheck", {}).get("test"), name


def test_a_dead_worker_costs_minutes_not_a_day():
    env = compose()["x-airflow-common"]["environment"]
    assert int(env["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"]) <= 120
    # Set (the provider warns of its 24 h default) and above the longest task.
    assert int(env["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"]) >= 3600
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "True"


def test_the_smoke_runs_what_compose_configures():
    from creditpipe.devtools.prod_stack import compose_settings

    conf = compose_settings(ROOT)
    assert conf["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "fab_auth_manager" in conf["AIRFLOW__CORE__AUTH_MANAGER"]
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in conf  # addresses are the stack's own


def test_airflow_shows_the_county_s_time_zone(catalog):
    """Airflow cannot read the catalog: its default time zone is the catalog's, kept in step here."""
    common = compose()["x-airflow-common"]["environment"] if "x-airflow-common" in compose() else {}
    zones = {
        svc.get("environment", {}).get("AIRFLOW__CORE__DEFAULT_TIMEZONE") for svc in compose()["services"].values()
    }
    zones |= {common.get("AIRFLOW__CORE__DEFAULT_TIMEZONE")}
    assert zones - {None} == {catalog.timezone}
