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

from creditpipe.core import settings
from creditpipe.core.catalog import Catalog, Dataset, Source, load_catalog
from creditpipe.devtools import demo_townships
from creditpipe.devtools.airflow_env import airflow_env, dag_test_many, migrate
from creditpipe.devtools.demo_registers import (
    commitment_register,
    objection_register,
    removal_file,
    response_register,
    township_register,
)
from creditpipe.devtools.simulators import (
    InjectedError,
    collection_moment,
    error_plan,
    expected_as_dicts,
    generate_landing_month,
    last_moment_of,
    make_delivery,
    month_bounds,
    report_moment,
    spread_days,
    stamp_changes,
)
from creditpipe.warehouse.objections import register_datasets

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
    ("utility.arrears", "water"): {
        "records": (150, 220),
        "drops": (10, 25),
        "error_rate": 0.015,
        "shapes": (("xlsx", None), ("jsonl", None)),
        "stem": "水费欠费",
    },
    ("utility.arrears", "gas"): {"records": (200, 300), "error_rate": 0.0005},
}
API_TOKEN = "demo-token"

# What the demo's months bring to the report, by position from the last month (0 = last):
# 公安's penalties get worse month on month (a rate rising two months running); 市场监管
# had nothing in the week of the 14th of the month before the last and says so with a
# header-only file named for that day, sent on the 21st (本期无数据: a zero report, on time),
# and sends only the first two drops of the last month (the week after is overdue by the
# report: late, 信息时效性 points, a feed_late warning); a few licences each month are
# published more than 7 working days after the decision (双公示 warnings), and the credit
# office records a 双公示 deduction against the last month with its reason (附件2 三:
# 视工作实绩扣分); the court lists a village committee, then a town government (红 at once).
ERROR_TREND = {("police.admin_penalty", "police"): (3.5, 2.0, 1.0)}
# The month before the last: drops on the 7th and the 28th only (each covers the week before
# it), carrying the month's records between them (so its rate stays in its band); the week of
# the 14th has none, and its zero report names that day and comes on the 21st.
DROPS_BY_POSITION = {("market.admin_penalty", "market"): {0: (7, 14), 1: (7, 28)}}
RECORDS_BY_POSITION = {("market.admin_penalty", "market"): {1: (700, 900)}}
ZERO_REPORTS = {("market.admin_penalty", "market"): {1: (14, 21)}}  # (the day named, the day sent)
ADJUSTMENTS = {
    0: [("market", "双公示信息报送", "1", "抽查发现3条行政许可超过7个工作日才公示，双公示联络员未按要求督促报送")]
}
LATE_PUBLICATIONS = {("market.admin_license", "market"): ("许可决定日期", 3)}
GOVERNMENT_DEBTOR = {("court.dishonest_debtor", "court"): {1: "village_committee", 0: "town_government"}}


def staged_name(dataset: Dataset, source: Source, until: dt.datetime) -> str:
    """The name the month's pull is staged under (one pull, by the run after the month)."""
    from creditpipe.ingest.pulls import staged_path

    return staged_path(dataset, source, until).name


def _scaled(rate: float | None, key: tuple, position: int) -> float | None:
    trend = ERROR_TREND.get(key)
    if rate is None or not trend:
        return rate
    return rate * trend[min(position, len(trend) - 1)]


def _late_publications(records: list[dict], errors: list[InjectedError], key: tuple, rng: random.Random) -> None:
    """Back-date a few clean records' decisions by three weeks: accepted, but warned."""
    if key not in LATE_PUBLICATIONS:
        return
    field, count = LATE_PUBLICATIONS[key]
    broken = {e.source_row - 1 for e in errors}
    clean = [i for i in range(len(records)) if i not in broken and records[i].get(field)]
    for i in rng.sample(clean, min(count, len(clean))):
        day = dt.date.fromisoformat(records[i][field]) - dt.timedelta(days=21)
        records[i][field] = day.isoformat()


