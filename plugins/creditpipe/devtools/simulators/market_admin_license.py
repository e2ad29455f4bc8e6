"""市场监管 行政许可 (双公示 standard): licences decided by 江阴市行政审批局 (business
registration, food business, pharmacies) and 江阴市市场监督管理局 (special equipment)."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.core.identifiers import is_valid_uscc
from creditpipe.devtools.simulators.identity import (
    COUNTY,
    USCC_CHARS,
    birth_date,
    company_name,
    make_resident_id,
    make_uscc,
    other_char,
    person_name,
    plus_years,
)
from creditpipe.devtools.simulators.party import PARTY_ERROR_KINDS, inject_party, party_eligible

MARKET = "江阴市市场监督管理局"
MARKET_USCC = make_uscc(random.Random(320281), authority="1", kind="1")  # as in market_admin_penalty
APPROVAL = "江阴市行政审批局"
APPROVAL_USCC = make_uscc(random.Random("320281-xzsp"), authority="1", kind="1")
FOREVER = "2099-12-31"  # the standard's 有效期至 for a licence without end

TRADES = [
    "贸易有限公司",
    "食品有限公司",
    "机械制造有限公司",
    "餐饮管理有限公司",
    "电子科技有限公司",
    "建材有限公司",
    "纺织有限公司",
    "物业管理有限公司",
    "物流有限公司",
    "新材料科技有限公司",
]
SHOPS = {  # (name suffix, food licence content)
    "食品销售": [
        ("便利店", "预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售"),
        ("副食品店", "预包装食品（不含冷藏冷冻食品）销售；散装食品（含冷藏冷冻食品）销售"),
        ("水果店", "预包装食品（不含冷藏冷冻食品）销售"),
        ("超市", "预包装食品（含冷藏冷冻食品）销售；散装食品（含冷藏冷冻食品、含熟食）销售；保健食品销售"),
    ],
    "餐饮服务": [
        ("小吃店", "热食类食品制售"),
        ("饭店", "热食类食品制售；冷食类食品制售"),
        ("面馆", "热食类食品制售"),
        ("奶茶店", "自制饮品制售（不含自酿酒）"),
        ("烧烤店", "热食类食品制售"),
    ],
}
FOOD_TRADES = {
    "食品销售": ["商贸有限公司", "超市有限公司", "食品贸易有限公司"],
    "餐饮服务": ["餐饮管理有限公司", "餐饮有限公司", "酒店管理有限公司"],
}
FOOD_SUBJECT = {"食品销售": "1", "餐饮服务": "2"}  # 食品经营许可证编号 JY + 主体业态
# 经营范围 by the party's trade (the end of its name).
SCOPES = {
    "贸易有限公司": "一般项目：五金产品批发；日用百货销售；金属材料销售",
    "食品有限公司": "许可项目：食品生产；食品销售。一般项目：食用农产品批发",
    "机械制造有限公司": "一般项目：通用设备制造（不含特种设备制造）；机械零件、零部件加工",
    "餐饮管理有限公司": "许可项目：餐饮服务。一般项目：餐饮管理",
    "电子科技有限公司": "一般项目：技术服务、技术开发、技术咨询；电子元器件制造",
    "建材有限公司": "一般项目：建筑材料销售；水泥制品销售",
    "纺织有限公司": "一般项目：面料纺织加工；针纺织品销售",
    "物业管理有限公司": "一般项目：物业管理；停车场服务",
    "物流有限公司": "许可项目：道路货物运输（不含危险货物）。一般项目：国内货物运输代理",
    "新材料科技有限公司": "一般项目：新材料技术研发；合成材料销售",
    "五金店": "一般项目：五金产品零售；日用百货销售",
    "服装店": "一般项目：服装服饰零售；鞋帽零售",
    "理发店": "一般项目：理发服务",
    "便利店": "许可项目：食品销售。一般项目：日用百货销售",
}
# (equipment, registration certificate prefix, equipment type code)
EQUIPMENT = [
    ("曳引驱动乘客电梯", "梯11", "3110"),
    ("曳引驱动载货电梯", "梯11", "3120"),
    ("叉车（场（厂）内专用机动车辆）", "车11", "5110"),
    ("通用桥式起重机", "起17", "4110"),
    ("承压热水锅炉", "锅11", "1200"),
    ("固定式压力容器（储气罐）", "容1A", "2110"),
]
MAKERS = ["320200", "320500", "310000", "330100", "370100", "320281"]  # where equipment is made
WORKER_ITEMS = [
    ("N1", "叉车司机"),
    ("Q2", "起重机司机"),
    ("G1", "工业锅炉司炉"),
    ("R1", "快开门式压力容器操作"),
    ("A", "特种设备安全管理"),
]

ERROR_KINDS = {
    **PARTY_ERROR_KINDS,
    "legal_rep_id_check": ("法定代表人证件号码", "resident_id_invalid"),
    "authority_uscc_check": ("许可机关统一社会信用代码", "uscc_invalid"),
    "license_category_enum": ("许可类别", "enumeration"),
    "status_enum": ("当前状态", "enumeration"),
    "missing_content": ("许可内容", "required"),
    "missing_doc_name": ("行政许可决定文书名称", "required"),
    "impossible_date": ("许可决定日期", "date_invalid"),
    "future_date": ("许可决定日期", "date_in_future"),
    "valid_from_format": ("有效期自", "date_invalid"),
    "valid_until_text": ("有效期至", "date_invalid"),
    "duplicate_no": ("行政许可决定文书号", "duplicate_in_delivery"),
}


def _blank_party(category: str) -> dict:
    return {
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


class Factory:
    """Clean 行政许可 records delivered by 市场监管 (its own and 行政审批局's decisions)."""

    def __init__(self, rng: random.Random, department_id: str = "market", serial_base: int = 0):
        self.rng = rng
        self.department_id = department_id
        self.serial = serial_base

    # -- parties -------------------------------------------------------------------------
    def organisation(self, shop: str | None = None, trades: list[str] = TRADES) -> dict:
        """A company, or an individual business named after its operator's ``shop``."""
        rng = self.rng
        boss = person_name(rng)
        if shop:
            rec = _blank_party("个体工商户")
            rec["行政相对人名称"] = (
                f"江阴市{rng.choice(['澄江', '华士', '周庄', '新桥', '青阳', '徐霞客', '璜土', '月城'])}{boss}{shop}"
            )
            rec["统一社会信用代码"] = make_uscc(rng, "9", "2")
        else:
            rec = _blank_party("法人及非法人组织")
            rec["行政相对人名称"] = company_name(rng, rng.choice(trades))
            rec["统一社会信用代码"] = make_uscc(rng, "9", "1")
        rec["法定代表人"] = boss
        rec["法定代表人证件类型"] = "身份证"
        rec["法定代表人证件号码"] = make_resident_id(rng, birth_date(rng, 1962, 2000))
        return rec

    def person(self) -> dict:
        rng = self.rng
        rec = _blank_party("自然人")
        rec["行政相对人名称"] = person_name(rng)
        rec["证件类型"] = "身份证"
        rec["证件号码"] = make_resident_id(rng, birth_date(rng, 1966, 2003))
        return rec

    # -- licences ------------------------------------------------------------------------
    def food(self, day: dt.date) -> dict:
        rng = self.rng
        trade = rng.choice(list(SHOPS))
        shop, content = rng.choice(SHOPS[trade])
        rec = self.organisation(shop) if rng.random() < 0.7 else self.organisation(trades=FOOD_TRADES[trade])
        number = f"JY{FOOD_SUBJECT[trade]}{COUNTY}{self.serial % 1000000:06d}{rng.randint(0, 9)}"
        rec.update(
            {
                "行政许可决定文书名称": "准予行政许可决定书",
                "行政许可决定文书号": f"澄行审食许〔{day.year}〕{self.serial:05d}号",
                "许可类别": "普通",
                "许可证书名称": "食品经营许可证",
                "许可编号": number,
                "许可内容": f"准予食品经营许可。主体业态：{trade}经营者；经营项目：{content}",
                "有效期至": (plus_years(day, 5) - dt.timedelta(days=1)).isoformat(),
            }
        )
        return self.by(rec, APPROVAL, APPROVAL_USCC)

    def registration(self, day: dt.date) -> dict:
        rng = self.rng
        rec = self.organisation(rng.choice(["五金店", "服装店", "理发店", "便利店"]) if rng.random() < 0.45 else None)
        kind = rng.choice(["设立", "设立", "变更"])
        if kind == "设立":
            name = rec["行政相对人名称"]
            scope = next(v for k, v in SCOPES.items() if name.endswith(k))
            content = f"准予设立登记。经营范围：{scope}"
        else:
            content = rng.choice(
                ["准予变更登记：住所变更", "准予变更登记：法定代表人变更", "准予变更登记：经营范围变更"]
            )
            if rec["行政相对人类别"] == "个体工商户":
                content = content.replace("法定代表人", "经营者")
        rec.update(
            {
                "行政许可决定文书名称": f"准予{kind}登记通知书",
                "行政许可决定文书号": f"澄行审登字〔{day.year}〕第{self.serial:05d}号",
                "许可类别": "登记",
                "许可证书名称": "营业执照",
                "许可编号": rec["统一社会信用代码"],
                "许可内容": content,
                "有效期至": FOREVER,
            }
        )
        return self.by(rec, APPROVAL, APPROVAL_USCC)

    def pharmacy(self, day: dt.date) -> dict:
        rng = self.rng
        rec = self.organisation()
        rec["行政相对人名称"] = (
            f"江阴市{rng.choice(['百姓', '康佳', '济民', '天济', '益丰', '润泽'])}大药房{rng.choice(['', '连锁'])}有限公司{rng.choice(['澄江', '华士', '周庄', '青阳', '南闸'])}店"
        )
        rec.update(
            {
                "行政许可决定文书名称": "准予行政许可决定书",
                "行政许可决定文书号": f"澄行审药许〔{day.year}〕{self.serial:05d}号",
                "许可类别": "普通",
                "许可证书名称": "药品经营许可证",
                "许可编号": f"苏DA{rng.randint(5100000, 5109999)}",
                "许可内容": "准予药品经营许可。经营方式：零售；经营范围：中药饮片、中成药、化学药、生物制品（除疫苗）",
                "有效期至": (plus_years(day, 5) - dt.timedelta(days=1)).isoformat(),
            }
        )
        return self.by(rec, APPROVAL, APPROVAL_USCC)

    def equipment(self, day: dt.date) -> dict:
        rng = self.rng
        rec = self.organisation()
        what, code, type_code = rng.choice(EQUIPMENT)
        number = f"{code}苏B{rng.randint(1000, 99999):05d}（{day:%y}）"
        rec.update(
            {
                "行政许可决定文书名称": "特种设备使用登记证",
                "行政许可决定文书号": f"澄市监特登〔{day.year}〕{self.serial:05d}号",
                "许可类别": "登记",
                "许可证书名称": "特种设备使用登记证",
                "许可编号": number,
                "许可内容": f"{what}使用登记，设备代码{type_code}{rng.choice(MAKERS)}{day.year - rng.randint(0, 2)}{rng.randint(1, 9999):04d}",
                "有效期至": FOREVER,
            }
        )
        return self.by(rec, MARKET, MARKET_USCC)

    def operator(self, day: dt.date) -> dict:
        rng = self.rng
        rec = self.person()
        code, item = rng.choice(WORKER_ITEMS)
        rec.update(
            {
                "行政许可决定文书名称": "特种设备安全管理和作业人员证",
                "行政许可决定文书号": f"澄市监特作〔{day.year}〕{self.serial:05d}号",
                "许可类别": "认可",
                "许可证书名称": "特种设备安全管理和作业人员证",
                "许可编号": rec["证件号码"],
                "许可内容": f"特种设备作业人员资格认定：{item}（{code}）",
                "有效期至": (plus_years(day, 4) - dt.timedelta(days=1)).isoformat(),
            }
        )
        return self.by(rec, MARKET, MARKET_USCC)

    def by(self, rec: dict, authority: str, authority_uscc: str) -> dict:
        rec.update(
            {
                "许可机关": authority,
                "许可机关统一社会信用代码": authority_uscc,
                "当前状态": "有效",
                "数据来源单位": MARKET,
                "数据来源单位统一社会信用代码": MARKET_USCC,
            }
        )
        return rec

    def record(self, day: dt.date) -> dict:
        rng = self.rng
        self.serial += 1
        make = rng.choices(
            [self.food, self.registration, self.pharmacy, self.equipment, self.operator], weights=[40, 35, 5, 12, 8]
        )[0]
        rec = make(day)
        rec["许可决定日期"] = day.isoformat()
        rec["有效期自"] = day.isoformat()
        rec["备注"] = ""
        return {k: rec[k] for k in FIELDS}


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
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "许可机关统一社会信用代码",
    "当前状态",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
]


