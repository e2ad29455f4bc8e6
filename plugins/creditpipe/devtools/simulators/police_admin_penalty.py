"""公安 行政处罚 (双公示 standard): traffic penalties of 江阴市公安局交通警察大队 (detention
by 江阴市公安局) and fire-safety penalties of 江阴市消防救援大队 (detention by 江阴市公安局),
delivered through the police front-end database. Simple-procedure (on-the-spot) penalties
are not reported, so every record is a general-procedure decision."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.devtools.simulators import market_admin_penalty
from creditpipe.devtools.simulators.identity import (
    birth_date,
    company_name,
    make_resident_id,
    make_uscc,
    person_name,
    plus_years,
)
from creditpipe.devtools.simulators.party import PARTY_ERROR_KINDS, inject_party, party_eligible

POLICE = "江阴市公安局"
POLICE_USCC = make_uscc(random.Random("320281-gongan"), authority="1", kind="1")
TRAFFIC = "江阴市公安局交通警察大队"
TRAFFIC_USCC = make_uscc(random.Random("320281-jiaojing"), authority="1", kind="1")
FIRE = "江阴市消防救援大队"
FIRE_USCC = make_uscc(random.Random("320281-xiaofang"), authority="1", kind="1")

ROAD_LAW = "《中华人民共和国道路交通安全法》"
FIRE_LAW = "《中华人民共和国消防法》"
ROADS = [
    "澄江中路",
    "芙蓉大道",
    "长山大道",
    "滨江西路",
    "锡澄路",
    "澄杨路",
    "虹桥北路与人民东路交叉口",
    "通渡南路",
    "S229省道华士段",
    "澄鹿路",
    "青祝路",
    "月城大街",
    "暨南大道",
    "绮山路",
]
# Where a fire-safety violation was found: a shop's, a company's, or where a person worked.
SHOP_PLACES = ["一楼营业厅", "二楼", "三楼包厢区", "后厨", "客房楼层"]
FACTORY_PLACES = ["生产车间", "仓库", "办公楼", "员工宿舍楼"]
WORK_PLACES = ["某厂生产车间", "某建筑工地", "某小区地下车库", "出租房内"]
CARS = ["小型轿车", "小型普通客车", "轻型厢式货车", "重型半挂牵引车", "二轮摩托车"]

# Traffic, natural persons: (违法行为类型, 处罚依据, 违法事实, 处罚类别, fines in 万元,
# detention days (0: none), driving licence suspended/revoked: "" / "暂扣" / "吊销").
TRAFFIC_PERSON = [
    (
        "饮酒后驾驶机动车",
        "第九十一条第一款",
        "当事人于{when}饮酒后驾驶{plate}{car}行驶至{road}，经呼气酒精含量检测，"
        "结果为{alcohol}mg/100ml，属饮酒后驾驶机动车",
        ["罚款", "暂扣许可证件"],
        [0.1, 0.15, 0.2],
        0,
        "暂扣",
    ),
    (
        "饮酒后驾驶营运机动车",
        "第九十一条第三款",
        "当事人于{when}饮酒后驾驶营运车辆{plate}{car}行驶至{road}，经呼气酒精含量检测，结果为{alcohol}mg/100ml",
        ["罚款", "吊销许可证件", "行政拘留"],
        [0.5],
        15,
        "吊销",
    ),
    (
        "未取得机动车驾驶证驾驶机动车",
        "第九十九条第一款第一项",
        "当事人于{when}未取得机动车驾驶证驾驶{plate}{car}行驶至{road}",
        ["罚款", "行政拘留"],
        [0.1, 0.15, 0.2],
        5,
        "",
    ),
    (
        "使用伪造、变造的机动车号牌",
        "第九十六条第一款",
        "当事人于{when}驾驶悬挂伪造号牌{plate}的{car}行驶至{road}",
        ["罚款", "行政拘留"],
        [0.2, 0.3, 0.5],
        10,
        "",
    ),
    (
        "驾驶未按规定投保交强险的机动车",
        "第九十八条第一款",
        "当事人于{when}驾驶未按规定投保机动车交通事故责任强制保险的{plate}{car}行驶至{road}",
        ["罚款"],
        [0.19],
        0,
        "",
    ),
    (
        "驾驶已达报废标准的机动车",
        "第一百条第二款",
        "当事人于{when}驾驶已达报废标准的{plate}{car}上道路行驶至{road}",
        ["罚款", "吊销许可证件"],
        [0.1, 0.2],
        0,
        "吊销",
    ),
    (
        "机动车行驶超过规定时速百分之五十以上",
        "第九十九条第一款第四项",
        "当事人于{when}驾驶{plate}{car}在{road}以{speed}公里/小时的速度行驶，超过规定时速百分之五十以上",
        ["罚款"],
        [0.1, 0.15, 0.2],
        0,
        "",
    ),
]
# Traffic, organisations: the vehicle owner.
TRAFFIC_ORG = [
    (
        "将机动车交由未取得机动车驾驶证的人驾驶",
        "第九十九条第一款第二项",
        "当事人于{when}将其所有的{plate}{car}交由未取得机动车驾驶证的人员驾驶，行驶至{road}",
        ["罚款"],
        [0.1, 0.2],
        0,
        "",
    ),
    (
        "货运机动车超过核定载质量百分之三十以上",
        "第九十二条第二款",
        "当事人所有的{plate}重型货车于{when}在{road}被查获超过核定载质量百分之三十以上",
        ["罚款"],
        [0.1, 0.15, 0.2],
        0,
        "",
    ),
]
# Fire safety, organisations and individual businesses (消防救援大队).
FIRE_ORG = [
    (
        "占用、堵塞、封闭疏散通道、安全出口",
        "第六十条第一款第三项",
        "当事人经营场所{place}疏散通道被货物堵塞、安全出口被锁闭",
        ["罚款"],
        [0.5, 0.8, 1, 1.5],
        0,
        "",
    ),
    (
        "消防设施、器材未保持完好有效",
        "第六十条第一款第一项",
        "当事人经营场所{place}室内消火栓无水、火灾自动报警系统处于故障状态",
        ["罚款"],
        [0.5, 1, 2, 3],
        0,
        "",
    ),
    (
        "埋压、圈占、遮挡消火栓",
        "第六十条第一款第四项",
        "当事人在厂区堆放物料遮挡室外消火栓",
        ["罚款"],
        [0.5, 0.6, 1],
        0,
        "",
    ),
    (
        "人员密集场所在门窗上设置影响逃生和灭火救援的障碍物",
        "第六十条第一款第六项",
        "当事人经营场所{place}外窗设置金属防盗网",
        ["罚款"],
        [0.5, 0.8],
        0,
        "",
    ),
    (
        "对火灾隐患经通知后不及时采取措施消除",
        "第六十条第一款第七项",
        "当事人对消防救援机构责令改正的火灾隐患逾期未改正",
        ["罚款"],
        [0.5, 1, 2],
        0,
        "",
    ),
    (
        "公众聚集场所未经消防安全检查擅自投入使用、营业",
        "第五十八条第一款第四项",
        "当事人经营场所未经消防安全检查擅自投入使用、营业",
        ["罚款", "责令停产停业"],
        [3, 5, 8],
        0,
        "",
    ),
    (
        "易燃易爆危险品场所与居住场所设置在同一建筑物内",
        "第六十一条第一款",
        "当事人将储存易燃易爆危险品的仓库与员工宿舍设置在同一建筑物内",
        ["罚款", "责令停产停业"],
        [0.5, 1, 2],
        0,
        "",
    ),
]
# Fire safety, natural persons: a warning by 消防救援大队, detention by 公安局.
FIRE_PERSON = [
    (
        "占用、堵塞、封闭疏散通道",
        "第六十条第二款",
        "当事人在其居住楼栋疏散楼梯间堆放杂物、停放电动自行车，堵塞疏散通道",
        ["警告"],
        [],
        0,
        "",
    ),
    (
        "过失引起火灾",
        "第六十四条第二项",
        "当事人于{when}在{place}违规使用电动自行车充电，过失引起火灾",
        ["行政拘留"],
        [],
        10,
        "",
    ),
    (
        "在具有火灾、爆炸危险的场所违反规定使用明火",
        "第六十三条第二项",
        "当事人于{when}在{place}违反规定进行电焊明火作业",
        ["行政拘留"],
        [],
        3,
        "",
    ),
]
SHOPS = ["饭店", "小吃店", "宾馆", "网吧", "KTV", "五金店", "超市"]
FIRE_TRADES = [
    "纺织有限公司",
    "机械制造有限公司",
    "物业管理有限公司",
    "商贸有限公司",
    "酒店管理有限公司",
    "化工有限公司",
]
HAULIERS = ["物流有限公司", "运输有限公司", "建材有限公司"]
CHINESE_DAYS = "零一二三四五六七八九十"

ERROR_KINDS = {
    **PARTY_ERROR_KINDS,
    "id_excel": ("证件号码", "resident_id_invalid"),
    "id_type_enum": ("证件类型", "enumeration"),
    "penalty_enum": ("处罚类别", "enumeration"),
    "missing_facts": ("违法事实", "required"),
    "missing_basis": ("处罚依据", "required"),
    "impossible_date": ("处罚决定日期", "date_invalid"),
    "future_date": ("处罚决定日期", "date_in_future"),
    "negative_amount": ("罚款金额（万元）", "amount_invalid"),
    "amount_in_yuan": ("罚款金额（万元）", "amount_invalid"),
    "duplicate_no": ("行政处罚决定书文号", "duplicate_in_delivery"),
}

FIELDS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "工商注册号",
    "组织机构代码",
    "税务登记号",
    "事业单位证书号",
    "社会组织登记证号",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
]


def plus_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def plate(rng: random.Random) -> str:
    if rng.random() < 0.2:  # new-energy plate
        return "苏B" + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "苏B" + "".join(rng.choice(letters + "0123456789" * 3) for _ in range(5))


def chinese_days(n: int) -> str:
    return CHINESE_DAYS[n] if n <= 10 else "十" + CHINESE_DAYS[n - 10]


class Factory:
    """Clean 行政处罚 records of the police feed (traffic and fire safety)."""

    def __init__(self, rng: random.Random, department_id: str = "police", serial_base: int = 0):
        self.rng = rng
        self.department_id = department_id
        self.serial = serial_base

    def blank(self, category: str) -> dict:
        return {f: "" for f in FIELDS} | {"行政相对人类别": category}

    def person(self) -> dict:
        rng = self.rng
        rec = self.blank("自然人")
        rec["行政相对人名称"] = person_name(rng)
        rec["证件类型"] = "身份证"
        division = rng.choices(["320281", "320282", "321281", "340826", "412702"], weights=[80, 5, 5, 5, 5])[0]
        rec["证件号码"] = make_resident_id(rng, birth_date(rng, 1958, 2004), division)
        return rec

    def organisation(self, trades: list[str], shop: bool) -> dict:
        rng = self.rng
        boss = person_name(rng)
        if shop:
            rec = self.blank("个体工商户")
            rec["行政相对人名称"] = (
                f"江阴市{rng.choice(['澄江', '华士', '周庄', '新桥', '青阳', '璜土', '云亭'])}{boss}{rng.choice(SHOPS)}"
            )
            rec["统一社会信用代码"] = make_uscc(rng, "9", "2")
        else:
            rec = self.blank("法人及非法人组织")
            rec["行政相对人名称"] = company_name(rng, rng.choice(trades))
            rec["统一社会信用代码"] = make_uscc(rng, "9", "1")
        rec["法定代表人"] = boss
        rec["法定代表人证件类型"] = "身份证"
        rec["法定代表人证件号码"] = make_resident_id(rng, birth_date(rng, 1962, 1998))
        return rec

    def record(self, decided: dt.date) -> dict:
        rng = self.rng
        self.serial += 1
        domain = rng.choices(["traffic_person", "traffic_org", "fire_org", "fire_person"], weights=[58, 6, 28, 8])[0]
        if domain == "traffic_person":
            rec, case = self.person(), rng.choice(TRAFFIC_PERSON)
        elif domain == "traffic_org":
            rec, case = self.organisation(HAULIERS, shop=False), rng.choice(TRAFFIC_ORG)
        elif domain == "fire_org":
            rec, case = self.organisation(FIRE_TRADES, shop=rng.random() < 0.4), rng.choice(FIRE_ORG)
        else:
            rec, case = self.person(), rng.choice(FIRE_PERSON)
        vtype, article, facts, categories, fines, detention, licence = case
        places = {"个体工商户": SHOP_PLACES, "法人及非法人组织": FACTORY_PLACES}.get(rec["行政相对人类别"], WORK_PLACES)
        law = ROAD_LAW if domain.startswith("traffic") else FIRE_LAW
        happened = decided - dt.timedelta(days=rng.randint(0, 20))
        when = f"{happened:%Y年%m月%d日}{rng.randint(0, 23)}时许"
        text = facts.format(
            when=when,
            plate=plate(rng),
            car=rng.choice(CARS),
            road=rng.choice(ROADS),
            alcohol=rng.randint(20, 79),
            speed=rng.randint(95, 140),
            place=rng.choice(places),
        )

        fine = rng.choice(fines) if fines else None
        content = []
        if "警告" in categories:
            content.append("警告")
        if fine is not None:
            content.append(f"罚款人民币{fine * 10000:.0f}元")
        if licence == "暂扣":
            content.append("暂扣机动车驾驶证六个月")
        elif licence == "吊销":
            content.append("吊销机动车驾驶证")
        if "责令停产停业" in categories:
            content.append("责令停产停业")
        if detention:
            days = detention + (rng.randint(0, 5) if 10 <= detention < 15 else 0)
            content.append(f"行政拘留{chinese_days(days)}日")

        if detention:  # only a public security organ may detain
            authority, authority_uscc = POLICE, POLICE_USCC
        else:
            authority, authority_uscc = (TRAFFIC, TRAFFIC_USCC) if law == ROAD_LAW else (FIRE, FIRE_USCC)
        if law == ROAD_LAW:
            number = f"澄公（交）行罚决字〔{decided.year}〕{self.serial:04d}号"
        elif authority == POLICE:
            number = f"澄公（治）行罚决字〔{decided.year}〕{self.serial:04d}号"
        else:
            number = f"澄消行罚决字〔{decided.year}〕{self.serial:04d}号"
        suspended = ""
        if licence and rec["证件号码"]:
            suspended = f"机动车驾驶证（{rec['证件号码']}）"  # the licence number is the ID number
        warning_only = categories == ["警告"]
        rec.update(
            {
                "行政处罚决定书文号": number,
                "违法行为类型": vtype,
                "违法事实": text + f"，违反了{law}的规定。",
                "处罚依据": f"{law}{article}",
                "处罚类别": ";".join(categories),
                "处罚内容": "，".join(content),
                "罚款金额（万元）": f"{fine:g}" if fine is not None else "",
                "没收违法所得、没收非法财物的金额（万元）": "",
                "暂扣或吊销证照名称及编号": suspended,
                "处罚决定日期": decided.isoformat(),
                "处罚有效期": (plus_months(decided, 6) if licence == "暂扣" else plus_years(decided, 3)).isoformat(),
                "公示截止期": (plus_months(decided, 3) if warning_only else plus_years(decided, 3)).isoformat(),
                "处罚机关": authority,
                "处罚机关统一社会信用代码": authority_uscc,
                "数据来源单位": authority,
                "数据来源单位统一社会信用代码": authority_uscc,
                "备注": "",
            }
        )
        return {f: rec[f] for f in FIELDS}


def eligible(record: dict, kind: str) -> bool:
    shared = party_eligible(record, kind)
    if shared is not None:
        return shared
    person = record["行政相对人类别"] == "自然人"
    if kind in ("id_excel", "id_type_enum"):
        return person
    if kind in ("negative_amount", "amount_in_yuan"):
        return record["罚款金额（万元）"] != ""
    return True


# Kinds the police share with 市场监管's penalties (the same 双公示 standard): broken the same way.
SHARED_PENALTY_KINDS = ("missing_facts", "impossible_date", "future_date", "negative_amount", "duplicate_no")


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    if kind in SHARED_PENALTY_KINDS:
        return market_admin_penalty.inject(records, kind, i, rng, delivered)
    rec = records[i]
    if inject_party(rec, kind, rng):
        return [i]
    if kind == "id_excel":  # the column was left as a number in Excel
        rec["证件号码"] = f"{float(rec['证件号码'][:17] + '0'):.5E}"  # 3.20281E+17
    elif kind == "id_type_enum":
        rec["证件类型"] = rng.choice(["机动车驾驶证", "驾驶证"])
    elif kind == "penalty_enum":
        old = rec["处罚类别"]
        new = (
            old.replace("暂扣许可证件", "暂扣机动车驾驶证")
            .replace("吊销许可证件", "吊销机动车驾驶证")
            .replace("行政拘留", "拘留")
        )
        if new == old:
            new = old.replace("罚款", "罚金") if "罚款" in old else "警告处分"
        rec["处罚类别"] = new
    elif kind == "missing_basis":
        rec["处罚依据"] = ""
    elif kind == "amount_in_yuan":
        rec["罚款金额（万元）"] = f"{float(rec['罚款金额（万元）']) * 10000:.0f}元"
    else:
        raise ValueError(kind)
    return [i]
