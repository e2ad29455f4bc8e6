"""派出所 人口基础信息: residents registered (户籍) with 江阴市公安局's police stations,
delivered monthly through the police front-end database.

A clean record is consistent with itself: the sex follows the parity of the ID number's
sequence code and the birth date is the one inside the ID number (the suite does not
check this yet; a later rule will)."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.devtools.simulators.identity import SURNAMES, birth_date, make_resident_id, other_char

# 江阴市公安局's police stations and the streets of their jurisdiction (街道 / 镇).
STATIONS = {
    "澄江": (
        "澄江街道",
        ["人民东路", "人民中路", "澄江中路", "虹桥北路", "虹桥南路", "延陵路", "朝阳路", "君山路", "五星路"],
    ),
    "城东": ("城东街道", ["长山大道", "芙蓉大道", "东外环路", "澄康路"]),
    "南闸": ("南闸街道", ["锡澄路", "南闸大街", "观山路"]),
    "云亭": ("云亭街道", ["云顾路", "澄杨路", "定山路"]),
    "夏港": ("夏港街道", ["滨江西路", "夏港大街", "通渡南路"]),
    "申港": ("申港街道", ["申港大街", "滨江西路", "澄西路"]),
    "利港": ("利港街道", ["利港大街", "利城路"]),
    "华士": ("华士镇", ["华士大街", "澄鹿路", "华西大道", "锡张路"]),
    "周庄": ("周庄镇", ["周庄大街", "周西路", "长寿路"]),
    "新桥": ("新桥镇", ["新桥大街", "海澜路", "新园路"]),
    "长泾": ("长泾镇", ["长泾大街", "河北街", "虞门路"]),
    "顾山": ("顾山镇", ["顾山大街", "顾北路"]),
    "祝塘": ("祝塘镇", ["祝塘大街", "文化路", "环镇路"]),
    "青阳": ("青阳镇", ["青阳大街", "迎宾路", "澄杨路"]),
    "徐霞客": ("徐霞客镇", ["马镇大街", "璜塘大街", "峭岐路"]),
    "月城": ("月城镇", ["月城大街", "双泾路"]),
    "璜土": ("璜土镇", ["璜土大街", "石庄路"]),
}
# Where the ID numbers of people registered here were first issued.
# 江阴市 itself; 宜兴市, 兴化市, 宿松县, 项城市, 寿县 for residents who moved here.
ID_DIVISIONS = ["320281", "320282", "321281", "340826", "412702", "342422"]
ID_DIVISION_WEIGHTS = [86, 3, 3, 3, 3, 2]
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚平建国志斌浩宇俊文华峰鹏辉"
FEMALE_GIVEN = "芳娜敏静丽艳娟秀霞桂英玉兰红春晓燕欣怡涵婷雪梅"
MINORITIES = ["回族", "满族", "苗族", "土家族", "壮族", "蒙古族", "彝族", "布依族", "侗族", "朝鲜族"]
STATION_NAMES = {k: f"江阴市公安局{k}派出所" for k in STATIONS}

ERROR_KINDS = {
    "id_check": ("公民身份号码", "resident_id_invalid"),
    "id_excel": ("公民身份号码", "resident_id_invalid"),
    "id_15_digits": ("公民身份号码", "resident_id_invalid"),
    "missing_name": ("姓名", "required"),
    "missing_address": ("户籍地址", "required"),
    "missing_station": ("所属派出所", "required"),
    "sex_enum": ("性别", "enumeration"),
    "ethnicity_enum": ("民族", "enumeration"),
    "birth_impossible": ("出生日期", "date_invalid"),
    "birth_future": ("出生日期", "date_in_future"),
    "registered_impossible": ("登记日期", "date_invalid"),
    "registered_future": ("登记日期", "date_in_future"),
    "duplicate_id": ("公民身份号码", "duplicate_in_delivery"),
}

FIELDS = ["姓名", "公民身份号码", "性别", "出生日期", "民族", "户籍地址", "所属派出所", "登记日期"]


class Factory:
    """Clean 人口基础信息 records: one resident per record, every ID number distinct."""

    def __init__(self, rng: random.Random, department_id: str = "police", serial_base: int = 0):
        self.rng = rng
        self.department_id = department_id
        self.serial = serial_base
        self.issued: set[str] = set()

    def address(self) -> tuple[str, str]:
        """(户籍地址, 所属派出所)."""
        rng = self.rng
        station = rng.choice(list(STATIONS))
        area, roads = STATIONS[station]
        number = f"{rng.randint(1, 399)}号"
        if rng.random() < 0.6:  # a flat in a residential block
            number += f"{rng.randint(1, 30)}幢{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
        return f"江苏省江阴市{area}{rng.choice(roads)}{number}", STATION_NAMES[station]

    def record(self, day: dt.date) -> dict:
        rng = self.rng
        self.serial += 1
        if rng.random() < 0.06:  # a newborn, registered where born
            born = day - dt.timedelta(days=rng.randint(20, 150))
            division = "320281"
        else:
            born = birth_date(rng, 1935, min(day.year - 1, 2020))
            division = rng.choices(ID_DIVISIONS, weights=ID_DIVISION_WEIGHTS)[0]
        male = rng.random() < 0.5
        while True:
            id_no = make_resident_id(rng, born, division, male)
            if id_no not in self.issued:
                self.issued.add(id_no)
                break
        # 登记日期: the last 户籍 registration (birth, move-in, change), never before birth.
        earliest = max(born + dt.timedelta(days=10), dt.date(1990, 1, 1))
        if rng.random() < 0.3 or earliest >= day:
            registered = day
        else:
            registered = earliest + dt.timedelta(days=rng.randint(0, (day - earliest).days))
        address, station = self.address()
        ethnicity = "汉族" if rng.random() < 0.965 else rng.choice(MINORITIES)
        if rng.random() < 0.015:
            ethnicity = ""  # not required: some registers never filled it
        return {
            "姓名": name(rng, male),
            "公民身份号码": id_no,
            "性别": "男" if male else "女",
            "出生日期": born.isoformat(),
            "民族": ethnicity,
            "户籍地址": address,
            "所属派出所": station,
            "登记日期": registered.isoformat() if rng.random() > 0.03 else "",
        }


def _excel_number(code: str, taken: set[str]) -> str:
    """What Excel makes of an ID number typed into a number cell: 3.20281E+17 in a narrow
    column, 320281198308130000 (15 significant digits) in a wide one. Another record of
    the delivery may already show the same text, which would add a duplicate: then the
    other form, or at last a mistyped check character."""
    from creditpipe.core.identifiers import is_valid_resident_id

    for form in (f"{float(code[:17] + '0'):.5E}", code[:15] + "000"):
        if form not in taken and not is_valid_resident_id(form):
            return form
    return code[:17] + ("0" if code[17] != "0" else "1")


def name(rng: random.Random, male: bool) -> str:
    given = MALE_GIVEN if male else FEMALE_GIVEN
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def eligible(record: dict, kind: str) -> bool:
    if kind == "ethnicity_enum":
        return record["民族"] != ""
    if kind == "id_15_digits":  # first-generation IDs: people born before 2000
        return record["出生日期"] < "2000-01-01"
    return True


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    rec = records[i]
    code = rec["公民身份号码"]
    if kind == "id_check":
        rec["公民身份号码"] = code[:17] + other_char(rng, code[17], "0123456789X")
    elif kind == "id_excel":  # the column was left as a number in Excel
        rec["公民身份号码"] = _excel_number(code, {r["公民身份号码"] for r in records})
    elif kind == "id_15_digits":  # the first-generation number: 2-digit year, no check character
        rec["公民身份号码"] = code[:6] + code[8:17]
    elif kind == "missing_name":
        rec["姓名"] = ""
    elif kind == "missing_address":
        rec["户籍地址"] = ""
    elif kind == "missing_station":
        rec["所属派出所"] = ""
    elif kind == "sex_enum":  # the GB/T 2261.1 code, or a spelling of its own
        rec["性别"] = rng.choice([{"男": "1", "女": "2"}[rec["性别"]], {"男": "M", "女": "F"}[rec["性别"]]])
    elif kind == "ethnicity_enum":
        han = rec["民族"] == "汉族"  # its GB/T 3304 code, or a colloquial name
        rec["民族"] = rng.choice(["01" if han else "97", "汉民" if han else "少数民族"])
    elif kind == "birth_impossible":
        born = dt.date.fromisoformat(rec["出生日期"])
        rec["出生日期"] = rng.choice(
            [f"{born.year}-02-30", f"{born:%Y}年{born.month}月{born.day}日", f"{born:%Y.%m.%d}"]
        )
    elif kind == "birth_future":  # the century mistyped: 1985 → 2085
        born = dt.date.fromisoformat(rec["出生日期"])
        typo = born.replace(year=born.year + 100)
        rec["出生日期"] = (typo if typo > delivered else delivered + dt.timedelta(days=rng.randint(1, 60))).isoformat()
    elif kind == "registered_impossible":
        rec["登记日期"] = rng.choice(["0000-00-00", "1900-00-00", f"{delivered.year}-13-01"])
    elif kind == "registered_future":
        rec["登记日期"] = (delivered + dt.timedelta(days=rng.randint(1, 90))).isoformat()
    elif kind == "duplicate_id":  # the same resident twice: registered again at a new address
        again = dict(rec)
        again["户籍地址"], again["所属派出所"] = Factory(rng).address()
        records[i + 1] = again
        return [i, i + 1]
    else:
        raise ValueError(kind)
    return [i]
