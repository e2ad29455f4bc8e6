"""The credit office's registers in the demo: its objection register (异议处理, 附件2 三),
naming records the demo's earlier months delivered, and the register of the county's
townships and their bodies (seed 000's monitoring)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from creditpipe.core import settings
from creditpipe.core.catalog import Catalog, Dataset
from creditpipe.devtools.simulators import month_bounds

# The credit office's objection register (异议处理, 附件2 三), sent whole on the 25th: by
# position, (number, the disputed record's dataset and department, the month it was delivered
# (positions back), forwarded, deadline, handled (days of the register's month; None: open;
# "next": the second working day of the next month, so the report warns of it), outcome,
# corrections). 市场监管 corrects a fine on time and answers another 3 days late (−1.5);
# 公安 withdraws a penalty; the court has one open as the month ends.
OBJECTIONS = {
    1: [
        (
            "001",
            "market.admin_penalty",
            "market",
            1,
            2,
            12,
            11,
            "更正",
            "罚款金额（万元）=0.5；处罚内容=罚款人民币5000元",
        ),
        ("002", "market.admin_penalty", "market", 1, 3, 13, 16, "不予更正", ""),
    ],
    0: [
        ("003", "police.admin_penalty", "police", 1, 5, 15, 14, "撤销", ""),
        ("004", "court.dishonest_debtor", "court", 1, 20, "next", None, "", ""),
    ],
}


def objection_register(catalog: Catalog, home: Path, register: Dataset, month: str, position: int) -> None:
    """The register as the credit office keeps it: every objection so far (OBJECTIONS of this
    month and the months before it), each naming a record delivered in an earlier month (read
    from the warehouse: the demo's earlier months are in it), sent whole on the 25th."""
    from creditpipe.core.months import month_list
    from creditpipe.core.workdays import WorkingCalendar
    from creditpipe.devtools.simulators import write_table
    from creditpipe.warehouse.objections import REGISTER_FIELDS
    from creditpipe.warehouse.schema import connect

    rows = []
    engine = connect(settings.warehouse_url(home))
    for back in sorted((p for p in OBJECTIONS if p >= position), reverse=True):
        held_in = month_list(month, back - position + 1)[0]  # the register's month for that position
        first = month_bounds(held_in)[0]
        for number, dataset_id, department, months_back, forwarded, deadline, handled, outcome, fix in OBJECTIONS[back]:
            key = _held_key(engine, catalog.dataset(dataset_id), department, month_list(held_in, months_back + 1)[0])
            if key is None:
                continue  # the demo's first month: nothing held before it
            if deadline == "next":
                next_month = month_bounds(held_in)[1] + dt.timedelta(days=1)
                due = WorkingCalendar.from_catalog(catalog).add_working_days(next_month - dt.timedelta(days=1), 2)
            else:
                due = first.replace(day=deadline)
            row = {
                "异议编号": f"YY-{held_in.replace('-', '')}-{number}",
                "异议事项": "当事人申请更正公示信息",
                "异议信息所属数据集": dataset_id,
                "异议信息业务主键": key,
                "责任部门": catalog.departments[department].name,
                "转办日期": first.replace(day=forwarded).isoformat(),
                "办理期限": due.isoformat(),
                "办结日期": first.replace(day=handled).isoformat() if handled else "",
                "处理结果": outcome,
                "更正内容": fix,
            }
            rows.append({name: row[name] for name in [*REGISTER_FIELDS.values(), "异议事项"]})
    engine.dispose()
    if not rows:
        return
    import os

    from creditpipe.core.clock import county_tz

    folder = settings.paths(home).landing_for(register.sources[0].department, register.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"异议处理登记_{month.replace('-', '')}.xlsx"
    write_table(rows, path, "xlsx")
    stamp = dt.datetime.combine(month_bounds(month)[0].replace(day=25), dt.time(17), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))


def township_register(home: Path, register: Dataset, month: str) -> None:
    """The register of the county's townships and their bodies, as the credit office keeps it:
    sent once, on the first day of the demo's first month (a re-run sends nothing new)."""
    import os

    from creditpipe.core.clock import county_tz
    from creditpipe.devtools.simulators import write_table
    from creditpipe.devtools.simulators.townships import register_rows

    folder = settings.paths(home).landing_for(register.sources[0].department, register.id)
    if folder.exists() and any(folder.iterdir()):
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "镇街园区及所属单位登记.xlsx"
    write_table(register_rows(), path, "xlsx")
    stamp = dt.datetime.combine(month_bounds(month)[0], dt.time(9), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))


