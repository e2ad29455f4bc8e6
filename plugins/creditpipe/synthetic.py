"""Realistic synthetic deliveries with a known set of injected errors, for the demo and
the tests. Every clean record passes every rule; every injected error breaks exactly one
(field, rule), so the refused records can be checked against the list, none missed, none
extra."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from creditpipe.identifiers import (
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = "320281"  # 江阴市
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春晓燕文斌浩宇欣怡子涵俊"
FIRMS = ["澄江", "华士", "周庄", "新桥", "长泾", "顾山", "璜土", "利港", "申港", "徐霞客", "青阳", "月城", "云亭", "南闸", "祝塘"]
TRADES = [
    ("贸易有限公司", "批发零售"), ("食品有限公司", "食品生产"), ("机械制造有限公司", "机械制造"),
    ("餐饮管理有限公司", "餐饮服务"), ("电子科技有限公司", "电子产品"), ("建材有限公司", "建材销售"),
    ("服饰有限公司", "服装加工"), ("化工有限公司", "化工生产"), ("物流有限公司", "道路运输"),
]
SHOPS = ["便利店", "小吃店", "五金店", "水果店", "理发店", "副食品店", "饭店", "药店"]
VIOLATIONS = [
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条第一款",
     "当事人于{d}销售的{x}经抽检不符合食品安全国家标准"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十七条",
     "当事人未按规定期限公示{y}年度报告"),
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条第一款",
     "当事人在其网店页面宣称{x}具有不实功效，构成虚假广告"),
    ("不明码标价", "《中华人民共和国价格法》第四十二条",
     "当事人销售{x}未按规定明码标价"),
    ("使用未经检定的计量器具", "《中华人民共和国计量法实施细则》第四十三条",
     "当事人在经营场所使用未经检定的电子计价秤"),
    ("特种设备未经定期检验继续使用", "《中华人民共和国特种设备安全法》第八十四条第一项",
     "当事人使用的电梯超过检验有效期仍继续使用"),
    ("销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条第二款",
     "当事人销售的{x}侵犯他人注册商标专用权"),
]
GOODS = ["预包装食品", "散装白酒", "儿童服装", "小家电", "保健食品", "化妆品", "蔬菜", "电线电缆"]
AUTHORITY = "江阴市市场监督管理局"

# Each kind breaks one field with one rule of expectations/market.admin_penalty.json.
ERROR_KINDS = {
    "uscc_check": ("统一社会信用代码", "uscc_invalid"),
    "id_check": ("证件号码", "resident_id_invalid"),
    "category_enum": ("行政相对人类别", "enumeration"),
    "penalty_enum": ("处罚类别", "enumeration"),
    "missing_facts": ("违法事实", "required"),
    "impossible_date": ("处罚决定日期", "date_invalid"),
    "future_date": ("处罚决定日期", "date_in_future"),
    "negative_amount": ("罚款金额（万元）", "amount_invalid"),
    "duplicate_no": ("行政处罚决定书文号", "duplicate_in_delivery"),
    "person_without_id": ("证件号码", "required_for_natural_person"),
    "org_without_uscc": ("统一社会信用代码", "required_for_organisation"),
}


@dataclass(frozen=True)
class InjectedError:
    file: str
    source_row: int
    field: str
    rule: str
    kind: str


def make_uscc(rng: random.Random, authority: str = "9", kind: str = "1", division: str = COUNTY) -> str:
    body8 = "".join(rng.choice("0123456789") for _ in range(8))
    org = body8 + org_code_check_char(body8)
    first17 = authority + kind + division + org
    return first17 + uscc_check_char(first17)


def make_resident_id(rng: random.Random, born: dt.date, division: str = COUNTY) -> str:
    first17 = f"{division}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + resident_id_check_char(first17)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


AUTHORITY_USCC = make_uscc(random.Random(320281), authority="1", kind="1")


class PenaltyFactory:
    """Clean 行政处罚 records of 江阴市市场监督管理局."""

    def __init__(self, rng: random.Random, year: int):
        self.rng = rng
        self.year = year
        self.serial = 0

    def record(self, decided: dt.date) -> dict:
        rng = self.rng
        self.serial += 1
        category = rng.choices(["法人及非法人组织", "个体工商户", "自然人"], weights=[55, 30, 15])[0]
        rec = {
            "行政相对人名称": "", "行政相对人类别": category, "统一社会信用代码": "",
            "工商注册号": "", "组织机构代码": "", "税务登记号": "", "事业单位证书号": "",
            "社会组织登记证号": "", "法定代表人": "", "法定代表人证件类型": "", "法定代表人证件号码": "",
            "证件类型": "", "证件号码": "",
        }
        town = rng.choice(FIRMS)
        if category == "法人及非法人组织":
            suffix, _ = rng.choice(TRADES)
            rec["行政相对人名称"] = f"江阴市{town}{rng.choice('恒鑫瑞丰盛达华兴宏远金')}{rng.choice('源泰诚昌隆升润')}{suffix}"
            rec["统一社会信用代码"] = make_uscc(rng, "9", "1")
        elif category == "个体工商户":
            rec["行政相对人名称"] = f"江阴市{town}{_person_name(rng)}{rng.choice(SHOPS)}"
            rec["统一社会信用代码"] = make_uscc(rng, "9", "2")
        else:
            rec["行政相对人名称"] = _person_name(rng)
            rec["证件类型"] = "身份证"
            rec["证件号码"] = make_resident_id(rng, dt.date(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28)))
        if category != "自然人":
            rec["法定代表人"] = _person_name(rng)
            rec["法定代表人证件类型"] = "身份证"
            rec["法定代表人证件号码"] = make_resident_id(
                rng, dt.date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28))
            )
        vtype, basis, facts = rng.choice(VIOLATIONS)
        goods = rng.choice(GOODS)
        fine = rng.choice([0.05, 0.2, 0.5, 0.8, 1, 1.5, 2, 3, 5, 10])
        confiscated = rng.choice([0, 0, 0, 0.03, 0.12])
        categories = ["罚款"] if confiscated == 0 else ["罚款", "没收违法所得"]
        if rng.random() < 0.15:
            categories.insert(0, "警告")
        content = f"罚款人民币{fine * 10000:,.0f}元" + (f"，没收违法所得{confiscated * 10000:,.0f}元" if confiscated else "")
        rec.update(
            {
                "行政处罚决定书文号": f"澄市监处罚〔{decided.year}〕{self.serial:04d}号",
                "违法行为类型": vtype,
                "违法事实": facts.format(d=f"{decided:%Y年%m月}", x=goods, y=decided.year - 1) + "，违反了" + basis.split("第")[0] + "的规定。",
                "处罚依据": basis,
                "处罚类别": ";".join(categories),
                "处罚内容": content,
                "罚款金额（万元）": f"{fine:g}",
                "没收违法所得、没收非法财物的金额（万元）": f"{confiscated:g}" if confiscated else "",
                "暂扣或吊销证照名称及编号": "",
                "处罚决定日期": decided.isoformat(),
                "处罚有效期": _plus_years(decided, 3).isoformat(),
                "公示截止期": _plus_years(decided, 3).isoformat(),
                "处罚机关": AUTHORITY,
                "处罚机关统一社会信用代码": AUTHORITY_USCC,
                "数据来源单位": AUTHORITY,
                "数据来源单位统一社会信用代码": AUTHORITY_USCC,
                "备注": "",
            }
        )
        return rec


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    """Break record ``i`` (0-based) in the way ``kind`` says; returns the rows it breaks."""
    rec = records[i]
    if kind == "uscc_check":
        code = rec["统一社会信用代码"]
        rec["统一社会信用代码"] = code[:17] + rng.choice([c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17]])
    elif kind == "id_check":
        code = rec["证件号码"]
        rec["证件号码"] = code[:17] + rng.choice([c for c in "0123456789X" if c != code[17]])
    elif kind == "category_enum":
        rec["行政相对人类别"] = "企业"
    elif kind == "penalty_enum":
        rec["处罚类别"] = "罚金"
    elif kind == "missing_facts":
        rec["违法事实"] = ""
    elif kind == "impossible_date":
        d = dt.date.fromisoformat(rec["处罚决定日期"])
        rec["处罚决定日期"] = f"{d.year}-02-30" if rng.random() < 0.5 else f"{d.year}-{d.month:02d}-32"
    elif kind == "future_date":
        rec["处罚决定日期"] = (delivered + dt.timedelta(days=rng.randint(3, 40))).isoformat()
    elif kind == "negative_amount":
        rec["罚款金额（万元）"] = "-" + rec["罚款金额（万元）"]
    elif kind == "duplicate_no":
        j = i + 1
        records[j]["行政处罚决定书文号"] = rec["行政处罚决定书文号"]
        return [i, j]
    elif kind == "person_without_id":
        rec["证件号码"] = ""
    elif kind == "org_without_uscc":
        rec["统一社会信用代码"] = ""
    else:
        raise ValueError(kind)
    return [i]


def _needs(kind: str) -> str | None:
    return {"uscc_check": "org", "org_without_uscc": "org", "category_enum": "org",
            "id_check": "person", "person_without_id": "person"}.get(kind)


def delivery_dates(month: str) -> list[dt.datetime]:
    """Weekly drops: the 7th, 14th, 21st and 28th at 16:30, county time."""
    year, mon = (int(x) for x in month.split("-"))
    return [dt.datetime(year, mon, day, 16, 30, tzinfo=TZ) for day in (7, 14, 21, 28)]


def write_table(records: list[dict], path: Path, fmt: str, encoding: str = "utf-8") -> None:
    header = list(records[0].keys())
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "行政处罚"
        sheet.append(header)
        for rec in records:
            sheet.append([rec[h] or None for h in header])
        # Fixed document dates: the same records make the same bytes (reproducible demo).
        stamp = dt.datetime(2026, 1, 1)
        book.properties.created = book.properties.modified = stamp
        book.save(path)
        return
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(records)


# The four weekly files arrive the four ways departments send them.
FILE_SHAPES = [("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", None), ("csv", "utf-8-sig")]


def generate_month(folder: Path, month: str, seed: int, records_per_file: tuple[int, int] = (350, 450)) -> list[InjectedError]:
    """Write the month's four deliveries into ``folder`` (mtime = delivery time)."""
    year, mon = (int(x) for x in month.split("-"))
    rng = random.Random(f"{seed}:{month}")
    factory = PenaltyFactory(rng, year)
    # Serial numbers continue through the year, so 文号 never collide across months.
    factory.serial = (mon - 1) * 2000
    folder.mkdir(parents=True, exist_ok=True)
    expected: list[InjectedError] = []
    kinds = list(ERROR_KINDS)
    rng.shuffle(kinds)
    pending = list(kinds)  # every kind appears at least once a month
    month_start = dt.date(year, mon, 1)
    for n, (delivered, (fmt, encoding)) in enumerate(zip(delivery_dates(month), FILE_SHAPES)):
        window_start = max(month_start, delivered.date() - dt.timedelta(days=6))
        days = (delivered.date() - window_start).days
        count = rng.randint(*records_per_file)
        records = [factory.record(window_start + dt.timedelta(days=rng.randint(0, days))) for _ in range(count)]
        name = f"行政处罚_{delivered:%Y%m%d}.{fmt}"
        take = pending[:3] if n < 3 else pending + rng.sample(kinds, 1)
        pending = pending[len(take):] if n < 3 else []
        used: set[int] = set()
        for kind in take:
            need = _needs(kind)
            while True:
                i = rng.randrange(0, count - 1)
                cat = records[i]["行政相对人类别"]
                if i in used or i + 1 in used or (i - 1 in used):
                    continue
                if need == "org" and cat == "自然人" or need == "person" and cat != "自然人":
                    continue
                break
            for row in inject(records, kind, i, rng, delivered.date()):
                used.add(row)
                field, rule = ERROR_KINDS[kind]
                expected.append(InjectedError(name, row + 1, field, rule, kind))
        path = folder / name
        write_table(records, path, fmt, encoding or "utf-8")
        stamp = delivered.timestamp()
        os.utime(path, (stamp, stamp))
    return expected


def expected_as_dicts(errors: list[InjectedError]) -> list[dict]:
    return [asdict(e) for e in errors]


def last_moment_of(month: str) -> dt.datetime:
    year, mon = (int(x) for x in month.split("-"))
    return dt.datetime(year, mon, calendar.monthrange(year, mon)[1], 23, 59, tzinfo=TZ)
