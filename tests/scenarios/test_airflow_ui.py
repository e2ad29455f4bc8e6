"""`make airflow-ui` as an engineer meets it after `make demo` (issue 20, items 1 and 3):
its components started as `creditpipe airflow-ui` starts them, listening on 127.0.0.1 only,
and the UI driven in headless Chromium — log in, an ingest DAG's docs, a task log with the
step's counts at the county's time, the demo's runs with their real durations."""

import datetime as dt
import json
import re
import socket
import sqlite3
from zoneinfo import ZoneInfo

import psutil
import pytest

from creditpipe.devtools.airflow_ui import USER, AirflowUi, password, ui_env

pytestmark = pytest.mark.airflow
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]
DAG = "ingest__market__admin_penalty"
TASK = "market.deliver.load"
COUNTS = re.compile(r"收到 [\d,]+ 条 = 入库 [\d,]+ 条 \+ 退回 [\d,]+ 条")
RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening() -> set[tuple[str, int, int | None]]:
    return {
        (c.laddr.ip, c.laddr.port, c.pid) for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    }


@pytest.fixture(scope="module")
def ui(demo_run):
    home = demo_run[0]
    before = _listening()
    port = _free_port()
    env = ui_env(home, port)
    started = AirflowUi(env, port).start(home / "airflow" / "ui_logs")
    yield started, env, before
    started.stop()


def test_nothing_listens_beyond_127_0_0_1(ui):
    started, _env, before = ui
    import time

    time.sleep(5)  # the scheduler and the DAG processor past their start-up
    tree = set()
    for proc in started.processes.values():
        parent = psutil.Process(proc.pid)
        tree |= {parent.pid} | {c.pid for c in parent.children(recursive=True)}
    new = _listening() - before
    ours = {(ip, port) for ip, port, pid in new if pid in tree}
    assert (("127.0.0.1", started.port)) in ours
    assert all(ip == "127.0.0.1" for ip, _port in ours), ours
    # Nor anything else that appeared meanwhile: no log server on 8793, no wildcard bind.
    assert not [(ip, port) for ip, port, _pid in new if ip not in ("127.0.0.1", "::1")], new
    assert not [port for _ip, port, _pid in new if port == 8793]
    # And every component the UI's health panel shows is up (the triggerer too: it is shown).
    import urllib.request

    with urllib.request.urlopen(f"{started.url}/api/v2/monitor/health", timeout=10) as answer:
        health = json.load(answer)
    assert {k: v["status"] for k, v in health.items()} == {
        "metadatabase": "healthy",
        "scheduler": "healthy",
        "triggerer": "healthy",
        "dag_processor": "healthy",
    }, health


def _task_log_record(home) -> tuple[str, dict]:
    """The newest run whose load task handled a delivery, and its log's line with the counts
    (a re-run that found nothing new has no load)."""
    with sqlite3.connect(home / "airflow" / "airflow.db") as db:
        (run_id,) = db.execute(
            "SELECT run_id FROM task_instance WHERE dag_id = ? AND task_id = ? AND map_index = 0"
            " ORDER BY start_date DESC LIMIT 1",
            (DAG, TASK),
        ).fetchone()
    folder = home / "airflow" / "logs" / f"dag_id={DAG}" / f"run_id={run_id}" / f"task_id={TASK}" / "map_index=0"
    lines = [json.loads(ln) for ln in (folder / "attempt=1.log").read_text(encoding="utf-8").splitlines()]
    counted = next(r for r in lines if COUNTS.search(r["event"]))
    return run_id, counted


def test_the_demos_runs_keep_their_logs_and_real_durations(demo_run):
    home = demo_run[0]
    with sqlite3.connect(home / "airflow" / "airflow.db") as db:
        runs = db.execute("SELECT dag_id, start_date, end_date FROM dag_run").fetchall()
        labels = dict(
            db.execute(
                "SELECT task_id, rendered_map_index FROM task_instance WHERE dag_id = ? AND map_index = 0", (DAG,)
            ).fetchall()
        )
    assert len(runs) >= 3 * 13
    for dag_id, start, end in runs:  # seconds, not the weeks since their logical dates
        took = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
        assert dt.timedelta(0) <= took < dt.timedelta(minutes=10), (dag_id, start, end)
    # Mapped tasks named after what they handle: the file, its chunk.
    split, check = labels["market.split"], labels["market.check"]
    assert split.endswith((".csv", ".xlsx")) and not split.isdigit(), split
    assert re.fullmatch(r".+\.(csv|xlsx) 第 1/1 块", check), check
    # Every task's log kept; the steps' lines carry counts, never a resident ID number.
    logs = list((home / "airflow" / "logs").rglob("attempt=*.log"))
    assert len(logs) > 100
    text = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    assert COUNTS.search(text) and "发现 " in text and "退回通知" in text and "评估预警：新增" in text
    assert not RESIDENT_ID.search(text)


def test_the_ui_shows_the_demo_in_county_time(ui, demo_run):
    from playwright.sync_api import sync_playwright

    started, env, _before = ui
    home = demo_run[0]
    run_id, counted = _task_log_record(home)
    county = dt.datetime.fromisoformat(counted["timestamp"]).astimezone(ZoneInfo("Asia/Shanghai"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # A clerk's machine in the county: China Standard Time, Chinese.
        page = browser.new_context(
            timezone_id="Asia/Shanghai", locale="zh-CN", viewport={"width": 1400, "height": 900}
        ).new_page()
        page.goto(started.url)
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", password(env))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)
        # The home page's notice: times are the browser's, the county's is +08:00; DAGs start paused.
        page.get_by_text("县里的时间为北京时间").wait_for(timeout=30_000)
        assert page.get_by_text("+08:00").count() >= 1

        page.goto(f"{started.url}/dags")  # the list reads in Chinese, every DAG paused
        page.get_by_text("行政处罚信息（双公示） · 市场监管").wait_for(timeout=30_000)
        assert page.get_by_text("月度监测与预警报告").count() >= 1

        page.goto(f"{started.url}/dags/{DAG}")
        page.get_by_text("市场监管（落地目录）").first.wait_for(timeout=30_000)  # the task group's label
        page.click('button[aria-label="Dag 文档"]')
        page.get_by_text("交换周期").wait_for(timeout=10_000)
        assert "Asia/Shanghai，即县里的时间" in page.inner_text("body")

        page.goto(f"{started.url}/dags/{DAG}/runs/{run_id}/tasks/{TASK}/mapped/0")
        line = page.get_by_text(COUNTS).first
        line.wait_for(timeout=30_000)
        body = page.inner_text("body")
        # The log line at the county's time (the file holds UTC).
        assert f"[{county:%Y-%m-%d %H:%M:%S}]" in body, (county, body[-1500:])
        assert not RESIDENT_ID.search(body)
        browser.close()


def test_a_port_already_taken_is_refused_before_anything_starts(tmp_path):
    """Else the health check would find whatever holds the port (an earlier UI left running)
    and call this one up."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"端口 {port} 已被占用"):
            AirflowUi(ui_env(tmp_path, port), port).start(tmp_path / "logs")
    assert not (tmp_path / "logs").exists()
