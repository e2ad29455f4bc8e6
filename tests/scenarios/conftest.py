"""The demo, run once for the scenarios that read what it left (its report, its Airflow)."""

import os
import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`make demo`'s command (three months through Airflow, the embedded SQLite warehouse)
    in a fresh home: (home, the command, its environment, the finished process)."""
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDITPIPE_WAREHOUSE"))}
    cmd = [sys.executable, "-m", "creditpipe.cli", "demo", "--month", "2026-05", "--home", str(home)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    return home, cmd, env, first
