"""``make prod-smoke`` (``creditpipe prod-smoke``): the production shape, proven on this machine.

It prepares a month with the simulators (the demo's month, plus one large delivery of
30,000 records checked in six chunks), runs it once with ``dag.test()`` as the reference,
then starts the Celery stack of docker-compose.yml as processes (devtools.prod_stack) and
drives it through the REST API as a data engineer would, checking:

1. every DAG run succeeds — the first unpause's own runs, then the re-triggered ones;
2. the large delivery's chunks ran on both workers;
3. a worker killed (SIGKILL, its tasks with it) while it checks a chunk loses nothing and
   doubles nothing: the run finishes within KILLED_WORKER_BOUND_S of the kill;
4. the warehouse equals the ``dag.test()`` run of the same month, record for record;
5. re-triggering every DAG changes nothing, and the month's report was mailed once;
6. the first unpause raised no "nothing delivered" warning on the empty warehouse;
7. nothing the stack started listens beyond 127.0.0.1; everything it started is stopped."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import signal
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_now
from creditpipe.core.months import month_before
from creditpipe.devtools import demo
from creditpipe.devtools.airflow_env import airflow_env, dag_test_many, migrate
from creditpipe.devtools.prod_stack import Stack, StackError, admin_sql, compose_settings, pg_url
from creditpipe.devtools.simulators import collection_moment, generate_landing_month, report_moment

SEED = 20261
CHUNK_ROWS = 5000
BIG = {"dataset": "market.admin_penalty", "department": "market", "records": 30_000, "day": 20}
TERMINAL = {"success", "failed"}
# Tables compared with the reference, and the columns that differ by nature between two runs
# (when a row was written, and where from: a pull is staged under the moment it ran, and
# its notice's folder in the outbox is named after that staged file).
SKIPPED_TABLES = {"early_warning"}
VOLATILE = {"file_name", "source", "request", "notice_file"}


def _volatile(column: str) -> bool:
    return column in VOLATILE or (column.endswith("_at") and column != "delivered_at")


# The one setting the smoke does not take from docker-compose.yml: a task the killed worker
# had received but not started is retried after 2 minutes queued here, not production's 10
# (there, tasks may wait that long for a free worker; here the smoke would take 15 minutes).
SMOKE_OVERRIDES = {"AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120"}


def killed_worker_bound_s() -> int:
    """How long a run may take after one of its workers is killed: whichever way its tasks
    come back is the longer — one it was running, after the heartbeat timeout and its
    detection interval; one it had received but not started, after the queued timeout and
    its check interval — then the retry delay, and two minutes to run the chunk again,
    merge, load and publish the notice on a machine of two cores."""
    from creditpipe.core import settings
    from creditpipe.orchestration.dag_factory import RETRY_DELAY

    conf = {**compose_settings(settings.project_dir()), **SMOKE_OVERRIDES}
    running = int(conf["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"]) + int(
        conf["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL"]
    )
    received = int(conf["AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT"]) + int(
        conf["AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL"]
    )
    return max(running, received) + int(RETRY_DELAY.total_seconds()) + 120


class Rest:
    """Airflow's REST API as the admin user (a token from the FAB auth manager)."""

    def __init__(self, base: str, user: str, password: str):
        import requests

        self.base, self.http = base, requests.Session()
        r = self.http.post(f"{base}/auth/token", json={"username": user, "password": password}, timeout=30)
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def __call__(self, method: str, path: str, **kw) -> dict:
        r = self.http.request(method, f"{self.base}/api/v2{path}", timeout=60, **kw)
        if r.status_code >= 400:
            raise StackError(f"{method} {path}：HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else {}

    def runs(self, dag_id: str) -> list[dict]:
        return self("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "run_after"})["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return self("GET", path, params={"limit": 1000})["task_instances"]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self("GET", path)["task_instances"]


def prepare(home: Path, month: str, api) -> None:
    """The demo's month of every source, and one large 行政处罚 delivery (its chunks are
    what the workers share)."""
    catalog = load_catalog()
    demo.prepare_month(catalog, home, month, SEED, api)
    folder = home / "landing" / BIG["department"] / BIG["dataset"].split(".", 1)[1]
    generate_landing_month(
        folder, month, SEED, BIG["dataset"], BIG["department"], (BIG["records"],) * 2,
        drops=(BIG["day"],), shapes=(("csv", "utf-8"),), stem="行政处罚_补报", error_rate=0.001,
    )  # fmt: skip


def connections(home: Path, api, smtp_port: int) -> dict[str, str]:
    """The departments' sources (the simulated API, the front-end SQLite files) and SMTP."""
    env = {"AIRFLOW_CONN_CREDITPIPE_SMTP": f"smtp://127.0.0.1:{smtp_port}?from_email=creditpipe%40localhost"}
    for dataset in load_catalog().datasets.values():
        for source in dataset.sources:
            conn_id = source.option("conn_id")
            if source.channel == "api":
                env[f"AIRFLOW_CONN_{conn_id.upper()}"] = api.connection_uri()
            elif source.channel == "database":
                env[f"AIRFLOW_CONN_{conn_id.upper()}"] = demo.front_db_url(home, source.department)
    return {**env, "CREDITPIPE_CHUNK_ROWS": str(CHUNK_ROWS)}


def fingerprint(url: str, month: str) -> dict[str, list[tuple]]:
    """Each warehouse table's rows, sorted, without the volatile columns; of
    monthly_conformity the month's figures only; of zero_report the files' (a pull's zero
    report covers the days up to the moment it ran, and the two runs ran at other moments)."""
    from creditpipe.warehouse.schema import connect

    engine = connect(url)
    out = {}
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as conn:
            for table in sorted(set(inspector.get_table_names()) - SKIPPED_TABLES):
                cols = [c["name"] for c in inspector.get_columns(table) if not _volatile(c["name"])]
                sql = f"SELECT {', '.join(cols)} FROM {table}"
                params = {}
                if table == "monthly_conformity":
                    sql, params = sql + " WHERE month = :m", {"m": month}
                if table == "zero_report":  # a pull's answers run up to the moment it ran
                    sql += " WHERE how = 'file'"
                rows = conn.execute(sa.text(sql), params)
                out[table] = sorted(tuple("" if v is None else str(v) for v in r) for r in rows)
    finally:
        engine.dispose()
    return out


def _differences(a: dict, b: dict, skip: tuple[str, ...] = ()) -> list[str]:
    """What differs between two fingerprints, table by table, with an example row."""
    out = []
    for table in sorted((set(a) | set(b)) - set(skip)):
        left, right = set(a.get(table, [])), set(b.get(table, []))
        if left != right or len(a.get(table, [])) != len(b.get(table, [])):
            only = sorted(left - right)[:1] or sorted(right - left)[:1]
            out.append(
                f"{table}：{len(a.get(table, []))} 行 ≠ {len(b.get(table, []))} 行；"
                f"仅一方有 {len(left - right)} / {len(right - left)} 行，例：{only[0][:8] if only else '（重复行）'}"
            )
    return out


def _rows(fp: dict) -> int:
    return sum(len(rows) for rows in fp.values())


def run_reference(root: Path, month: str, api, smtp_port: int) -> str:
    """The month through ``dag.test()`` at the real schedules' moments (what `make demo`
    does): its warehouse, in its own PostgreSQL database, is what the stack must equal."""
    home = root / "reference"
    prepare(home, month, api)
    db = f"creditpipe_smoke_ref_{root.name[-8:].replace('-', '_')}"
    admin_sql(f'DROP DATABASE IF EXISTS "{db}"', f'CREATE DATABASE "{db}"')
    url = pg_url(db, "postgresql+psycopg")
    env = {**airflow_env(home, warehouse_url=url), **connections(home, api, smtp_port)}
    migrate(env)
    catalog = load_catalog()
    runs = [(f"ingest__{d.slug}", collection_moment(month).isoformat(), None) for d in catalog.datasets.values()]
    runs.append(("monthly_report", report_moment(month).isoformat(), None))
    dag_test_many(runs, env)
    return url


class Smoke:
    def __init__(self, stack: Stack, month: str, say=print):
        self.stack, self.month, self.say = stack, month, say
        self.catalog = load_catalog()
        self.dag_ids = [f"ingest__{d.slug}" for d in self.catalog.datasets.values()] + [
            "early_warning",
            "monthly_report",
        ]
        self.rest = Rest(stack.api, "admin", stack.password)
        self.big_dag = f"ingest__{BIG['dataset'].replace('.', '__')}"

    def wait_for_dags(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {d["dag_id"] for d in self.rest("GET", "/dags", params={"limit": 100})["dags"]}
            if set(self.dag_ids) <= found:
                return
            time.sleep(2)
        errors = self.rest("GET", "/importErrors")
        raise StackError(f"DAG 未全部解析：缺 {sorted(set(self.dag_ids) - found)}；导入错误 {errors}")

    def unpause(self) -> None:
        for dag_id in self.dag_ids:
            self.rest("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        body = {"logical_date": None, "conf": conf or {}}
        return self.rest("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def kill_a_worker_mid_check(self, timeout: float = 300) -> dt.datetime:
        """SIGKILL worker-2 while it runs a chunk of the large delivery; start it again
        (compose's restart: always). Returns the moment of the kill."""
        victim = self.stack.worker_hostname(2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self.rest.runs(self.big_dag):
                for ti in self.rest.task_instances(self.big_dag, run["dag_run_id"]):
                    if ti["task_id"].endswith(".check") and ti["state"] == "running" and ti["hostname"] == victim:
                        self.stack.kill("worker-2")
                        killed = dt.datetime.now(dt.UTC)
                        self.say(f"      已强杀 worker-2（正在校验分块 {ti['map_index']}），5 秒后重启")
                        time.sleep(5)
                        self.stack.start_worker(2)
                        return killed
            if dead := self.stack.dead():
                raise StackError("\n".join(dead))
            time.sleep(0.3)
        raise StackError(f"{timeout:.0f} 秒内 worker-2 未运行 {self.big_dag} 的校验分块")

    def settle(self, expected: dict[str, int], timeout: float = 900) -> dict[str, list[dict]]:
        """Wait until every DAG has at least ``expected`` runs, all ended, and no new run
        appeared for 15 s (the loads' Assets trigger early_warning)."""
        deadline, quiet_since, last = time.monotonic() + timeout, None, None
        while time.monotonic() < deadline:
            runs = {d: self.rest.runs(d) for d in self.dag_ids}
            shape = {d: [(r["dag_run_id"], r["state"]) for r in rs] for d, rs in runs.items()}
            ended = all(r["state"] in TERMINAL for rs in runs.values() for r in rs)
            enough = all(len(runs[d]) >= n for d, n in expected.items())
            if ended and enough and shape == last:
                if quiet_since and time.monotonic() - quiet_since >= 15:
                    return runs
                quiet_since = quiet_since or time.monotonic()
            else:
                quiet_since, last = None, shape
            if dead := self.stack.dead():
                raise StackError("\n".join(dead))
            time.sleep(3)
        raise StackError(f"{timeout:.0f} 秒内运行未全部结束：{last}")

    def failures(self, runs: dict[str, list[dict]]) -> list[str]:
        out = []
        for dag_id, rs in runs.items():
            for run in rs:
                if run["state"] != "success":
                    bad = [
                        f"{t['task_id']}[{t['map_index']}]={t['state']}"
                        for t in self.rest.task_instances(dag_id, run["dag_run_id"])
                        if t["state"] not in ("success", "skipped")
                    ]
                    out.append(f"{dag_id} {run['dag_run_id']}：{run['state']}（{', '.join(bad) or '无任务信息'}）")
        return out

    def check_hosts(self, run: dict) -> tuple[set[str], int]:
        """The workers the large delivery's chunks ran on (every try), and the tries lost."""
        hosts, lost = set(), 0
        for ti in self.rest.task_instances(self.big_dag, run["dag_run_id"]):
            if not ti["task_id"].endswith(".check"):
                continue
            for t in self.rest.tries(self.big_dag, run["dag_run_id"], ti["task_id"], ti["map_index"]):
                hosts.add(t.get("hostname") or "")
                lost += t["state"] != "success"
        return hosts - {""}, lost


def run_prod_smoke(month: str | None = None, keep: bool = False, say=print) -> dict:
    """The whole smoke; raises StackError naming what broke. ``keep``: leave the folder
    (logs of every service, the data) and the databases for a look afterwards."""
    from aiosmtpd.controller import Controller

    from creditpipe.devtools.prod_stack import free_port
    from creditpipe.devtools.simulators.api_server import SimulatedApi

    month = month or month_before(county_now().date())
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP sink's every connection
    # Stopped (make's Ctrl-C, a CI timeout's SIGTERM): still stop every service it started.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    root = Path(tempfile.mkdtemp(prefix="creditpipe-prod-smoke-"))
    sink = _MailSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    started, out = time.monotonic(), {"month": month, "folder": str(root)}
    ref_url = None
    try:
        say(f"[1/5] 参照：{month} 经 dag.test() 运行（与 make demo 相同的时刻）")
        with SimulatedApi(token="ref-token") as api:
            ref_url = run_reference(root, month, api, smtp.port)
        reference = fingerprint(ref_url, month)
        mails_before = len(sink.reports(month))
        with SimulatedApi(token="prod-token") as api:
            stack_home = root / "stack" / "var"
            prepare(stack_home, month, api)
            env = connections(stack_home, api, smtp.port)
            with Stack(root / "stack", extra_env=env, keep_databases=keep, overrides=SMOKE_OVERRIDES) as stack:
                out.update(_drive(stack, month, reference, say))
                out["mails"] = len(sink.reports(month)) - mails_before
                if out["mails"] != 1:
                    raise StackError(f"{month} 月报邮件发送 {out['mails']} 次，应为 1 次")
                out["warnings_on_empty"] = _silent_warnings(stack.warehouse_url)
                if out["warnings_on_empty"]:
                    raise StackError(f"首次启用即预警“无任何报送”：{out['warnings_on_empty']}")
            leftovers = [pid for pids in out.pop("pids").values() for pid in pids if _alive(pid)]
            if leftovers:
                raise StackError(f"停止后仍有进程在运行：{leftovers}")
        out["seconds"] = round(time.monotonic() - started)
        kept = f"数据库与目录保留在 {root}" if keep else "数据库已删除"
        say(f"[5/5] 通过：用时 {out['seconds']} 秒；所启动的进程均已按 PID 停止，{kept}")
        return out
    finally:
        smtp.stop()
        if ref_url and not keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{ref_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _drive(stack: Stack, month: str, reference: dict, say) -> dict:
    say(f"[2/5] 启动生产形态（{stack.root}）：api-server、scheduler、dag-processor、triggerer、2 个 Celery worker")
    stack.init()
    stack.start()
    stack.wait_until_up()
    smoke = Smoke(stack, month, say)
    smoke.wait_for_dags()
    wide = [f"{name} {ip}:{port}" for name, ip, port in stack.listening() if ip not in ("127.0.0.1", "::1")]
    if wide:
        raise StackError(f"监听了 127.0.0.1 以外的地址：{wide}")
    health = stack.health_checks()
    if unhealthy := [why for why in health.values() if why]:
        raise StackError("docker-compose.yml 的健康检查未通过：\n" + "\n".join(unhealthy))
    say(f"      docker-compose.yml 的健康检查全部通过：{'、'.join(health)}")

    say("[3/5] 经 REST API 启用全部 DAG（各自运行最近一次调度），并在校验大批量分块时强杀 worker-2")
    unpaused = time.monotonic()
    smoke.unpause()
    killed = smoke.kill_a_worker_mid_check()
    runs = smoke.settle({d: 1 for d in smoke.dag_ids if d != "early_warning"})
    if failed := smoke.failures(runs):
        raise StackError("运行失败：\n" + "\n".join(failed))
    big = runs[smoke.big_dag][0]
    hosts, lost = smoke.check_hosts(big)
    if {stack.worker_hostname(1), stack.worker_hostname(2)} - hosts:
        raise StackError(f"大批量的分块只在 {sorted(hosts)} 上运行")
    bound = killed_worker_bound_s()
    after_kill = (dt.datetime.fromisoformat(big["end_date"]) - killed).total_seconds()
    if after_kill > bound:
        raise StackError(f"强杀 worker 后运行用了 {after_kill:.0f} 秒，超过上限 {bound} 秒")
    first = fingerprint(stack.warehouse_url, month)
    # The unpause's monthly_report runs beside the loads, not after them: its figures are
    # compared once the month's report is re-run (step 4).
    if diff := _differences(reference, first, skip=("monthly_conformity",)):
        raise StackError("数据仓库与 dag.test() 的结果不同：\n" + "\n".join(diff))
    say(
        f"      {sum(len(r) for r in runs.values())} 次运行全部成功（{time.monotonic() - unpaused:.0f} 秒）；"
        f"分块在 {len(hosts)} 个 worker 上运行，被杀 {lost} 次尝试均已重试；强杀后 {after_kill:.0f} 秒完成"
        f"（上限 {bound} 秒）；数据仓库与参照一致（{_rows(first)} 行）"
    )

    say(f"[4/5] 再次触发全部归集 DAG 与 {month} 月报")
    before = {d: len(r) for d, r in runs.items()}
    for dag_id in smoke.dag_ids:
        if dag_id.startswith("ingest__"):
            smoke.trigger(dag_id)
    smoke.trigger("monthly_report", {"month": month})
    again = smoke.settle({d: n + 1 for d, n in before.items() if d != "early_warning"})
    if failed := smoke.failures(again):
        raise StackError("再次触发后运行失败：\n" + "\n".join(failed))
    last = fingerprint(stack.warehouse_url, month)
    if diff := _differences(first, last, skip=("monthly_conformity",)):
        raise StackError("再次触发改变了数据仓库：\n" + "\n".join(diff))
    if diff := _differences(reference, last):
        raise StackError(f"{month} 的月度数据与 dag.test() 的结果不同：\n" + "\n".join(diff))
    say(f"      再次触发全部成功，数据仓库未变；{month} 的月度数据与参照一致")
    return {
        "pids": stack.pids(),
        "runs": sum(len(r) for r in again.values()),
        "workers": sorted(hosts),
        "lost_tries": lost,
        "after_kill_s": round(after_kill),
        "bound_s": bound,
        "rows": _rows(last),
    }


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _silent_warnings(url: str) -> list[str]:
    from creditpipe.warehouse.schema import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            sql = "SELECT evidence FROM early_warning WHERE evidence LIKE '%无任何报送%'"
            return [r[0] for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


class _MailSink:
    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, str(msg["Subject"])))
        return "250 OK"

    def reports(self, month: str) -> list[str]:
        y, m = month.split("-")
        return [s for _, s in self.messages if "监测与预警报告" in s and f"{y}年{int(m)}月" in s]
