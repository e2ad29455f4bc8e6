"""Running Airflow for this project on one machine: the environment and the commands.

The demo and the integration tests use it; in production docker-compose.yml sets the
same variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from creditpipe import TELEMETRY_OFF
from creditpipe.core import settings
from creditpipe.core.catalog import load_catalog


class AirflowRunError(RuntimeError):
    pass


METADATA_ENV = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"


def airflow_env(home: Path, warehouse_url: str | None = None, metadata_url: str | None = None) -> dict[str, str]:
    """Airflow for this project, its metadata in ``metadata_url`` (production's PostgreSQL)
    or, by default, a SQLite file under ``home`` (the demo, the tests)."""
    project = settings.project_dir()
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(project / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            METADATA_ENV: metadata_url or f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": load_catalog().timezone,
            "AIRFLOW__API__INSTANCE_NAME": f"{load_catalog().county.get('name', '')}公共信用信息归集（creditpipe）",
            # The pipeline's own lines (files found, records received, accepted, refused) are
            # at INFO: an operator reads them in each task's log.
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **TELEMETRY_OFF,
            "CREDITPIPE_TASK_RETRIES": "0",
            settings.HOME_ENV: str(home),
            settings.PROJECT_DIR_ENV: str(project),
        }
    )
    # Airflow starts its own subprocesses as `airflow …` by name: find ours first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if warehouse_url:
        env[settings.WAREHOUSE_URL_ENV] = warehouse_url
    return env


def airflow_bin() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def run_airflow(args: list[str], env: dict[str, str], quiet: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [airflow_bin(), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout or "").splitlines()[-40:])
        raise AirflowRunError(f"airflow {' '.join(args)} 失败（退出码 {proc.returncode}）\n{tail}")
    return proc


def call_airflow(home: str | None, args: list[str]) -> int:
    """``airflow ARGS`` with this project's environment; a metadata database set in the
    environment (production's PostgreSQL) is used as it is."""
    env = airflow_env(settings.paths(home).home, metadata_url=os.environ.get(METADATA_ENV))
    return subprocess.call([airflow_bin(), *args], env=env)


def migrate(env: dict[str, str]) -> None:
    run_airflow(["db", "migrate"], env)


def latest_run(dag_id: str, env: dict[str, str]) -> dict | None:
    proc = run_airflow(["dags", "list-runs", dag_id, "-o", "json"], env)
    # Airflow prints warnings before the JSON: take the last line that is a JSON list.
    lines = [ln for ln in (proc.stdout or "").splitlines() if ln.startswith(("[{", "[]"))]
    runs = json.loads(lines[-1]) if lines else []
    return max(runs, key=lambda r: r.get("run_after") or "", default=None)


def dag_test(dag_id: str, logical_date: str, env: dict[str, str], conf: str | None = None) -> str:
    args = ["dags", "test", dag_id, logical_date]
    if conf:
        args += ["--conf", conf]
    proc = run_airflow(args, env)
    out = proc.stdout or ""
    # `airflow dags test` exits 0 even when a task failed: ask for the run's state.
    run = latest_run(dag_id, env)
    if run is None or run.get("state") != "success":
        tail = "\n".join(out.splitlines()[-40:])
        state = run.get("state") if run else "无记录"
        raise AirflowRunError(f"DAG {dag_id}（{logical_date}）运行状态为 {state}\n{tail}")
    return out


def dag_test_many(runs: list[tuple[str, str, dict | None]], env: dict[str, str]) -> list[dict]:
    """Several DAG runs in one process (creditpipe.devtools.airflow_runner: ``dag.test()``), in order;
    the first one that fails raises with the tail of its log."""
    from creditpipe.devtools.airflow_runner import MARKER

    proc = subprocess.run(
        [sys.executable, "-m", "creditpipe.devtools.airflow_runner", json.dumps([list(r) for r in runs])],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = proc.stdout or ""
    states = [json.loads(ln[len(MARKER) :]) for ln in out.splitlines() if ln.startswith(MARKER)]
    failed = next((s for s in states if s.get("state") != "success"), None)
    if proc.returncode != 0 or failed or len(states) != len(runs):
        tail = "\n".join(out.splitlines()[-40:])
        what = failed or {"dag_id": runs[len(states)][0] if len(states) < len(runs) else "?", "state": "未完成"}
        raise AirflowRunError(
            f"DAG {what.get('dag_id')}（{what.get('logical_date', '')}）运行状态为 "
            f"{what.get('state') or what.get('error')}\n{tail}"
        )
    return states
