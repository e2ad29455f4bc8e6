"""The DAGs run through Airflow (`airflow db migrate`, then `airflow dags test`) with the
warehouse on the real PostgreSQL server."""

import datetime as dt
import json
import os
import random
import re

import pytest
import sqlalchemy as sa

from creditpipe.devtools.airflow_env import airflow_env, dag_test, migrate
from creditpipe.devtools.simulators import collection_moment, generate_month, make_delivery, stamp_changes
from creditpipe.warehouse.schema import connect, totals

pytestmark = pytest.mark.airflow
MONTH = "2026-06"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory, pg_database):
    home = tmp_path_factory.mktemp("home")
    engine = connect(pg_database)
    with engine.begin() as conn:  # a clean warehouse for this module
        names = sa.inspect(conn).get_table_names()
        if names:
            conn.execute(sa.text("DROP TABLE " + ", ".join(names) + " CASCADE"))
    engine.dispose()
    env = airflow_env(home, warehouse_url=pg_database)
    migrate(env)
    return home, env


def test_ingest_and_monthly_dags_against_postgres(airflow_home, pg_database, catalog, smtp):
    home, env = airflow_home
    env = {**env, "AIRFLOW_CONN_CREDITPIPE_SMTP": os.environ["AIRFLOW_CONN_CREDITPIPE_SMTP"]}
    expected = generate_month(home / "landing" / "market" / "admin_penalty", MONTH, seed=42, records_per_file=(60, 90))
    until = collection_moment(MONTH)
    dag_test("ingest__market__admin_penalty", until.isoformat(), env)

    engine = connect(pg_database)
    assert engine.dialect.name == "postgresql"
    t = totals(engine)
    with engine.connect() as conn:
        issues = set(
            conn.execute(
                sa.text(
                    "SELECT b.file_name, i.source_row, i.field, i.rule FROM record_issue i "
                    "JOIN delivery_batch b ON b.batch_id = i.batch_id"
                )
            )
        )
        months = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT delivered_month FROM delivery_batch"))}
    assert t["batches"] == 4 and t["received"] == t["accepted"] + t["rejected"]
    assert issues == {(e.file, e.source_row, e.field, e.rule) for e in expected}
    assert months == {MONTH}
    notices = list((home / "outbox" / "market" / MONTH).glob("*/rejection_notice.xlsx"))
    assert len(notices) == 4

    # A second run of the DAG (a re-run, a backfill) finds nothing new and changes nothing.
    dag_test("ingest__market__admin_penalty", until.replace(minute=58).isoformat(), env)
    assert totals(engine) == t

    # The monthly DAG for the month just ended, by its schedule (1st of next month) …
    dag_test("monthly_report", "2026-07-01T01:00:00+08:00", env)
    # … and a chosen month re-run through params.
    dag_test("monthly_report", "2026-11-01T01:00:00+08:00", env, conf=json.dumps({"month": MONTH}))
    with engine.connect() as conn:
        rows = {
            r.department_id: r
            for r in conn.execute(sa.text("SELECT * FROM monthly_conformity WHERE month = :m"), {"m": MONTH})
        }
    assert set(rows) == set(catalog.assessed)
    assert rows["market"].received == t["received"] and rows["market"].rejected == t["rejected"]
    assert (home / "reports" / MONTH / "信息规范性_数据不合格率.csv").exists()
    # The month's report, published in its three forms with the index of months …
    for form in ("report.html", "report.pdf", "report.xlsx", "report.json"):
        assert (home / "reports" / MONTH / form).stat().st_size > 0
    assert MONTH in (home / "reports" / "index.html").read_text(encoding="utf-8")
    # … and mailed to the credit office with the PDF attached.
    reports = [
        m
        for rcpts, m in smtp.messages
        if rcpts == [catalog.county["credit_office_email"]] and "监测与预警报告" in m["Subject"]
    ]
    assert reports, [m["Subject"] for _, m in smtp.messages]
    attached = {a.get_filename(): a.get_content() for a in reports[-1].iter_attachments()}
    assert attached["report.pdf"][:5] == b"%PDF-"
    assert "2026年6月" in reports[-1]["Subject"]
    engine.dispose()


