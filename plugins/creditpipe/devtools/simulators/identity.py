"""Realistic identities for synthetic records: names, credit codes, ID numbers, dates."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.core.identifiers import org_code_check_char, resident_id_check_char, uscc_check_char

COUNTY = "320281"  # 江阴市
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春晓燕文斌浩宇欣怡子涵俊"
TOWNS = [
    "澄江",
    "华士",
    "周庄",
    "新桥",
    "长泾",
    "顾山",
    "璜土",
    "利港",
    "申港",
    "徐霞客",
    "青阳",
    "月城",
    "云亭",
    "南闸",
    "祝塘",
]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random, authority: str = "9", kind: str = "1", division: str = COUNTY) -> str:
    """A valid 统一社会信用代码 (with a valid embedded GB 11714 organisation code)."""
    body8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = authority + kind + division + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def make_resident_id(rng: random.Random, born: dt.date, division: str = COUNTY, male: bool | None = None) -> str:
    """A valid 公民身份号码; the sequence's parity follows ``male`` when given."""
    seq = rng.randint(1, 999)
    if male is not None and (seq % 2 == 1) != male:
        seq = seq - 1 if seq > 1 else seq + 1
    first17 = f"{division}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def birth_date(rng: random.Random, oldest: int = 1950, youngest: int = 2003) -> dt.date:
    return dt.date(rng.randint(oldest, youngest), rng.randint(1, 12), rng.randint(1, 28))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def company_name(rng: random.Random, suffix: str = "有限公司") -> str:
    return f"江阴市{rng.choice(TOWNS)}{rng.choice('恒鑫瑞丰盛达华兴宏远金')}{rng.choice('源泰诚昌隆升润')}{suffix}"


def plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def other_char(rng: random.Random, current: str, alphabet: str) -> str:
    return rng.choice([c for c in alphabet if c != current])
