"""The production shape's executor and auth manager load from the pinned set: docker-compose.yml
names them, and a pin that breaks an import (celery 5.7 did) stops every service at start."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load(setting: str, value: str, code: str) -> subprocess.CompletedProcess:
    # A fresh interpreter: Airflow reads its configuration once per process.
    env_code = f"import os; os.environ[{setting!r}] = {value!r}\n{code}"
    return subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=300)


def _compose_env() -> dict:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    return services["airflow-scheduler"]["environment"]


def test_the_celery_executor_loads():
    executor = _compose_env()["AIRFLOW__CORE__EXECUTOR"]
    proc = _load(
        "AIRFLOW__CORE__EXECUTOR",
        executor,
        "from airflow.executors.executor_loader import ExecutorLoader\n"
        "cls = ExecutorLoader.import_default_executor_cls()[0]\n"
        "print(cls.__module__, cls.__name__)",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "CeleryExecutor" in proc.stdout


def test_the_production_auth_manager_loads():
    manager = _compose_env()["AIRFLOW__CORE__AUTH_MANAGER"]
    assert "simple" not in manager.lower()  # SimpleAuthManager is for development only
    module, _, name = manager.rpartition(".")
    proc = _load(
        "AIRFLOW__CORE__AUTH_MANAGER",
        manager,
        f"import importlib; print(getattr(importlib.import_module({module!r}), {name!r}).__name__)",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert name in proc.stdout
