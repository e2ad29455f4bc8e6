"""市场监管 行政处罚 (双公示 standard): 江阴市市场监督管理局's penalty decisions."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.devtools.simulators.identity import (
    birth_date,
    company_name,
    make_resident_id,
    make_uscc,
    person_name,
    plus_years,
)
from creditpipe.devtools.simulators.party import PARTY_ERROR_KINDS, inject_party, party_eligible

TRADES = [
    "贸易有限公司",
    "食品有限公司",
    "机械制造有限公司",
    "餐饮管理有限公司",
    "电子科技有限公司",
    "建材有限公司",
    "服饰有限公司",
    "化工有限公司",
    "物流有限公司",
]
SHOPS = ["便利店", "小吃店", "五金店", "水果店", "理发店", "副食品店", "饭店", "药店"]
VIOLATIONS = [
    (
        "销售不符合食品安全标准的食品",
        "《中华人民共和国食品安全法》第一百二十四条第一款",
        "当事人于{d}销售的{x}经抽检不符合食品安全国家标准",
    ),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十七条", "当事人未按规定期限公示{y}年度报告"),
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条第一款", "当事人在其网店页面宣称{x}具有不实功效，构成虚假广告"),
    ("不明码标价", "《中华人民共和国价格法》第四十二条", "当事人销售{x}未按规定明码标价"),
    (
        "使用未经检定的计量器具",
        "《中华人民共和国计量法实施细则》第四十三条",
        "当事人在经营场所使用未经检定的电子计价秤",
    ),
    (
        "特种设备未经定期检验继续使用",
        "《中华人民共和国特种设备安全法》第八十四条第一项",
        "当事人使用的电梯超过检验有效期仍继续使用",
    ),
    ("销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条第二款", "当事人销售的{x}侵犯他人注册商标专用权"),
]
GOODS = ["预包装食品", "散装白酒", "儿童服装", "小家电", "保健食品", "化妆品", "蔬菜", "电线电缆"]
AUTHORITY = "江阴市市场监督管理局"
AUTHORITY_USCC = make_uscc(random.Random(320281), authority="1", kind="1")

ERROR_KINDS = {
    **PARTY_ERROR_KINDS,
    "penalty_enum": ("处罚类别", "enumeration"),
    "missing_facts": ("违法事实", "required"),
    "impossible_date": ("处罚决定日期", "date_invalid"),
    "future_date": ("处罚决定日期", "date_in_future"),
    "negative_amount": ("罚款金额（万元）", "amount_invalid"),
    "duplicate_no": ("行政处罚决定书文号", "duplicate_in_delivery"),
}


class Factory:
    """Clean 行政处罚 records of 江阴市市场监督管理局."""

    prefix = "澄市监处罚"
    authority = AUTHORITY
    authority_uscc = AUTHORITY_USCC

    def __init__(self, rng: random.Random, department_id: str = "market", serial_base: int = 0):
        self.rng = rng
        self.serial = serial_base

    def party(self) -> dict:
        rng = self.rng
        category = rng.choices(["法人及非法人组织", "个体工商户", "自然人"], weights=[55, 30, 15])[0]
        rec = {
            "行政相对人名称": "",
            "行政相对人类别": category,
            "统一社会信用代码": "",
            "工商注册号": "",
            "组织机构代码": "",
            "税务登记号": "",
            "事业单位证书号": "",
            "社会组织登记证号": "",
            "法定代表人": "",
            "法定代表人证件类型": "",
            "法定代表人证件号码": "",
            "证件类型": "",
            "证件号码": "",
        }
        if category == "法人及非法人组织":
            rec["行政相对人名称"] = company_name(rng, rng.choice(TRADES))
            rec["统一社会信用代码"] = make_uscc(rng, "9", "1")
        elif category == "个体工商户":
            rec["行政相对人名称"] = f"江阴市{person_name(rng)}{rng.choice(SHOPS)}"
            rec["统一社会信用代码"] = make_uscc(rng, "9", "2")
        else:
            rec["行政相对人名称"] = person_name(rng)
            rec["证件类型"] = "身份证"
            rec["证件号码"] = make_resident_id(rng, birth_date(rng, 1955, 2003))
        if category != "自然人":
            rec["法定代表人"] = person_name(rng)
            rec["法定代表人证件类型"] = "身份证"
            rec["法定代表人证件号码"] = make_resident_id(rng, birth_date(rng, 1960, 1998))
        return rec

    def record(self, decided: dt.date) -> dict:
        rng = self.rng
        self.serial += 1
        rec = self.party()
        vtype, basis, facts = rng.choice(VIOLATIONS)
        goods = rng.choice(GOODS)
        fine = rng.choice([0.05, 0.2, 0.5, 0.8, 1, 1.5, 2, 3, 5, 10])
        confiscated = rng.choice([0, 0, 0, 0.03, 0.12])
        categories = ["罚款"] if confiscated == 0 else ["罚款", "没收违法所得"]
        if rng.random() < 0.15:
            categories.insert(0, "警告")
        content = f"罚款人民币{fine * 10000:,.0f}元" + (
            f"，没收违法所得{confiscated * 10000:,.0f}元" if confiscated else ""
        )
        rec.update(
            {
                "行政处罚决定书文号": f"{self.prefix}〔{decided.year}〕{self.serial:04d}号",
                "违法行为类型": vtype,
                "违法事实": facts.format(d=f"{decided:%Y年%m月}", x=goods, y=decided.year - 1)
                + "，违反了"
                + basis.split("第")[0]
                + "的规定。",
                "处罚依据": basis,
                "处罚类别": ";".join(categories),
                "处罚内容": content,
                "罚款金额（万元）": f"{fine:g}",
                "没收违法所得、没收非法财物的金额（万元）": f"{confiscated:g}" if confiscated else "",
                "暂扣或吊销证照名称及编号": "",
                "处罚决定日期": decided.isoformat(),
                "处罚有效期": plus_years(decided, 3).isoformat(),
                "公示截止期": plus_years(decided, 3).isoformat(),
                "处罚机关": self.authority,
                "处罚机关统一社会信用代码": self.authority_uscc,
                "数据来源单位": self.authority,
                "数据来源单位统一社会信用代码": self.authority_uscc,
                "备注": "",
            }
        )
        return rec


def eligible(record: dict, kind: str) -> bool:
    shared = party_eligible(record, kind)
    if shared is not None:
        return shared
    return True


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    rec = records[i]
    if inject_party(rec, kind, rng):
        return [i]
    if kind == "penalty_enum":
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
        records[i + 1]["行政处罚决定书文号"] = rec["行政处罚决定书文号"]
        return [i, i + 1]
    else:
        raise ValueError(kind)
    return [i]