def _held_key(engine, dataset: Dataset, department: str, month: str) -> str | None:
    """The business key of the first record the department delivered in ``month`` (current
    or not: a re-run of the demo names the same record, withdrawn by then)."""
    from creditpipe.quality.rules.reference import KEY_SEPARATOR
    from creditpipe.warehouse.supersede import key_columns

    if not sa.inspect(engine).has_table(dataset.table):
        return None  # a warehouse not yet created: nothing held
    cols = key_columns(dataset)
    sql = sa.text(
        f"SELECT {', '.join('r.' + c for c in cols)} FROM {dataset.table} r JOIN delivery_batch b ON b.batch_id = r.batch_id "
        "WHERE b.department_id = :dep AND b.delivered_month = :month "
        "ORDER BY b.delivered_at, r.source_row LIMIT 1"
    )
    with engine.connect() as conn:
        row = conn.execute(sql, {"dep": department, "month": month}).first()
    return KEY_SEPARATOR.join(str(v) for v in row) if row else None


# The townships' public commitments (seed 003 二（四）), each township sending its own once, with
# the demo's first month: (number, township, matter, kind, months after the first month it is
# due, kept).
# 青阳镇's is past its date unkept by the last month (逾期未兑现); 月城镇 broke one (未兑现).
COMMITMENTS = (
    ("QY-01", "青阳镇", "企业开办全流程1个工作日内办结", "服务承诺", 1, None),
    ("QY-02", "青阳镇", "涉企政策兑现资金30日内拨付到位", "惠民利企承诺", 6, None),
    ("HS-01", "华士镇", "老旧小区雨污分流改造年内完工", "惠民利企承诺", 8, None),
    ("CJ-01", "澄江街道", "不动产登记一般业务3个工作日内办结", "服务承诺", 0, 20),
    ("YC-01", "月城镇", "农贸市场提升改造6月底前完成", "惠民利企承诺", 2, "broken"),
)


def commitment_register(catalog: Catalog, home: Path, register: Dataset, month: str) -> None:
    """Each township's commitments, sent by the township itself into its own landing folder
    once, on the first day of the demo's first month (a re-run sends nothing new)."""
    first = month_bounds(month)[0]
    for township in dict.fromkeys(c[1] for c in COMMITMENTS):
        department = next(d for d in catalog.departments.values() if d.township == township)
        rows = _commitments(first, township)
        _send_once(home, register, department.id, rows, f"{township}公开承诺.xlsx", first)


def _send_once(home: Path, register: Dataset, department: str, rows: list[dict], name: str, day: dt.date) -> None:
    import os

    from creditpipe.core.clock import county_tz
    from creditpipe.devtools.simulators import write_table

    folder = settings.paths(home).landing_for(department, register.id)
    if folder.exists() and any(folder.iterdir()):
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_table(rows, path, "xlsx")
    stamp = dt.datetime.combine(day, dt.time(9, 30), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))


def _commitments(first: dt.date, of_township: str) -> list[dict]:
    rows = []
    for number, township, matter, kind, months_on, kept in COMMITMENTS:
        if township != of_township:
            continue
        index = first.year * 12 + first.month - 1 + months_on
        due = month_bounds(f"{index // 12}-{index % 12 + 1:02d}")[1]
        status = "未兑现" if kept == "broken" else "已兑现" if kept else "履约中"
        rows.append(
            {
                "承诺编号": number,
                "镇街园区": township,
                "承诺事项": matter,
                "承诺类型": kind,
                "作出日期": (first - dt.timedelta(days=60)).isoformat(),
                "兑现期限": due.isoformat(),
                "履约状态": status,
                "兑现日期": first.replace(day=kept).isoformat() if isinstance(kept, int) else "",
                "佐证材料": "政务服务网办件记录" if isinstance(kept, int) else "",
            }
        )
    return rows


