"""`creditpipe demo --month YYYY-MM`: the county's month end to end on the embedded warehouse.

Every department delivers the way the catalog says: files in landing folders, a simulated
HTTP API on 127.0.0.1, simulated front-end databases (SQLite files). The demo writes the
month's realistic records with known injected errors, runs every ingest DAG and then the
monthly DAG through Airflow (`airflow db migrate`, `airflow dags test`), prints where
everything is, and checks that exactly the injected errors were refused."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import sqlalchemy as sa

from creditpipe import settings
from creditpipe.airflow_env import airflow_env, dag_test, migrate
from creditpipe.catalog import Catalog, Dataset, Source, load_catalog
from creditpipe.simulators import (
    InjectedError,
    error_plan,
    expected_as_dicts,
    generate_landing_month,
    last_moment_of,
    make_delivery,
    month_bounds,
    spread_days,
    stamp_changes,
)

# How much each source delivers in a demo month, how carefully (the share of records with
# an injected error: each department's 数据不合格率 lands in a different band of the
# assessment table), and for file drops how. 市场监管's penalties carry every error kind.
PLAN = {
    ("market.admin_penalty", "market"): {"records": (350, 450), "stem": "行政处罚"},
    ("market.admin_license", "market"): {"records": (500, 650), "error_rate": 0.002},
    ("police.admin_penalty", "police"): {"records": (700, 900), "error_rate": 0.004},
    ("police.population", "police"): {"records": (800, 1000), "error_rate": 0.0008},
    ("court.dishonest_debtor", "court"): {"records": (120, 180), "error_rate": 0.012},
    ("utility.arrears", "power"): {"records": (400, 550), "error_rate": 0.003},
    ("utility.arrears", "water"): {"records": (150, 220), "drops": (10, 25), "error_rate": 0.015,
                                   "shapes": (("xlsx", None), ("jsonl", None)), "stem": "水费欠费"},
    ("utility.arrears", "gas"): {"records": (200, 300), "error_rate": 0.0005},
}
API_TOKEN = "demo-token"


def staged_name(dataset: Dataset, source: Source, until: dt.datetime) -> str:
    """The name pipeline.pull_source gives the month's pull (one pull at the month's end)."""
    return f"{dataset.name}_{source.channel}_{until:%Y%m%d%H%M%S}.jsonl"


def prepare_month(catalog: Catalog, home: Path, month: str, seed: int, api) -> list[tuple[str, str, InjectedError]]:
    """Write every source's month; return (dataset, department, injected error) triples."""
    paths = settings.paths(home)
    first, last = month_bounds(month)
    until = last_moment_of(month)
    expected = []
    for dataset in catalog.datasets.values():
        for source in dataset.sources:
            plan = PLAN.get((dataset.id, source.department), {"records": (100, 150)})
            if source.channel == "landing":
                errors = generate_landing_month(
                    paths.landing_for(source.department, dataset.id), month, seed, dataset.id,
                    source.department, plan["records"],
                    **{k: plan[k] for k in ("drops", "shapes", "stem", "error_rate") if k in plan},
                )
            else:
                rng = random.Random(f"{seed}:{dataset.id}:{source.department}:{month}")
                count = rng.randint(*plan["records"])
                total = max(1, round(plan.get("error_rate", 0.005) * count))
                kinds = error_plan(dataset.id, rng, 1, total=total)[0]
                records, errors = make_delivery(
                    dataset.id, source.department, rng, spread_days(rng, count, first, last),
                    last, kinds, (first.month - 1) * 5000, staged_name(dataset, source, until),
                )
                stamp_changes(records, dt.datetime.combine(first, dt.time(), until.tzinfo), until)
                if source.channel == "api":
                    api.add(source.option("path"), records)
                else:
                    _fill_front_db(home, dataset, source, records, first, last)
            expected += [(dataset.id, source.department, e) for e in errors]
    return expected


def front_db_url(home: Path, department_id: str) -> str:
    folder = home / "frontdb"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{department_id}.db'}"


def _fill_front_db(home, dataset, source, records, first, last) -> None:
    """The department's system state for the month: re-running the demo rewrites the
    month's rows rather than adding them again."""
    from creditpipe.simulators.frontdb import fill, front_table

    url = front_db_url(home, source.department)
    table = front_table(dataset, source.option("table"), source.option("watermark_column"))
    engine = sa.create_engine(url)
    table.metadata.create_all(engine)
    wm = table.c[source.option("watermark_column")]
    with engine.begin() as conn:
        conn.execute(table.delete().where(wm >= dt.datetime.combine(first, dt.time()),
                                          wm <= dt.datetime.combine(last, dt.time(23, 59, 59))))
    engine.dispose()
    fill(url, dataset, source.option("table"), records, source.option("watermark_column"))


