"""供电 / 水务 / 燃气 欠费: the users in arrears that 国网江阴市供电公司, 江阴市水务集团有限公司
and 江阴市天然气有限公司 report each month.

A user is reported under the local rule (domain reference, Utility arrears): after two
ignored reminders, a residential user from 500 yuan or 3 unpaid months, a non-residential
user from 1,000 yuan or 3 unpaid months."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from creditpipe.devtools.simulators.identity import (
    TOWNS,
    USCC_CHARS,
    birth_date,
    company_name,
    make_resident_id,
    make_uscc,
    other_char,
    person_name,
)

RESIDENT, BUSINESS = "居民", "非居民"
# 江阴's street offices (街道); the other towns of identity.TOWNS are 镇.
STREETS = {"澄江", "南闸", "云亭", "申港", "利港", "夏港"}
ROADS = [
    "人民中路",
    "人民东路",
    "虹桥北路",
    "长江路",
    "澄江中路",
    "寿山路",
    "延陵路",
    "朝阳路",
    "暨阳路",
    "芙蓉大道",
    "滨江西路",
    "花山路",
    "五星路",
    "环城北路",
    "香山路",
    "通渡北路",
    "中山南路",
    "青果路",
]
ESTATES = ["新村", "花园", "家园", "苑", "小区"]
TRADES = [
    "机械制造有限公司",
    "纺织有限公司",
    "餐饮管理有限公司",
    "金属制品有限公司",
    "商贸有限公司",
    "物业管理有限公司",
    "塑料制品有限公司",
    "印染有限公司",
    "宾馆有限公司",
]
SHOPS = ["饭店", "理发店", "洗浴中心", "便利店", "面馆", "汽车修理部", "五金店", "干洗店"]


@dataclass(frozen=True)
class Provider:
    name: str  # as the catalog's departments list it
    uscc: str  # fixed, valid
    prefix: str  # 户号 = prefix + digits
    digits: int
    what: str  # 电 / 水 / 气
    bills: dict  # user type -> (low, high) monthly bill in yuan


PROVIDERS = {
    "power": Provider(
        "国网江阴市供电公司",
        make_uscc(random.Random(3202811), "9", "1"),
        "3202",
        6,
        "电",
        {RESIDENT: (90, 420), BUSINESS: (900, 36000)},
    ),
    "water": Provider(
        "江阴市水务集团有限公司",
        make_uscc(random.Random(3202812), "9", "1"),
        "JY",
        8,
        "水",
        {RESIDENT: (30, 130), BUSINESS: (300, 9000)},
    ),
    "gas": Provider(
        "江阴市天然气有限公司",
        make_uscc(random.Random(3202813), "9", "1"),
        "RQ",
        9,
        "气",
        {RESIDENT: (40, 220), BUSINESS: (600, 24000)},
    ),
}
# Reported from this much, or from 3 unpaid months, after 2 ignored reminders.
THRESHOLD_YUAN = {RESIDENT: 500, BUSINESS: 1000}
THRESHOLD_MONTHS = 3
MIN_REMINDERS = 2

ERROR_KINDS = {
    "missing_holder": ("户名", "required"),
    "missing_address": ("用电（水、气）地址", "required"),
    "type_enum": ("用户类型", "enumeration"),
    "id_type_enum": ("证件类型", "enumeration"),
    "resident_without_id": ("证件号码", "required_for_natural_person"),
    "id_check": ("证件号码", "resident_id_invalid"),
    "business_without_uscc": ("统一社会信用代码", "required_for_organisation"),
    "uscc_check": ("统一社会信用代码", "uscc_invalid"),
    "provider_uscc_check": ("提供单位统一社会信用代码", "uscc_invalid"),
    "bad_amount": ("欠费金额（元）", "amount_invalid"),
    "months_not_integer": ("欠费月数", "integer_invalid"),
    "reminders_not_integer": ("催缴次数", "integer_invalid"),
    "impossible_date": ("欠费起始日期", "date_invalid"),
    "bad_reminder_date": ("最近催缴日期", "date_invalid"),
    "future_date": ("认定日期", "date_in_future"),
    "duplicate_account": ("户号", "duplicate_in_delivery"),
}


def _first_of_month_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def address(rng: random.Random, resident: bool) -> str:
    town = rng.choice(TOWNS)
    place = f"江阴市{town}{'街道' if town in STREETS else '镇'}{rng.choice(ROADS)}{rng.randint(1, 888)}号"
    if resident and rng.random() < 0.7:
        place += f"{rng.randint(1, 40)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    elif resident:
        place = f"江阴市{town}{'街道' if town in STREETS else '镇'}{rng.choice('东西南北')}"
        place += f"{rng.choice(ROADS)[:2]}{rng.choice(ESTATES)}{rng.randint(1, 60)}幢{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
    return place


class Factory:
    """Clean arrears records of one provider (department_id: power, water or gas)."""

    def __init__(self, rng: random.Random, department_id: str = "power", serial_base: int = 0):
        if department_id not in PROVIDERS:
            raise ValueError(f"utility.arrears: no provider {department_id!r} (power, water, gas)")
        self.rng = rng
        self.provider = PROVIDERS[department_id]
        self.serial = serial_base
        # A fixed scramble of the serial (a multiplier prime to 10): account numbers look
        # random and never repeat within 10 ** digits serials.
        modulus = 10**self.provider.digits
        self._step = int(modulus * 0.6180339887) // 10 * 10 + 7
        self._offset = random.Random(department_id).randrange(modulus)

    def account_no(self) -> str:
        p = self.provider
        number = (self.serial * self._step + self._offset) % 10**p.digits
        return f"{p.prefix}{number:0{p.digits}d}"

    def holder(self) -> dict:
        rng = self.rng
        if rng.random() < 0.75:
            return {
                "户名": person_name(rng),
                "证件类型": rng.choices(["身份证", "居民身份证"], weights=[9, 1])[0],
                "证件号码": make_resident_id(rng, birth_date(rng, 1940, 2000)),
                "统一社会信用代码": "",
                "用户类型": RESIDENT,
            }
        if rng.random() < 0.7:
            name, uscc = company_name(rng, rng.choice(TRADES)), make_uscc(rng, "9", "1")
        else:
            name, uscc = f"江阴市{rng.choice(TOWNS)}{person_name(rng)}{rng.choice(SHOPS)}", make_uscc(rng, "9", "2")
        return {"户名": name, "证件类型": "", "证件号码": "", "统一社会信用代码": uscc, "用户类型": BUSINESS}

    def record(self, day: dt.date) -> dict:
        """A user found in arrears on ``day`` (认定日期); the other dates are earlier."""
        rng = self.rng
        p = self.provider
        self.serial += 1
        rec = {"户号": self.account_no()}
        holder = self.holder()
        kind = holder["用户类型"]
        low, high = p.bills[kind]
        bill = rng.uniform(low, high)
        if kind == RESIDENT:
            months = rng.choices([1, 2, 3, 4, 5, 6, 8, 10, 12, 18, 24], weights=[6, 8, 20, 16, 12, 10, 8, 6, 6, 4, 4])[
                0
            ]
        else:  # businesses are chased (and cut off) sooner
            months = rng.choices([1, 2, 3, 4, 5, 6, 8, 12], weights=[20, 20, 20, 14, 8, 8, 6, 4])[0]
        amount = round(sum(bill * rng.uniform(0.7, 1.3) for _ in range(months)), 2)
        if amount < THRESHOLD_YUAN[kind] and months < THRESHOLD_MONTHS:
            months = THRESHOLD_MONTHS  # under the rule it would not be reported yet
            amount = round(sum(bill * rng.uniform(0.7, 1.3) for _ in range(months)), 2)
        since = _first_of_month_before(day, months)
        reminders = rng.choices([2, 3, 4, 5, 6], weights=[40, 30, 15, 10, 5])[0]
        last_reminder = max(since + dt.timedelta(days=10), day - dt.timedelta(days=rng.randint(5, 40)))
        rec.update(
            {
                "户名": holder["户名"],
                "证件类型": holder["证件类型"],
                "证件号码": holder["证件号码"],
                "统一社会信用代码": holder["统一社会信用代码"],
                "用户类型": kind,
                "用电（水、气）地址": address(rng, kind == RESIDENT),
                "欠费金额（元）": f"{amount:.2f}",
                "欠费起始日期": since.isoformat(),
                "欠费月数": str(months),
                "催缴次数": str(reminders),
                "最近催缴日期": last_reminder.isoformat(),
                "提供单位": p.name,
                "提供单位统一社会信用代码": p.uscc,
                "认定日期": day.isoformat(),
            }
        )
        return rec


def eligible(record: dict, kind: str) -> bool:
    resident = record["用户类型"] == RESIDENT
    if kind in ("id_type_enum", "resident_without_id", "id_check"):
        return resident
    if kind in ("business_without_uscc", "uscc_check"):
        return not resident
    return True


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    rec = records[i]
    if kind == "missing_holder":
        rec["户名"] = ""
    elif kind == "missing_address":
        rec["用电（水、气）地址"] = ""
    elif kind == "type_enum":
        if rec["用户类型"] == RESIDENT:
            rec["用户类型"] = rng.choice(["居民用户", "城乡居民", "住宅"])
        else:
            rec["用户类型"] = rng.choice(["一般工商业", "商业", "企业"])
    elif kind == "id_type_enum":
        rec["证件类型"] = rng.choice(["户口簿", "身份证号", "驾驶证"])
    elif kind == "resident_without_id":
        rec["证件号码"] = ""
    elif kind == "id_check":
        code = rec["证件号码"]
        rec["证件号码"] = code[:17] + other_char(rng, code[17], "0123456789X")
    elif kind == "business_without_uscc":
        rec["统一社会信用代码"] = ""
    elif kind == "uscc_check":
        code = rec["统一社会信用代码"]
        rec["统一社会信用代码"] = code[:17] + other_char(rng, code[17], USCC_CHARS)
    elif kind == "provider_uscc_check":
        code = rec["提供单位统一社会信用代码"]
        rec["提供单位统一社会信用代码"] = code[:17] + other_char(rng, code[17], USCC_CHARS)
    elif kind == "bad_amount":
        amount = rec["欠费金额（元）"]
        shapes = [f"-{amount}", f"{amount}元"]
        if float(amount) >= 1000:
            shapes.append(f"{float(amount):,.2f}")  # a thousands separator from Excel
        rec["欠费金额（元）"] = rng.choice(shapes)
    elif kind == "months_not_integer":
        rec["欠费月数"] = rng.choice([f"{rec['欠费月数']}个月", f"{rec['欠费月数']}.5"])
    elif kind == "reminders_not_integer":
        rec["催缴次数"] = rng.choice([f"{rec['催缴次数']}次", "两次", "-1"])
    elif kind == "impossible_date":
        d = dt.date.fromisoformat(rec["欠费起始日期"])
        rec["欠费起始日期"] = f"{d.year}-02-30" if rng.random() < 0.5 else f"{d.year}-{d.month:02d}-32"
    elif kind == "bad_reminder_date":
        d = dt.date.fromisoformat(rec["最近催缴日期"])
        rec["最近催缴日期"] = rng.choice([f"{d.year}.{d.month:02d}.{d.day:02d}", f"{d.year}年{d.month}月{d.day}日"])
    elif kind == "future_date":
        rec["认定日期"] = (delivered + dt.timedelta(days=rng.randint(3, 40))).isoformat()
    elif kind == "duplicate_account":
        records[i + 1]["户号"] = rec["户号"]
        return [i, i + 1]
    else:
        raise ValueError(kind)
    return [i]