def _government_debtor(
    records: list[dict], errors: list[InjectedError], key: tuple, position: int, rng: random.Random
) -> None:
    kind = GOVERNMENT_DEBTOR.get(key, {}).get(position)
    if kind is None:
        return
    from creditpipe.devtools.simulators.court_dishonest_debtor import is_person, list_government_body

    broken = {e.source_row - 1 for e in errors}
    # Rows next to a broken one stay clean too (a duplicate breaks a pair).
    clean = [i for i, r in enumerate(records) if not {i - 1, i, i + 1} & broken and not is_person(r)]
    listed = list_government_body(records[rng.choice(clean)], rng, kind)
    # A town government is in the credit office's register: the court's list carries its code.
    from creditpipe.devtools.simulators.townships import register_rows

    registered = {r["单位名称"]: r["统一社会信用代码"] for r in register_rows()}
    if listed["被执行人姓名/名称"] in registered:
        listed["身份证号码/组织机构代码"] = registered[listed["被执行人姓名/名称"]]


def prepare_month(
    catalog: Catalog, home: Path, month: str, seed: int, api, position: int = 0
) -> list[tuple[str, str, InjectedError]]:
    """Write every source's month; return (dataset, department, injected error) triples.
    ``position`` counts back from the demo's last month (0), for the month's events."""
    paths = settings.paths(home)
    first, last = month_bounds(month)
    until = last_moment_of(month)
    expected = []
    for dataset in catalog.datasets.values():
        if dataset in register_datasets(catalog):
            objection_register(catalog, home, dataset, month, position)
            continue
        if dataset.id == catalog.monitoring.get("township_register"):
            township_register(home, dataset, month)
            continue
        if dataset.id == catalog.monitoring.get("commitments"):
            commitment_register(catalog, home, dataset, month)
            continue
        if dataset.id == catalog.monitoring.get("responses"):
            response_register(catalog, home, dataset, month, position)
            continue
        if dataset.id == catalog.monitoring.get("debtor_removals"):
            removal_file(catalog, home, dataset, month, position)
            continue
        for source in dataset.sources:
            key = (dataset.id, source.department)
            plan = dict(PLAN.get(key, {"records": (100, 150)}))
            if "error_rate" in plan:
                plan["error_rate"] = _scaled(plan["error_rate"], key, position)
            if position in DROPS_BY_POSITION.get(key, {}):
                plan["drops"] = DROPS_BY_POSITION[key][position]
            if position in RECORDS_BY_POSITION.get(key, {}):
                plan["records"] = RECORDS_BY_POSITION[key][position]
            if source.channel == "landing":
                errors = generate_landing_month(
                    paths.landing_for(source.department, dataset.id),
                    month,
                    seed,
                    dataset.id,
                    source.department,
                    plan["records"],
                    **{k: plan[k] for k in ("drops", "shapes", "stem", "error_rate") if k in plan},
                )
                zero = ZERO_REPORTS.get(key, {}).get(position)
                if zero is not None:
                    named, sent = (first.replace(day=d) for d in zero)
                    _zero_report_file(paths.landing_for(source.department, dataset.id), dataset, named, sent)
            else:
                rng = random.Random(f"{seed}:{dataset.id}:{source.department}:{month}")
                count = rng.randint(*plan["records"])
                total = max(1, round(plan.get("error_rate", 0.005) * count))
                kinds = error_plan(dataset.id, rng, 1, total=total)[0]
                records, errors = make_delivery(
                    dataset.id,
                    source.department,
                    rng,
                    spread_days(rng, count, first, last),
                    last,
                    kinds,
                    (first.month - 1) * 5000,
                    staged_name(dataset, source, collection_moment(month)),
                )
                _late_publications(records, errors, key, rng)
                _government_debtor(records, errors, key, position, rng)
                demo_townships.shape(records, errors, dataset.id, source.department, position, rng)
                stamp_changes(records, dt.datetime.combine(first, dt.time(), until.tzinfo), until)
                if source.channel == "api":
                    api.add(source.option("path"), records)
                else:
                    fill_front_db(home, dataset, source, records, first, last)
            expected += [(dataset.id, source.department, e) for e in errors]
    return expected