def refused_in_warehouse(engine) -> set[tuple]:
    sql = sa.text(
        "SELECT b.dataset_id, b.department_id, b.file_name, i.source_row, i.field, i.rule "
        "FROM record_issue i JOIN delivery_batch b ON b.batch_id = i.batch_id WHERE i.severity = 'error'"
    )
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sql)}


def run_demo(month: str, home: str | None = None, seed: int = 20261) -> dict:
    from creditpipe.simulators.api_server import SimulatedApi

    catalog = load_catalog()
    home_paths = settings.paths(home)
    home_dir = home_paths.home
    until = last_moment_of(month)
    with SimulatedApi(token=API_TOKEN) as api:
        print(f"[1/4] 生成 {month} 各部门的模拟报送数据（落地目录、接口 {api.base_url}、前置库）")
        expected = prepare_month(catalog, home_dir, month, seed, api)
        manifest = home_dir / "demo" / month / "injected_errors.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(
            [{"dataset": d, "department": dep, **expected_as_dicts([e])[0]} for d, dep, e in expected],
            ensure_ascii=False, indent=2), encoding="utf-8")

        env = airflow_env(home_dir)
        for dataset in catalog.datasets.values():
            for source in dataset.sources:
                conn_id = source.option("conn_id")
                if source.channel == "api":
                    env[f"AIRFLOW_CONN_{conn_id.upper()}"] = api.connection_uri()
                elif source.channel == "database":
                    env[f"AIRFLOW_CONN_{conn_id.upper()}"] = front_db_url(home_dir, source.department)
        print(f"[2/4] airflow db migrate（元数据库 {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}）")
        migrate(env)
        print(f"[3/4] airflow dags test：{len(catalog.datasets)} 个归集 DAG，运行时刻 {until.isoformat()}")
        for dataset in catalog.datasets.values():
            print(f"      ingest__{dataset.slug}")
            dag_test(f"ingest__{dataset.slug}", until.isoformat(), env)
    first_next = (until + dt.timedelta(minutes=61)).replace(hour=1, minute=0)
    print(f"[4/4] airflow dags test monthly_conformity {first_next.isoformat()}")
    dag_test("monthly_conformity", first_next.isoformat(), env)
    return report(catalog, home_dir, month, expected, manifest)


def report(catalog: Catalog, home: Path, month: str, expected, manifest: Path) -> dict:
    from creditpipe.warehouse import connect, totals

    paths = settings.paths(home)
    engine = connect(settings.warehouse_url(home))
    got = refused_in_warehouse(engine)
    want = {(d, dep, e.file, e.source_row, e.field, e.rule) for d, dep, e in expected}
    notices = sorted(paths.outbox.glob(f"*/{month}/*/rejection_notice.xlsx"))
    figures_csv = paths.reports / month / "信息规范性_数据不合格率.csv"
    figures = json.loads((paths.reports / month / "conformity.json").read_text(encoding="utf-8"))
    t = totals(engine)
    print()
    print(f"== {catalog.county.get('name', '')} {month} 信用信息归集演示 ==")
    print(f"数据仓库（SQLite）：{engine.url.database}")
    print(f"累计批次 {t['batches']}，收到 {t['received']} 条 = 入库 {t['accepted']} + 退回 {t['rejected']}")
    print("退回通知（各部门退回箱，只含本部门的记录）：")
    for n in notices:
        print(f"  {n}")
    print(f"月度数据不合格率：{figures_csv}")
    for f in figures:
        name = catalog.departments[f["department_id"]].name
        if f["received"]:
            print(
                f"  {name}：报送 {f['received']}，不合格 {f['rejected']}，本月 {f['rate_pct']:.2f}%，"
                f"年度 {f['ytd_rate_pct']:.2f}%，信息规范性扣 {f['conformity_deduction']} 分"
            )
        else:
            print(f"  {name}：本月无报送")
    # Only this month's refusals are compared: earlier demo months are in the warehouse too.
    got_month = {g for g in got if (g[0], g[1], g[2]) in {(d, dep, e.file) for d, dep, e in expected}}
    missed, extra = want - got_month, got_month - want
    verdict = "一致" if not missed and not extra else f"不一致：漏判 {len(missed)}，误判 {len(extra)}"
    print(f"注入错误 {len(want)} 处（{manifest}），仓库中退回原因 {len(got_month)} 处：{verdict}")
    if missed or extra:
        raise RuntimeError(f"演示数据的退回与注入错误不一致：漏判 {sorted(missed)[:3]} 误判 {sorted(extra)[:3]}")
    return {"notices": [str(n) for n in notices], "figures": str(figures_csv), "manifest": str(manifest)}
