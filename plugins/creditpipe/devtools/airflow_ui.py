"""``creditpipe airflow-ui``: Airflow's UI and scheduler for this project on one machine,
reachable from this machine only.

``airflow standalone`` would do it in one command, but it cannot be told where to listen:
its API server binds every interface and its scheduler starts a log server on port 8793
(no host option). Here the components are started one by one with their hosts set: the
API server (UI, REST and the execution API the tasks call) on 127.0.0.1; the scheduler, the
DAG processor and the triggerer without a log server (the API server reads the task logs from the local
log folder, so none is needed on one machine). In production docker-compose.yml runs the
same components, each in its container."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from creditpipe.core import settings
from creditpipe.devtools.airflow_env import METADATA_ENV, airflow_bin, airflow_env, migrate

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
USER = "admin"


def ui_env(home: Path, port: int = DEFAULT_PORT, metadata_url: str | None = None) -> dict[str, str]:
    """The demo's Airflow (same metadata, logs and DAGs), served on ``HOST:port`` only."""
    env = airflow_env(home, metadata_url=metadata_url)
    airflow_home = Path(env["AIRFLOW_HOME"])
    env.update(
        {
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "ui_passwords.json"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        }
    )
    return env


def password(env: dict[str, str]) -> str:
    """The UI user's password: made once at random and kept in the passwords file."""
    path = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    try:
        return json.loads(path.read_text(encoding="utf-8"))[USER]
    except (OSError, ValueError, KeyError):
        chosen = secrets.token_urlsafe(12)
        path.write_text(json.dumps({USER: chosen}), encoding="utf-8")
        path.chmod(0o600)
        return chosen


COMPONENTS = {
    "api-server": ["api-server", "--host", HOST, "--workers", "1"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    # Nothing of ours defers, but the UI's health panel shows a triggerer that is not running as failed.
    "triggerer": ["triggerer", "--skip-serve-logs"],
}


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass
class AirflowUi:
    """The running components; ``stop()`` ends them all."""

    env: dict[str, str]
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, logs: Path, wait_s: float = 180) -> AirflowUi:
        if not port_free(self.port):  # else the health check would find whatever holds it
            raise RuntimeError(
                f"端口 {self.port} 已被占用（可能是上次启动的 Airflow 界面仍在运行）：请先停止它，或用 --port 换一个端口"
            )
        migrate(self.env)
        password(self.env)
        logs.mkdir(parents=True, exist_ok=True)
        for name, args in COMPONENTS.items():
            args = [*args, "--port", str(self.port)] if name == "api-server" else args
            out = (logs / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                [airflow_bin(), *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_up(logs, wait_s)
        return self

    def _wait_until_up(self, logs: Path, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    tail = (logs / f"{name}.log").read_text(errors="replace").splitlines()[-20:]
                    self.stop()
                    raise RuntimeError(f"airflow {name} 启动失败（退出码 {proc.returncode}）：\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Airflow 的界面 {wait_s:.0f} 秒内未能启动；见 {logs}")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def serve(home: str | None, port: int = DEFAULT_PORT) -> int:
    """Start the UI on the data folder ``home`` (the demo's by default) and keep it up until
    Ctrl-C; say how to log in and what to do first. A metadata database set in the
    environment (production's PostgreSQL) is used as it is."""
    env = ui_env(settings.paths(home).home, port, os.environ.get(METADATA_ENV))
    logs = Path(env["AIRFLOW_HOME"]) / "ui_logs"
    ui = AirflowUi(env, port).start(logs)
    print(
        f"Airflow 界面：{ui.url}（只在本机监听 {HOST}）\n"
        f"登录：用户 {USER}，密码 {password(env)}（保存在 {env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE']}）\n"
        "新的 DAG 默认暂停：在 DAG 列表中打开开关即按计划运行；点 ▶（Trigger）可立即运行一次，"
        "monthly_report 可在触发时填写 month 重跑某月。\n"
        f"各组件的输出：{logs}；按 Ctrl-C 停止。",
        flush=True,
    )
    # Stopped by a signal as by Ctrl-C: the components go with it, none is left holding the port.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.default_int_handler)
    try:
        while all(p.poll() is None for p in ui.processes.values()):
            time.sleep(2)
        stopped = next(n for n, p in ui.processes.items() if p.poll() is not None)
        print(f"airflow {stopped} 已退出；见 {logs / (stopped + '.log')}")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        ui.stop()