def _zero_report_file(folder: Path, dataset: Dataset, named: dt.date, sent: dt.date) -> Path:
    """The standard's header and no record, named for a day of the quiet week and sent once
    that week is over: 本期无数据 for that week."""
    import os

    from creditpipe.core.clock import county_tz

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{named:%Y%m%d}_本期无数据.csv"
    path.write_text(",".join(dataset.field_names) + "\r\n", encoding="utf-8-sig")
    stamp = dt.datetime.combine(sent, dt.time(17), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _record_adjustments(catalog: Catalog, home: Path, month: str, position: int) -> None:
    """The credit office's deductions of the month (ADJUSTMENTS), as `creditpipe assess adjust`
    records them, before the month's report is published."""
    from creditpipe.orchestration.steps import warehouse_engine
    from creditpipe.warehouse.adjustments import record_adjustment

    for department, item, points, reason in ADJUSTMENTS.get(position, []):
        table = next(t for t in catalog.assessment.values() if isinstance(t, dict) and t.get("title") == item)
        record_adjustment(
            warehouse_engine(home),
            department_id=department,
            item=item,
            month=month,
            points=points,
            reason=reason,
            recorded_by="信用办（演示）",
            recorded_at=dt.datetime.combine(month_bounds(month)[1], dt.time(17)).isoformat(timespec="seconds"),
            max_points=int(table["max_points"]),
        )


def front_db_url(home: Path, department_id: str) -> str:
    folder = home / "frontdb"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{department_id}.db'}"


def fill_front_db(home, dataset, source, records, first, last) -> None:
    """The department's system state for the month: re-running the demo rewrites the
    month's rows rather than adding them again."""
    from creditpipe.devtools.simulators.frontdb import fill, front_table

    url = front_db_url(home, source.department)
    table = front_table(dataset, source.option("table"), source.option("watermark_column"))
    engine = sa.create_engine(url)
    table.metadata.create_all(engine)
    wm = table.c[source.option("watermark_column")]
    with engine.begin() as conn:
        conn.execute(
            table.delete().where(
                wm >= dt.datetime.combine(first, dt.time()), wm <= dt.datetime.combine(last, dt.time(23, 59, 59))
            )
        )
    engine.dispose()
    fill(url, dataset, source.option("table"), records, source.option("watermark_column"))


def refused_in_warehouse(engine) -> set[tuple]:
    sql = sa.text(
        "SELECT b.dataset_id, b.department_id, b.file_name, i.source_row, i.field, i.rule "
        "FROM record_issue i JOIN delivery_batch b ON b.batch_id = i.batch_id WHERE i.severity = 'error'"
    )
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sql)}


def run_demo(month: str, home: str | None = None, seed: int = 20261, months: int = 3) -> dict:
    """``months`` consecutive months ending with ``month``, each end to end through Airflow:
    the loads, the warnings after them, the month's report; then the index of reports."""
    from creditpipe.core.months import month_list
    from creditpipe.devtools.simulators.api_server import SimulatedApi

    catalog = load_catalog()
    home_dir = settings.paths(home).home
    run = month_list(month, months)
    results = []
    with SimulatedApi(token=API_TOKEN) as api:
        env = airflow_env(home_dir)
        for dataset in catalog.datasets.values():
            for source in dataset.sources:
                conn_id = source.option("conn_id")
                if source.channel == "api":
                    env[f"AIRFLOW_CONN_{conn_id.upper()}"] = api.connection_uri()
                elif source.channel == "database":
                    env[f"AIRFLOW_CONN_{conn_id.upper()}"] = front_db_url(home_dir, source.department)
        print(f"airflow db migrate（元数据库 {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}）")
        migrate(env)
        for position, m in zip(range(len(run) - 1, -1, -1), run):
            results.append(_run_month(catalog, home_dir, m, seed, api, position, env))
    _print_publication(catalog, home_dir, run)
    return results[-1]