def response_register(catalog: Catalog, home: Path, register: Dataset, month: str, position: int) -> None:
    """The townships' responses to their bodies' listings, as the credit office records them,
    sent whole on the 20th: a village committee listed the month before answers on the 20th —
    later than the 10 working days allowed (it shows as answered late); the town government
    listed this month has not answered yet."""
    import os

    from creditpipe.core.clock import county_tz
    from creditpipe.core.months import month_list
    from creditpipe.devtools.simulators import write_table
    from creditpipe.warehouse.schema import connect

    if position != 0:
        return
    engine = connect(settings.warehouse_url(home))
    court = catalog.dataset(catalog.monitoring["debtor_list"])
    before = month_list(month, 2)[0]
    if not sa.inspect(engine).has_table(court.table):
        return
    sql = sa.text(
        f"SELECT r.debtor_name, r.case_no FROM {court.table} r JOIN delivery_batch b ON b.batch_id = r.batch_id "
        "WHERE b.delivered_month = :month AND r.debtor_name LIKE '%村民委员会' ORDER BY r.case_no"
    )
    with engine.connect() as conn:
        listed = conn.execute(sql, {"month": before}).all()
    engine.dispose()
    if not listed:
        return
    first = month_bounds(month)[0]
    rows = [
        {
            "镇街园区": name[3 : name.index("镇") + 1],  # 江阴市X镇…村村民委员会
            "单位名称": name,
            "案号": case_no,
            "反馈日期": first.replace(day=20).isoformat(),
            "整改措施": "已召开村民代表会议筹措资金，与申请执行人达成分期履行协议",
            "预计履行日期": (first + dt.timedelta(days=90)).isoformat(),
        }
        for name, case_no in listed
    ]
    folder = settings.paths(home).landing_for(register.sources[0].department, register.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"严重失信事件反馈登记_{month.replace('-', '')}.xlsx"
    write_table(rows, path, "xlsx")
    stamp = dt.datetime.combine(first.replace(day=20), dt.time(17), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))


def removal_file(catalog: Catalog, home: Path, dataset: Dataset, month: str, position: int) -> None:
    """The court's removals: the village committee listed the month before the last performed
    its obligation, and the court deletes its listing on the 28th of the last month (法释
    〔2017〕7号 第十条（一）), delivered that day."""
    import os

    from creditpipe.core.clock import county_tz
    from creditpipe.core.months import month_list
    from creditpipe.devtools.simulators import write_table
    from creditpipe.warehouse.schema import connect

    if position != 0:
        return
    engine = connect(settings.warehouse_url(home))
    court = catalog.dataset(catalog.monitoring["debtor_list"])
    if not sa.inspect(engine).has_table(court.table):
        return
    sql = sa.text(
        f"SELECT r.case_no, r.debtor_name, r.debtor_id_no, r.court_name FROM {court.table} r "
        "JOIN delivery_batch b ON b.batch_id = r.batch_id "
        "WHERE b.delivered_month = :month AND r.debtor_name LIKE '%村民委员会' ORDER BY r.case_no"
    )
    with engine.connect() as conn:
        listed = conn.execute(sql, {"month": month_list(month, 2)[0]}).all()
    engine.dispose()
    if not listed:
        return
    day = month_bounds(month)[0].replace(day=28)
    rows = [
        {
            "案号": case_no,
            "被执行人姓名/名称": name,
            "身份证号码/组织机构代码": code,
            "执行法院": court_name,
            "删除日期": day.isoformat(),
            "删除原因": "已履行完毕",
        }
        for case_no, name, code, court_name in listed
    ]
    folder = settings.paths(home).landing_for(dataset.sources[0].department, dataset.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"失信被执行人删除信息_{day:%Y%m%d}.xlsx"
    write_table(rows, path, "xlsx")
    stamp = dt.datetime.combine(day, dt.time(16), county_tz()).timestamp()
    os.utime(path, (stamp, stamp))
