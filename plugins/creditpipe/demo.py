"""`creditpipe demo --month YYYY-MM`: a county month end to end on the embedded warehouse.

Writes the month's synthetic deliveries into the landing folder, runs the ingest DAG and
the monthly DAG through Airflow (`airflow dags test` after `airflow db migrate`), then
prints where everything is and checks the refusals against the injected errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from creditpipe import settings
from creditpipe.airflow_env import airflow_env, dag_test, migrate
from creditpipe.catalog import load_catalog
from creditpipe.simulators import expected_as_dicts, generate_month, last_moment_of

DEMO_DATASET = "market.admin_penalty"


def refused_in_warehouse(engine, file_names: list[str]) -> set[tuple]:
    import sqlalchemy as sa

    sql = sa.text(
        "SELECT b.file_name, i.source_row, i.field, i.rule FROM record_issue i "
        "JOIN delivery_batch b ON b.batch_id = i.batch_id WHERE i.severity = 'error'"
    )
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sql) if r[0] in file_names}


def run_demo(month: str, home: str | None = None, seed: int = 20261) -> dict:
    from creditpipe.warehouse import connect, totals

    catalog = load_catalog()
    home_paths = settings.paths(home)
    dataset = catalog.dataset(DEMO_DATASET)
    landing = home_paths.landing_for(dataset.department, dataset.id)
    print(f"[1/4] 生成 {month} 的模拟报送文件 → {landing}")
    expected = generate_month(landing, month, seed)
    demo_dir = home_paths.home / "demo" / month
    demo_dir.mkdir(parents=True, exist_ok=True)
    manifest = demo_dir / "injected_errors.json"
    manifest.write_text(json.dumps(expected_as_dicts(expected), ensure_ascii=False, indent=2), encoding="utf-8")

    env = airflow_env(home_paths.home)
    print(f"[2/4] airflow db migrate（元数据库 {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}）")
    migrate(env)
    until = last_moment_of(month)
    print(f"[3/4] airflow dags test ingest__{dataset.slug} {until.isoformat()}")
    dag_test(f"ingest__{dataset.slug}", until.isoformat(), env)
    first_next = (until + dt.timedelta(minutes=61)).replace(hour=1, minute=0)
    print(f"[4/4] airflow dags test monthly_conformity {first_next.isoformat()}")
    dag_test("monthly_conformity", first_next.isoformat(), env)

    engine = connect(settings.warehouse_url(home_paths.home))
    files = sorted({e.file for e in expected})
    got = refused_in_warehouse(engine, files)
    want = {(e.file, e.source_row, e.field, e.rule) for e in expected}
    notices = sorted((home_paths.outbox / dataset.department / month).glob("*/rejection_notice.xlsx"))
    figures_csv = home_paths.reports / month / "信息规范性_数据不合格率.csv"
    figures = json.loads((home_paths.reports / month / "conformity.json").read_text(encoding="utf-8"))
    t = totals(engine)

    print()
    print(f"== {catalog.county.get('name', '')} {month} 信用信息归集演示 ==")
    print(f"数据仓库（SQLite）：{engine.url.database}")
    print(f"累计批次 {t['batches']}，收到 {t['received']} 条 = 入库 {t['accepted']} + 退回 {t['rejected']}")
    print("退回通知（部门退回箱）：")
    for n in notices:
        print(f"  {n}")
    print(f"月度数据不合格率：{figures_csv}")
    for f in figures:
        if f["received"]:
            name = catalog.departments[f["department_id"]].name
            print(
                f"  {name}：报送 {f['received']}，不合格 {f['rejected']}，本月 {f['rate_pct']:.2f}%，"
                f"年度 {f['ytd_rate_pct']:.2f}%，信息规范性扣 {f['conformity_deduction']} 分"
            )
    missed, extra = want - got, got - want
    verdict = "一致" if not missed and not extra else f"不一致：漏判 {len(missed)}，误判 {len(extra)}"
    print(f"注入错误 {len(want)} 处（{manifest}），仓库中退回原因 {len(got)} 处：{verdict}")
    if missed or extra:
        raise RuntimeError(f"演示数据的退回与注入错误不一致：漏判 {sorted(missed)[:3]} 误判 {sorted(extra)[:3]}")
    return {"notices": [str(n) for n in notices], "figures": str(figures_csv), "manifest": str(manifest)}