def eligible(record: dict, kind: str) -> bool:
    shared = party_eligible(record, kind)
    if shared is not None:
        return shared
    person = record["行政相对人类别"] == "自然人"
    if kind in ("legal_rep_id_check",):
        return not person
    return True


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    rec = records[i]
    if inject_party(rec, kind, rng):
        return [i]
    if kind == "legal_rep_id_check":
        code = rec["法定代表人证件号码"]
        rec["法定代表人证件号码"] = (
            code[:16] if rng.random() < 0.5 else code[:17] + other_char(rng, code[17], "0123456789X")
        )
    elif kind == "authority_uscc_check":
        code = rec["许可机关统一社会信用代码"]
        # Keyed in by hand: two neighbouring characters swapped (the check character
        # catches every swap of two different characters), else the last one mistyped.
        k = rng.randint(8, 15)
        swapped = code[:k] + code[k + 1] + code[k] + code[k + 2 :]
        if swapped == code or is_valid_uscc(swapped):
            swapped = code[:17] + other_char(rng, code[17], USCC_CHARS)
        rec["许可机关统一社会信用代码"] = swapped
    elif kind == "license_category_enum":
        rec["许可类别"] = {"普通": "普通许可", "登记": "登记类", "认可": "资格认定"}.get(rec["许可类别"], "一般")
    elif kind == "status_enum":
        rec["当前状态"] = rng.choice(["存续", "正常", "在业"])
    elif kind == "missing_content":
        rec["许可内容"] = ""
    elif kind == "missing_doc_name":
        rec["行政许可决定文书名称"] = ""
    elif kind == "impossible_date":
        d = dt.date.fromisoformat(rec["许可决定日期"])
        rec["许可决定日期"] = f"{d.year}-02-30" if rng.random() < 0.5 else f"{d.year}-{d.month:02d}-32"
    elif kind == "future_date":
        rec["许可决定日期"] = (delivered + dt.timedelta(days=rng.randint(3, 40))).isoformat()
    elif kind == "valid_from_format":
        d = dt.date.fromisoformat(rec["有效期自"])
        rec["有效期自"] = rng.choice([f"{d:%Y.%m.%d}", f"{d.year}年{d.month}月{d.day}日"])
    elif kind == "valid_until_text":
        rec["有效期至"] = rng.choice(["长期", "长期有效", "永久"])
    elif kind == "duplicate_no":
        records[i + 1]["行政许可决定文书号"] = rec["行政许可决定文书号"]
        return [i, i + 1]
    else:
        raise ValueError(kind)
    return [i]