def _run_month(catalog: Catalog, home_dir: Path, month: str, seed: int, api, position: int, env: dict) -> dict:
    print(f"\n== {month} ==")
    print(f"[1/2] 生成各部门的模拟报送数据（落地目录、接口 {api.base_url}、前置库）")
    expected = prepare_month(catalog, home_dir, month, seed, api, position)
    manifest = home_dir / "demo" / month / "injected_errors.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(
            [{"dataset": d, "department": dep, **expected_as_dicts([e])[0]} for d, dep, e in expected],
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    # The moments the real schedules run: every ingest DAG at 00:00 on the 1st, the warnings
    # after the loads (their Assets trigger it; dag.test() runs no scheduler, so run it
    # here), the report at 01:00.
    collected, published = collection_moment(month), report_moment(month)
    runs = [(f"ingest__{d.slug}", collected.isoformat(), None) for d in catalog.datasets.values()]
    runs.append(("early_warning", (collected + dt.timedelta(seconds=30)).isoformat(), None))
    runs.append(("monthly_report", published.isoformat(), None))
    print(
        f"[2/2] dag.test()：{len(catalog.datasets)} 个归集 DAG（运行时刻 {collected.isoformat()}）、"
        f"early_warning（入库后即时预警）、monthly_report（{published.isoformat()}）"
    )
    _record_adjustments(catalog, home_dir, month, position)
    for state in dag_test_many(runs, env):
        print(f"      {state['dag_id']}：{state['state']}")
    return report(catalog, home_dir, month, expected, manifest)


def _print_publication(catalog: Catalog, home: Path, months: list[str]) -> None:
    from creditpipe.reporting.warnings import stored_warnings
    from creditpipe.warehouse.schema import connect

    reports = settings.paths(home).reports
    engine = connect(settings.warehouse_url(home))
    print(f"\n== 月度监测与预警报告（{catalog.county.get('name', '')}） ==")
    print(f"报告目录（各月网页、PDF、表格）：{reports / 'index.html'}")
    for m in months:
        forms = "  ".join(str(p) for p in sorted((reports / m).glob("report.*")) if p.suffix != ".json")
        print(f"  {m}：{forms}")
    for quarter in sorted(p for p in reports.glob("*-Q?") if (p / "ranking.html").is_file()):
        print(
            f"  季度排名 {quarter.name}：{quarter / 'ranking.html'}  {quarter / 'ranking.pdf'}  {quarter / 'ranking.xlsx'}"
        )
    model = json.loads((reports / months[-1] / "report.json").read_text(encoding="utf-8"))
    print(f"{months[-1]} 考核得分（附件2 三，本年，已评 {model['departments'][0]['score']['scored_points']} 分）：")
    for d in model["departments"]:
        lost = [
            f"{i['item']}扣{i['ytd']['deduction']}"
            for i in d["score"]["items"]
            if i["scored"] and i["ytd"]["deduction"]
        ]
        print(
            f"  {d['rank']}. {d['short_name']} {d['score']['ytd_score']} 分"
            + (f"（{'，'.join(lost)}）" if lost else "")
        )
    townships = model["townships"]
    print(f"{months[-1]} 镇街园区政务诚信监测（登记单位 {townships['register_size']} 个）：")
    for r in townships["rows"]:
        print(
            f"  {r['township']}：失信被执行人 新列入 {r['newly_listed']}、仍在列 {r['still_listed']}、移出 {r['removed']}"
            f"（最长 {r['longest_days']} 天）；欠费 {r['arrears_amount']:.2f} 元（上月 {r['arrears_previous']:.2f}）；"
            f"受处罚 {r['penalties']}；双公示 {r['issued']}（超期 {r['published_late']}）；扣 {r['deduction']} 分"
        )
    for e in townships["unattributed"]:
        print(f"  未能归属：{e['name']}（{e['credit_code']}），请在登记中补充")
    last = stored_warnings(engine, months[-1])
    print(f"{months[-1]} 预警 {len(last)} 条：")
    for w in last:
        print(f"  【{w['level']}】{w['title']}：{w['evidence']}")


def report(catalog: Catalog, home: Path, month: str, expected, manifest: Path) -> dict:
    from creditpipe.warehouse.schema import connect, totals

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