def test_a_government_body_on_the_debtor_list_is_alerted_after_the_load(airflow_home, pg_database, catalog, smtp):
    """The court's API lists a town government on 12 August: the load's warning run mails
    the credit office a 红 alert that day, not at the month's end."""
    from creditpipe.devtools.simulators.api_server import SimulatedApi
    from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body

    home, env = airflow_home
    env = {**env, "AIRFLOW_CONN_CREDITPIPE_SMTP": os.environ["AIRFLOW_CONN_CREDITPIPE_SMTP"]}
    rng = random.Random(12)
    days = sorted(dt.date(2026, 8, d) for d in range(3, 12) for _ in range(4))
    records, _ = make_delivery("court.dishonest_debtor", "court", rng, days, dt.date(2026, 8, 12), [])
    body = next(r for r in records if not is_person(r))
    list_government_body(body, rng, "town_government")
    tz = dt.timezone(dt.timedelta(hours=8))
    stamp_changes(records, dt.datetime(2026, 8, 3, tzinfo=tz), dt.datetime(2026, 8, 12, 10, tzinfo=tz))
    with SimulatedApi(token="court-token") as api:
        api.add(catalog.dataset("court.dishonest_debtor").source_for("court").option("path"), records)
        env["AIRFLOW_CONN_CREDITPIPE_API_COURT"] = api.connection_uri()
        dag_test("ingest__court__dishonest_debtor", "2026-08-12T11:00:00+08:00", env)
    dag_test("early_warning", "2026-08-12T11:05:00+08:00", env)

    alerts = [m for rcpts, m in smtp.messages if rcpts == [catalog.county["credit_office_email"]]]
    assert len(alerts) == 1
    assert alerts[0]["Subject"].startswith("【红色预警】")
    text = alerts[0].get_body(("plain",)).get_content()
    assert body["被执行人姓名/名称"] in text and body["身份证号码/组织机构代码"] in text
    assert "政府机构被列为失信被执行人" in text
    assert not (home / "reports" / "2026-08").exists()  # no month end was needed

    # The next run (another load, or the morning check) does not alert it again.
    dag_test("early_warning", "2026-08-12T15:00:00+08:00", env)
    assert len([m for rcpts, m in smtp.messages if rcpts == [catalog.county["credit_office_email"]]]) == 1


@pytest.mark.faults
def test_5_one_delivery_whose_load_fails_holds_back_no_other_notice(airflow_home, pg_database, catalog, smtp):
    """Issue 16, item 5: two files of one source in one run; the warehouse refuses one's
    load (a constraint stands in for any database fault). The other is loaded and its
    department gets its notice; the failed one is collected again by the next run."""
    import bad_inputs as bad

    from creditpipe.core.clock import county_tz
    from creditpipe.devtools.airflow_env import AirflowRunError
    from creditpipe.warehouse.schema import apply_schema

    home, env = airflow_home
    env = {**env, "AIRFLOW_CONN_CREDITPIPE_SMTP": os.environ["AIRFLOW_CONN_CREDITPIPE_SMTP"]}
    dataset = catalog.dataset("market.admin_penalty")
    column = next(f.column for f in dataset.fields if f.name == "违法事实")
    engine = connect(pg_database)
    apply_schema(engine, catalog)
    folder = home / "landing" / "market" / "admin_penalty"
    folder.mkdir(parents=True, exist_ok=True)
    delivered = dt.datetime(2026, 9, 14, 10, tzinfo=county_tz())
    for name, seed, fact in (("好.csv", 31, None), ("坏.csv", 32, "数据库拒收")):
        recs = bad.records(3, seed=seed, day=dt.date(2026, 9, 11))
        recs[0]["处罚类别"] = "罚金"  # one refused record: the notice has something to say
        if fact:
            recs[1]["违法事实"] = fact
        (folder / name).write_text(bad.csv_text(recs), encoding="utf-8")
        os.utime(folder / name, (delivered.timestamp(), delivered.timestamp()))
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"ALTER TABLE {dataset.table} ADD CONSTRAINT refuse_one CHECK ({column} <> '数据库拒收') NOT VALID")
        )
    try:
        with pytest.raises(AirflowRunError):
            dag_test("ingest__market__admin_penalty", "2026-09-15T00:00:00+08:00", env)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {dataset.table} DROP CONSTRAINT refuse_one"))
    with engine.connect() as conn:
        loaded = (
            conn.execute(sa.text("SELECT file_name FROM delivery_batch WHERE delivered_month = '2026-09'"))
            .scalars()
            .all()
        )
    assert loaded == ["好.csv"]
    assert len(list((home / "outbox" / "market" / "2026-09").glob("*好*/rejection_notice.xlsx"))) == 1

    dag_test("ingest__market__admin_penalty", "2026-09-16T00:00:00+08:00", env)
    with engine.connect() as conn:
        loaded = (
            conn.execute(
                sa.text("SELECT file_name FROM delivery_batch WHERE delivered_month = '2026-09' ORDER BY file_name")
            )
            .scalars()
            .all()
        )
    assert sorted(loaded) == sorted(["好.csv", "坏.csv"])
    assert len(list((home / "outbox" / "market" / "2026-09").glob("*/rejection_notice.xlsx"))) == 2
    engine.dispose()


