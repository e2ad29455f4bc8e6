"""The production shape of docker-compose.yml, run as plain processes on one machine: the
metadata database in PostgreSQL, Redis as the Celery broker, and Airflow's api-server,
scheduler, dag-processor, triggerer and Celery workers, each started from this checkout's
environment and stopped by its PID. What ``make prod-smoke`` drives (devtools.prod_smoke).

The Airflow settings that are not addresses (executor, auth manager, timeouts, worker
concurrency …) are read from the compose file's common environment, so the smoke runs what
production is configured to run; only the addresses are local: everything listens on
127.0.0.1, on free ports."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from creditpipe import TELEMETRY_OFF
from creditpipe.core import settings
from creditpipe.devtools.airflow_env import AirflowRunError, airflow_bin, airflow_env

PG_ADMIN = os.environ.get("CREDITPIPE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("CREDITPIPE_SMOKE_REDIS", "redis://127.0.0.1:6379")
# The smoke's own Redis database, emptied before and after: a broker's queues shared with
# anything else on the server would mix their tasks with ours.
REDIS_DB = int(os.environ.get("CREDITPIPE_SMOKE_REDIS_DB", "13"))
ADMIN_USER = "admin"
# The compose settings that name a host, a secret or a volume: the stack sets its own.
ADDRESSES = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
}


WORKER_HOSTNAME_ENV = "CREDITPIPE_WORKER_HOSTNAME"


class StackError(AirflowRunError):
    """What broke, with the evidence (shown whole by the command line)."""


def worker_hostname() -> str:
    """Airflow's hostname_callable for the stack's workers: two workers on one machine are
    told apart in the task instances' hostname (in production each container has its own)."""
    return os.environ.get(WORKER_HOSTNAME_ENV) or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_settings(project: Path) -> dict[str, str]:
    """The Airflow settings of docker-compose.yml's common environment that are not
    addresses or secrets (those with ${…} are filled from .env in production)."""
    compose = yaml.safe_load((project / "docker-compose.yml").read_text(encoding="utf-8"))
    env = compose["x-airflow-common"]["environment"]
    return {
        k: str(v)
        for k, v in env.items()
        if k.startswith("AIRFLOW__") and k not in ADDRESSES and "${" not in str(v) and v is not None
    }


def admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        for sql in statements:
            conn.execute(sql)


def pg_url(database: str, driver: str = "postgresql") -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].split("://", 1)[1]
    return f"{driver}://{base}/{database}"


@dataclass
class Service:
    name: str
    args: list[str]
    proc: subprocess.Popen | None = None
    log: Path | None = None


