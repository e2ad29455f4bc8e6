"""What the demo's townships show (seed 000's monitoring), written into the departments'
records of each month, by position from the last month (0 = last):

- 清欠: 供电 lists 澄江街道's 便民服务中心 with arrears that shrink month by month, 周庄镇's
  village committee with arrears that grow, and 华士镇's village committee until it pays up
  in the last month (已结清);
- a penalty 公安 imposes on a township body in the last month;
- 政务公开: 华士镇 decides licences itself (delegated powers: 许可机关 江阴市华士镇人民政府),
  one of the last month's published three weeks after its decision (late).

Only clean records are changed (no injected error on them or their neighbours), with the
register's names and credit codes (``simulators.townships``), so the demo's injected errors
stay exactly what is refused."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.devtools.simulators.townships import register_rows

# (township, kind) → the amount in arrears (元) and months overdue, by position.
ARREARS = {
    ("澄江街道", "事业单位"): ({2: "12000.00", 1: "9000.50", 0: "5200.00"}, {2: 6, 1: 7, 0: 8}),
    ("周庄镇", "村民委员会"): ({2: "800.00", 1: "1500.00", 0: "2600.00"}, {2: 2, 1: 3, 0: 4}),
    ("华士镇", "村民委员会"): ({2: "300.00", 1: "300.00"}, {2: 1, 1: 2}),
}
PENALISED = {0: ("澄江街道", "事业单位")}
LICENSING = "华士镇"


def _body(township: str, kind: str) -> dict:
    return next(r for r in register_rows() if r["镇街园区"] == township and r["单位类别"] == kind)


def _clean(records: list[dict], errors, taken: set[int], where=lambda r: True) -> list[int]:
    broken = {e.source_row - 1 for e in errors}
    return [i for i, r in enumerate(records) if not {i - 1, i, i + 1} & (broken | taken) and where(r)]


def shape(records: list[dict], errors, dataset_id: str, department: str, position: int, rng: random.Random) -> None:
    """The month's township events written into one source's records (see the module)."""
    taken: set[int] = set()
    if (dataset_id, department) == ("utility.arrears", "power"):
        for n, ((township, kind), (amounts, months)) in enumerate(ARREARS.items()):
            if position not in amounts:
                continue
            body = _body(township, kind)
            i = rng.choice(_clean(records, errors, taken))
            taken.add(i)
            records[i].update(
                {
                    "户名": body["单位名称"],
                    "统一社会信用代码": body["统一社会信用代码"],
                    "用户类型": "非居民",
                    "证件类型": "",
                    "证件号码": "",
                    "户号": f"DL0281{n:06d}",  # the same account every month
                    "欠费金额（元）": amounts[position],
                    "欠费月数": str(months[position]),
                }
            )
    elif (dataset_id, department) == ("police.admin_penalty", "police") and position in PENALISED:
        body = _body(*PENALISED[position])
        i = rng.choice(_clean(records, errors, taken, lambda r: r.get("行政相对人类别") == "法人及非法人组织"))
        records[i].update({"行政相对人名称": body["单位名称"], "统一社会信用代码": body["统一社会信用代码"]})
    elif (dataset_id, department) == ("market.admin_license", "market"):
        government = next(r for r in register_rows() if r["镇街园区"] == LICENSING and r["单位类别"] == "镇人民政府")
        for n, i in enumerate(rng.sample(_clean(records, errors, taken), 2)):
            records[i].update(
                {"许可机关": government["单位名称"], "许可机关统一社会信用代码": government["统一社会信用代码"]}
            )
            if position == 0 and n == 0:  # published three weeks after the decision
                day = dt.date.fromisoformat(records[i]["许可决定日期"]) - dt.timedelta(days=21)
                records[i]["许可决定日期"] = day.isoformat()