def test_a_failed_run_is_reported_not_swallowed(tmp_path):
    from creditpipe.devtools.airflow_env import AirflowRunError

    env = airflow_env(tmp_path, warehouse_url="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    migrate(env)
    with pytest.raises(AirflowRunError, match="failed") as err:
        dag_test("monthly_report", "2026-07-01T01:00:00+08:00", env)
    assert "Connection refused" in str(err.value) or "connection" in str(err.value).lower()


def test_demo_command_end_to_end(demo_run, catalog):
    """What `make demo` runs, on the embedded SQLite warehouse: three months, each loaded,
    warned and published; then the last month again, which changes nothing."""
    import subprocess

    tmp_path, cmd, env, first = demo_run
    # Each month: exactly the injected errors refused.
    assert first.stdout.count("：一致") == 3
    notices = [ln.strip() for ln in first.stdout.splitlines() if ln.strip().endswith("rejection_notice.xlsx")]
    not_assessed = {d for d in catalog.departments if d not in catalog.assessed}  # the credit office, the townships
    # Every department of the catalog delivered through its channel and got its notices.
    assert {n.split("/outbox/")[1].split("/")[0] for n in notices} - not_assessed == {
        "market",
        "police",
        "court",
        "power",
        "water",
        "gas",
    }
    assert "本月无报送" not in first.stdout
    assert (tmp_path / "warehouse.db").exists()
    reports = tmp_path / "reports"
    for month in ("2026-03", "2026-04", "2026-05"):
        assert (reports / month / "信息规范性_数据不合格率.csv").exists()
        for form in ("report.html", "report.pdf", "report.xlsx"):
            assert (reports / month / form).stat().st_size > 0, (month, form)
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-05/report.html") < index.index("2026-03/report.html")  # newest first
    # The demo's months show what the report is for: a rate rising, a feed stopping, a
    # government body on the debtor list, refusals left open.
    model = json.loads((reports / "2026-05" / "report.json").read_text(encoding="utf-8"))
    rules = {w["rule_id"] for w in model["warnings"]}
    assert {"rate_level", "rate_rising", "feed_late", "government_debtor", "refusal_overdue"} <= rules
    assert [w["department_id"] for w in model["warnings"] if w["rule_id"] == "rate_rising"] == ["police"]
    assert model["townships"]["events"] and model["publication_late"]
    assert "【红】" in first.stdout
    # Issue 18: the assessment as scored — a late week (信息时效性), the credit office's 双公示
    # deduction with its reason, a zero report in April's log, and March's quarterly ranking.
    market = next(d for d in model["departments"] if d["department_id"] == "market")
    lost = {i["item"]: i["ytd"]["deduction"] for i in market["score"]["items"] if i["scored"]}
    assert lost["信息时效性"] >= 1 and lost["双公示信息报送"] == 1
    assert any(t["department"] == "市场监管" and t["late"] for t in model["timeliness_items"])
    import sqlite3

    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        zero = db.execute("SELECT covers_from, reported_day FROM zero_report WHERE how = 'file'").fetchall()
    assert zero and all(day[:7] == "2026-04" for _, day in zero)
    assert (reports / "2026-Q1" / "ranking.pdf").stat().st_size > 0 and 'href="2026-Q1/ranking.html"' in index
    assert "考核得分" in first.stdout
    # 异议处理: the credit office's register, April's and May's — 市场监管 answered one 3 days
    # late (−1.5) and corrected a fine on time; 公安 withdrew a penalty; the court's is due.
    assert lost["异议处理"] == 1.5
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        changes = db.execute("SELECT objection_no, outcome, field_name FROM objection_change ORDER BY 1, 3").fetchall()
        withdrawn = db.execute(
            "SELECT COUNT(*) FROM rec_police_admin_penalty WHERE superseded_by LIKE '异议 %'"
        ).fetchone()
    assert changes == [
        ("YY-202604-001", "更正", "处罚内容"),
        ("YY-202604-001", "更正", "罚款金额（万元）"),
        ("YY-202605-003", "撤销", ""),
    ]
    assert withdrawn == (1,)
    assert [w["department_id"] for w in model["warnings"] if w["rule_id"] == "objection_due"] == ["court"]
    # Issue 19: the townships — the register's 17 镇街园区; April's village committee carried
    # into May and removed by the court on 28 May after performing; May's town government newly
    # listed (by its credit code); the red warnings filed under the townships.
    townships = model["townships"]
    assert len(townships["rows"]) == 17 and townships["register_size"] > 17 * 4
    events = {e["status"]: e for e in townships["events"]}
    assert set(events) == {"新列入", "已移出"} and not townships["unattributed"]
    assert (
        events["已移出"]["removed_how"] == "法院删除：已履行完毕" and events["已移出"]["withdrawn_on"] == "2026-05-28"
    )
    assert events["新列入"]["attributed_by"] == "统一社会信用代码" and events["新列入"]["kind"] == "机关"
    assert events["已移出"]["days_on_list"] > 20
    charged = [r for r in townships["rows"] if r["deduction"]]
    assert charged and all(r["deduction"] == 3 for r in charged)
    red = [w for w in model["warnings"] if w["rule_id"] == "government_debtor"]
    assert len(red) == 1 and all(w["township"] and w["department_id"] == "" for w in red)
    assert "镇街园区政务诚信监测" in first.stdout
    # 清欠 month on month, a penalty on a township body, 华士镇's own licences (one late).
    status = {a["township"]: a["status"] for a in townships["arrears"]}
    assert status == {"澄江街道": "减少", "周庄镇": "增加", "华士镇": "已结清"}
    assert [p["township"] for p in townships["penalties"]] == ["澄江街道"]
    huashi = next(r for r in townships["rows"] if r["township"] == "华士镇")
    assert huashi["issued"] == 2 and huashi["published_late"] == 1
    # 政府反馈: April's village committee answered on 20 May, late; 守信践诺: 青阳镇's is past due,
    # 月城镇 broke one; the townships ranked by the composite.
    assert events["已移出"]["responded_on"] == "2026-05-20" and events["已移出"]["response_late"]
    failed = {c["number"]: c["status"] for c in townships["commitments"] if c["failed"]}
    assert failed == {"QY-01": "逾期未兑现", "YC-01": "未兑现"}
    ranks = [r["composite"] for r in townships["rows"]]
    assert ranks == sorted(ranks, reverse=True) and townships["rows"][0]["rank"] == 1
    pages = sorted(p.stem for p in (reports / "2026-05" / "townships").glob("*.html"))
    assert pages == sorted(r["township"] for r in townships["rows"])
    township_rules = {w["rule_id"] for w in model["warnings"] if w["township"]}
    assert {"government_debtor", "commitment_failed", "arrears_grown", "township_penalised"} <= township_rules

    # The README's promises about the demo (its "What the demo shows"): every warning it names
    # is raised in the three months' reports.
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    shows = readme.split("### What the demo shows", 1)[1].split("Everything lands under", 1)[0]
    promised = set(re.findall(r"预警 `(\w+)`", shows))
    raised = set()
    for month in ("2026-03", "2026-04", "2026-05"):
        raised |= {w["rule_id"] for w in json.loads((reports / month / "report.json").read_text("utf-8"))["warnings"]}
    assert len(promised) >= 9 and promised <= raised, promised - raised
    # A source not assessed (a township, the credit office) has no correction deadline, as its
    # notice says: its open refusals are never "past the deadline", nor in 本月需处理.
    unassessed = {catalog.departments[d].short_name for d in not_assessed}
    assert not [r for r in model["open_refusals"] if r["department"] in unassessed and r["over_limit"]]
    assert "异议处理 −1.5" in shows and "信息时效性 −1" in shows and "附件2 五 −3" in shows

    totals_line = [ln for ln in first.stdout.splitlines() if ln.startswith("累计批次")][-1]
    again = subprocess.run([*cmd, "--months", "1"], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert next(ln for ln in again.stdout.splitlines() if ln.startswith("累计批次")) == totals_line