@dataclass
class Stack:
    """One production-shaped deployment under ``root``: its own metadata and warehouse
    databases (dropped by ``stop``), its own Redis database, its services' logs in
    ``root/logs``. ``extra_env``: connections of the departments' sources, SMTP."""

    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int = 2
    keep_databases: bool = False
    overrides: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    services: dict[str, Service] = field(default_factory=dict)

    def __post_init__(self):
        self.project = settings.project_dir()
        self.home = self.root / "var"
        self.metadata_db = f"creditpipe_smoke_meta_{self.tag}"
        self.warehouse_db = f"creditpipe_smoke_wh_{self.tag}"
        self.api_port, self.health_port = free_port(), free_port()
        self.password = secrets.token_urlsafe(16)
        self.env = self._env()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def warehouse_url(self) -> str:
        return pg_url(self.warehouse_db, "postgresql+psycopg")

    def _env(self) -> dict[str, str]:
        from cryptography.fernet import Fernet

        env = airflow_env(self.home, metadata_url=pg_url(self.metadata_db, "postgresql+psycopg2"))
        env.pop(settings.WAREHOUSE_URL_ENV, None)  # the warehouse is the Airflow connection, as in production
        env.pop("CREDITPIPE_TASK_RETRIES", None)  # production's retries
        env.update(compose_settings(self.project))
        env.update(
            {
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + pg_url(self.metadata_db),
                "AIRFLOW__CELERY__BROKER_URL": f"{REDIS}/{REDIS_DB}",
                # A queue of this stack's own: a worker left over from an earlier stack
                # (killed uncleanly) cannot take its tasks.
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"creditpipe_smoke_{self.tag}",
                "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__BASE_URL": self.api,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.health_port),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                f"AIRFLOW_CONN_{settings.WAREHOUSE_CONN_ID.upper()}": pg_url(self.warehouse_db),
                **TELEMETRY_OFF,
                **self.extra_env,
                **self.overrides,
            }
        )
        return env

    # --- setup, as airflow-init does it -------------------------------------------------
    def init(self) -> None:
        """Fresh databases and broker, ``airflow db migrate``, the admin user, the warehouse."""
        admin_sql(f'CREATE DATABASE "{self.metadata_db}"', f'CREATE DATABASE "{self.warehouse_db}"')
        self._flush_broker()
        self.run(["airflow", "db", "migrate"])
        self.run(
            [
                # --password=…: a generated password may begin with "-", which argparse would
                # take for an option (1 run in 64 failed so).
                "airflow", "users", "create", "--username", ADMIN_USER, f"--password={self.password}",
                "--role", "Admin", "--email", "admin@creditpipe.invalid", "--firstname", "信用办", "--lastname", "管理员",
            ]
        )  # fmt: skip
        self.run(["creditpipe", "init-warehouse"])

    def run(self, argv: list[str]) -> str:
        exe = airflow_bin() if argv[0] == "airflow" else str(Path(airflow_bin()).with_name(argv[0]))
        proc = subprocess.run([exe, *argv[1:]], env=self.env, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
            raise StackError(f"{' '.join(argv[:3])} 失败（退出码 {proc.returncode}）\n{tail}")
        return proc.stdout

    def _flush_broker(self) -> None:
        import redis

        redis.Redis.from_url(f"{REDIS}/{REDIS_DB}").flushdb()

    # --- the services -------------------------------------------------------------------
    def start(self) -> None:
        self.add("api-server", ["api-server"])
        self.add("scheduler", ["scheduler"])
        self.add("dag-processor", ["dag-processor"])
        # Logs are read from the shared log folder: no log server listening on every address.
        self.add("triggerer", ["triggerer", "--skip-serve-logs"])
        for n in range(1, self.workers + 1):
            self.start_worker(n)

    def worker_name(self, n: int) -> str:
        return f"worker-{n}"

    def worker_hostname(self, n: int) -> str:
        return f"creditpipe-worker-{n}@{socket.gethostname()}"

    def start_worker(self, n: int) -> None:
        queue = self.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
        args = [
            "celery",
            "worker",
            "--celery-hostname",
            self.worker_hostname(n),
            "--queues",
            queue,
            "--skip-serve-logs",
        ]
        own = {
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_hostname",
            WORKER_HOSTNAME_ENV: self.worker_hostname(n),
        }
        self.add(self.worker_name(n), args, own)

    def add(self, name: str, args: list[str], own_env: dict[str, str] | None = None) -> Service:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [airflow_bin(), *args],
                env={**self.env, **(own_env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped with its children
            )
        self.services[name] = Service(name, args, proc, log)
        return self.services[name]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a service and every process it started (a worker's task processes too)."""
        svc = self.services[name]
        if svc.proc and svc.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(svc.proc.pid, sig)
            try:
                svc.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(svc.proc.pid, signal.SIGKILL)
                svc.proc.wait(timeout=10)

    def dead(self) -> list[str]:
        """Services that exited on their own, with the tail of their log."""
        out = []
        for svc in self.services.values():
            if svc.proc and svc.proc.poll() is not None:
                tail = "\n".join(svc.log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
                out.append(f"{svc.name} 已退出（退出码 {svc.proc.returncode}）：\n{tail}")
        return out

    def pids(self) -> dict[str, set[int]]:
        """Each running service's processes (itself and its descendants)."""
        import psutil

        out = {}
        for svc in self.services.values():
            if svc.proc and svc.proc.poll() is None:
                try:
                    parent = psutil.Process(svc.proc.pid)
                    out[svc.name] = {parent.pid, *(c.pid for c in parent.children(recursive=True))}
                except psutil.NoSuchProcess:
                    continue
        return out

    def listening(self) -> list[tuple[str, str, int]]:
        """(service, address, port) of every socket the stack's processes listen on."""
        import psutil

        owner = {pid: name for name, pids in self.pids().items() for pid in pids}
        return [
            (owner[c.pid], c.laddr.ip, c.laddr.port)
            for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.pid in owner
        ]

    def stop(self) -> None:
        """Stop every service by its PID (SIGTERM, then SIGKILL), empty the broker, drop
        the databases (unless ``keep_databases``)."""
        for name in reversed(list(self.services)):
            self.kill(name, signal.SIGTERM)
        try:
            self._flush_broker()
        finally:
            if not self.keep_databases:
                admin_sql(
                    f'DROP DATABASE IF EXISTS "{self.metadata_db}" WITH (FORCE)',
                    f'DROP DATABASE IF EXISTS "{self.warehouse_db}" WITH (FORCE)',
                )

    def health_checks(self) -> dict[str, str | None]:
        """docker-compose.yml's health check of each service, run against this stack (its
        addresses put in for the containers'): service → None when healthy, else why not."""
        compose = yaml.safe_load((self.project / "docker-compose.yml").read_text(encoding="utf-8"))
        local = {
            "localhost:8080": f"127.0.0.1:{self.api_port}",
            "localhost:8974": f"127.0.0.1:{self.health_port}",
            "celery@$${HOSTNAME}": self.worker_hostname(1),
            "celery@${HOSTNAME}": self.worker_hostname(1),
        }
        out = {}
        for name, svc in compose["services"].items():
            test = (svc.get("healthcheck") or {}).get("test")
            if not name.startswith("airflow-") or not test:
                continue
            command = test[1] if test[0] == "CMD-SHELL" else " ".join(test[1:])
            for theirs, ours in local.items():
                command = command.replace(theirs, ours)
            bin_dir = str(Path(airflow_bin()).parent)
            proc = subprocess.run(
                ["bash", "-c", command],
                env={**self.env, "PATH": bin_dir + os.pathsep + self.env.get("PATH", "")},
                capture_output=True,
                text=True,
                timeout=120,
            )
            out[name] = None if proc.returncode == 0 else f"{command}：{(proc.stdout + proc.stderr)[-300:]}"
        return out

    def wait_until_up(self, timeout: float = 180) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dead := self.dead():
                raise StackError("\n".join(dead))
            try:
                health = requests.get(f"{self.api}/api/v2/monitor/health", timeout=5).json()
                states = {k: (v or {}).get("status") for k, v in health.items()}
                if all(states.get(k) == "healthy" for k in ("metadatabase", "scheduler", "dag_processor", "triggerer")):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(2)
        raise StackError(f"{timeout:.0f} 秒内未就绪：{self.api}/api/v2/monitor/health")

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
