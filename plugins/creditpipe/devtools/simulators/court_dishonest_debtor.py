"""法院 失信被执行人 (as the Supreme People's Court list publishes it): the debtors that
江阴市人民法院 (and now and then 无锡市中级人民法院) put on the list."""

from __future__ import annotations

import datetime as dt
import random

from creditpipe.core.identifiers import org_code_check_char
from creditpipe.devtools.simulators import townships
from creditpipe.devtools.simulators.identity import (
    birth_date,
    company_name,
    make_resident_id,
    make_uscc,
    person_name,
)

# (court, its code in case numbers, its pre-2016 abbreviation, share of the listings)
COURTS = [
    ("江阴市人民法院", "苏0281", "澄", 0.9),
    ("无锡市中级人民法院", "苏02", "锡", 0.1),
]
# Where the debtors' ID numbers were issued: mostly 江阴, some from around and afar.
ID_DIVISIONS = ["320281"] * 14 + ["320211", "320282", "321088", "320583", "342622", "412723", "511322"]
TRADES = [
    "贸易有限公司",
    "机械制造有限公司",
    "纺织有限公司",
    "建筑安装工程有限公司",
    "金属制品有限公司",
    "物流有限公司",
    "装饰工程有限公司",
    "电子科技有限公司",
    "化纤有限公司",
    "餐饮管理有限公司",
]
# The six grounds of 最高人民法院关于公布失信被执行人名单信息的若干规定 (2017), art. 1,
# as the published list writes them; a trailing 的 is seen as well.
GROUNDS = [
    "有履行能力而拒不履行生效法律文书确定义务",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "违反财产报告制度",
    "违反限制消费令",
    "无正当理由拒不履行执行和解协议",
]
# {doc}: the kind of document enforced (判决, 调解书, 裁决).
OBLIGATIONS = [
    "{debtor}于本{doc}生效之日起十日内支付{creditor}货款{amount}元及逾期付款利息",
    "{debtor}于本{doc}生效之日起十日内归还{creditor}借款本金{amount}元并支付利息",
    "{debtor}于本{doc}生效之日起三十日内支付{creditor}工程款{amount}元",
    "{debtor}支付{creditor}劳动报酬{amount}元",
    "{debtor}赔偿{creditor}各项损失合计{amount}元",
    "{debtor}支付{creditor}租金{amount}元及违约金",
]


# Labels the platform publishes for the grounds besides article 1's own words: the 2013
# rules' wording it keeps for older entries, and 其它 (seen in its disruptTypeName field).
PUBLISHED_GROUNDS = {
    GROUNDS[0]: ["其他有履行能力而拒不履行生效法律文书确定义务"],
    GROUNDS[1]: ["其他妨碍、抗拒执行"],
    GROUNDS[2]: ["其他规避执行", "其它规避执行"],
    GROUNDS[4]: ["违反限制高消费令"],
    GROUNDS[5]: ["被执行人无正当理由拒不履行执行和解协议"],
}


def mask_id(code: str, rng: random.Random | None = None) -> str:
    """3301061977****0418: how the list publishes a citizen ID (birth month and day hidden);
    a few relays show 11 digits before the mask (37280119701****7692), and an old 15-digit
    number is masked 8 + **** + 3 (31010658****323)."""
    if len(code) == 15:
        return code[:8] + "****" + code[12:]
    if rng is not None and rng.random() < 0.03:
        return code[:11] + "****" + code[14:]
    return code[:10] + "****" + code[14:]


def old_resident_id(code: str) -> str:
    """The 15-digit number of GB 11643-1989 a person born then may still be listed under:
    the division, the year in two digits, month, day and a three-digit sequence."""
    return code[:6] + code[8:17]


def make_org_code(rng: random.Random) -> str:
    """An old organisation code (GB 11714) as printed: 8 digits, '-', the check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    return f"{body}-{org_code_check_char(body)}"


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


ERROR_KINDS = {
    "case_no_format": ("案号", "case_no_format"),
    "masked_id_format": ("身份证号码/组织机构代码", "masked_id_format"),
    "missing_id": ("身份证号码/组织机构代码", "required"),
    "missing_basis_no": ("执行依据文号", "required"),
    "sex_enum": ("性别", "enumeration"),
    "age_invalid": ("年龄", "integer_invalid"),
    "performance_enum": ("被执行人的履行情况", "enumeration"),
    "conduct_enum": ("失信被执行人行为具体情形", "enumeration"),
    "province_enum": ("省份", "enumeration"),
    "impossible_date": ("立案时间", "date_invalid"),
    "future_publish": ("发布时间", "date_in_future"),
    # One case may list several debtors: the key is the case number with the debtor's id.
    "duplicate_case_no": ("案号、身份证号码/组织机构代码", "duplicate_in_delivery"),
}


class Factory:
    """Clean 失信被执行人 records of the courts of 江阴市."""

    def __init__(self, rng: random.Random, department_id: str = "court", serial_base: int = 0):
        self.rng = rng
        self.serial = serial_base
        self.case_numbers: set[str] = set()

    # -- parts ---------------------------------------------------------------------------

    def case_no(self, court_code: str, abbreviation: str, filed: dt.date) -> str:
        """A case number not used before in this delivery."""
        rng = self.rng
        while True:
            if filed.year < 2016:  # the old form, still on the list for old cases
                kind = rng.choice(["执字", "执字", "执恢字"])
                number = f"{abbreviation}{kind}第{rng.randint(1, 6000):05d}号"
            else:
                kind = rng.choices(["执", "执恢"], weights=[9, 1])[0]
                number = f"{court_code}{kind}{rng.randint(1, 12000 if court_code.endswith('0281') else 3000)}号"
            if filed.year >= 2016 and rng.random() < 0.15:
                code = f"({filed.year}){number}"
            else:
                code = f"（{filed.year}）{number}"
            if code not in self.case_numbers:
                self.case_numbers.add(code)
                return code

    def debtor(self, published: dt.date) -> dict:
        rng = self.rng
        if rng.random() < 0.8:
            born = birth_date(rng, 1950, published.year - 22)
            male = rng.random() < 0.7
            code = make_resident_id(rng, born, rng.choice(ID_DIVISIONS), male)
            shown = old_resident_id(code) if born.year < 1960 and rng.random() < 0.2 else code
            return {
                "被执行人姓名/名称": person_name(rng),
                "年龄": str(published.year - born.year),
                "性别": "男" if int(code[16]) % 2 else "女",
                "身份证号码/组织机构代码": mask_id(shown, rng),
                "法定代表人": "",
            }
        if rng.random() < 0.7:
            code = make_uscc(rng, "9", "1")
            if rng.random() < 0.1:  # masked in the middle, as some lists show it
                code = code[:10] + "****" + code[14:]
        else:
            code = make_org_code(rng)
            if rng.random() < 0.5:  # printed without the hyphen
                code = code.replace("-", "")
        return {
            "被执行人姓名/名称": company_name(rng, rng.choice(TRADES)),
            "年龄": "",
            "性别": "",
            "身份证号码/组织机构代码": code,
            "法定代表人": person_name(rng),
        }

    def basis(self, filed: dt.date) -> tuple[str, str, str]:
        """(执行依据文号, 做出执行依据单位, kind of document): the judgment, mediation
        agreement or arbitration award enforced."""
        rng = self.rng
        number, issuer = self._basis_no(filed)
        if issuer.endswith("仲裁委员会"):
            return number, issuer, "裁决"
        return number, issuer, rng.choices(["判决", "调解书"], weights=[7, 3])[0]

    def _basis_no(self, filed: dt.date) -> tuple[str, str]:
        rng = self.rng
        year = filed.year - rng.choice([0, 0, 1, 1, 2])
        pick = rng.random()
        if year < 2016:  # numbers of that time had the old form too
            if pick < 0.7:
                return f"（{year}）澄商初字第{rng.randint(1, 4000):05d}号", "江阴市人民法院"
            if pick < 0.85:
                return f"（{year}）锡商终字第{rng.randint(1, 900):04d}号", "无锡市中级人民法院"
            return f"（{year}）锡仲字第{rng.randint(1, 900):04d}号", "无锡仲裁委员会"
        if pick < 0.7:
            return f"（{year}）苏0281民初{rng.randint(100, 15000)}号", "江阴市人民法院"
        if pick < 0.85:
            return f"（{year}）苏02民终{rng.randint(100, 9000)}号", "无锡市中级人民法院"
        return f"锡仲案字〔{year}〕第{rng.randint(1, 2000)}号", "无锡仲裁委员会"

    def conduct(self) -> str:
        rng = self.rng
        grounds = [GROUNDS[0]]
        if rng.random() < 0.35:
            grounds.append(GROUNDS[3])
        if rng.random() < 0.1:
            grounds.append(GROUNDS[4])
        if rng.random() < 0.05:
            grounds = [rng.choice(GROUNDS[1:3] + GROUNDS[5:])]
        if rng.random() < 0.15:  # the platform's other labels for the same grounds
            grounds = [rng.choice(PUBLISHED_GROUNDS.get(g, [g])) for g in grounds]
        if rng.random() < 0.2:
            grounds = [g + "的" for g in grounds]
        return ("，" if rng.random() < 0.1 else ",").join(grounds)

    # -- the record ----------------------------------------------------------------------

    def record(self, day: dt.date) -> dict:
        """A listing published on ``day`` (the case was filed before)."""
        rng = self.rng
        self.serial += 1
        court, court_code, abbreviation = rng.choices([c[:3] for c in COURTS], weights=[c[3] for c in COURTS])[0]
        published = day
        if rng.random() < 0.04:  # an old case, listed long after it was filed
            filed = dt.date(rng.randint(2013, 2015), rng.randint(1, 12), rng.randint(1, 28))
        else:  # listed one to thirty months after the enforcement case was filed
            filed = _months_before(day, rng.randint(1, 30)) - dt.timedelta(days=rng.randint(0, 20))
        filed = min(filed, day - dt.timedelta(days=30))
        rec = {"被执行人姓名/名称": "", "案号": self.case_no(court_code, abbreviation, filed)}
        party = self.debtor(published)
        basis_no, issuer, doc = self.basis(filed)
        amount = rng.choice([8600, 23500, 48000, 120000, 356000, 1280000]) + rng.randint(0, 99) * 100
        creditor = person_name(rng) if rng.random() < 0.6 else company_name(rng, rng.choice(TRADES))
        obligation = rng.choice(OBLIGATIONS).format(
            debtor=party["被执行人姓名/名称"], creditor=creditor, amount=f"{amount:,}", doc=doc
        )
        partly = rng.random() < 0.15
        paid = round(amount * rng.choice([0.1, 0.2, 0.3, 0.5]))
        rec.update(
            {
                "被执行人姓名/名称": party["被执行人姓名/名称"],
                "年龄": party["年龄"],
                "性别": party["性别"],
                "身份证号码/组织机构代码": party["身份证号码/组织机构代码"],
                "法定代表人": party["法定代表人"],
                "执行法院": court,
                "省份": "江苏",
                "执行依据文号": basis_no,
                "立案时间": filed.isoformat(),
                "做出执行依据单位": issuer,
                "生效法律文书确定的义务": obligation,
                "被执行人的履行情况": "部分未履行" if partly else "全部未履行",
                "已履行部分": f"已履行{paid:,}元" if partly else "",
                "未履行部分": f"{amount - paid:,}元及利息" if partly else "",
                "失信被执行人行为具体情形": self.conduct(),
                "发布时间": published.isoformat(),
            }
        )
        return rec


def list_government_body(record: dict, rng: random.Random, kind: str, masked: bool = False) -> dict:
    """Make a clean record's debtor a government body: a town government (credit code 11,
    机关; ``masked``: its middle masked, as some lists show it) or a village committee (an
    old organisation code). Seed 002 costs the township 3 points for it; the warning rule
    government_debtor must raise it at once."""
    town = rng.choice(townships.TOWNS)  # the county's 镇 (its 街道 have no 镇人民政府)
    if kind == "town_government":
        name, code = f"江阴市{town}镇人民政府", make_uscc(rng, "1", "1")
        code = code[:10] + "****" + code[14:] if masked else code
    else:
        name, code = f"江阴市{town}镇{rng.choice('东西南北')}{rng.choice('苑塘港桥')}村村民委员会", make_org_code(rng)
    old = record["被执行人姓名/名称"]
    record.update(
        {
            "被执行人姓名/名称": name,
            "年龄": "",
            "性别": "",
            "身份证号码/组织机构代码": code,
            "法定代表人": person_name(rng),
        }
    )
    record["生效法律文书确定的义务"] = record["生效法律文书确定的义务"].replace(old, name)
    return record


def is_person(record: dict) -> bool:
    """The list marks a natural person by 性别 (an organisation's code may be masked too)."""
    return bool(record["性别"])


def eligible(record: dict, kind: str) -> bool:
    if kind in ("sex_enum", "age_invalid"):
        return is_person(record)
    return True


def inject(records: list[dict], kind: str, i: int, rng: random.Random, delivered: dt.date) -> list[int]:
    rec = records[i]
    if kind == "case_no_format":
        case_no = rec["案号"]
        year, rest = case_no[1:5], case_no[6:]
        choice = rng.randrange(3)
        if choice == 0:  # a document-number bracket
            rec["案号"] = f"〔{year}〕{rest}"
        elif choice == 1:  # no brackets at all
            rec["案号"] = f"{year}{rest}"
        else:  # the closing 号 lost
            rec["案号"] = case_no[:-1]
    elif kind == "masked_id_format":
        code = rec["身份证号码/组织机构代码"]
        if is_person(rec):  # masked the way other systems do: 6 + 8 asterisks + 4
            rec["身份证号码/组织机构代码"] = code[:6] + "********" + code[-4:]
        else:  # a character lost when typed
            rec["身份证号码/组织机构代码"] = code[:-1] if len(code) == 18 else code[:5] + code[6:]
    elif kind == "missing_id":
        rec["身份证号码/组织机构代码"] = ""
    elif kind == "missing_basis_no":
        rec["执行依据文号"] = ""
    elif kind == "sex_enum":
        rec["性别"] = rng.choice(["男性", "女性", "M", "F"])
    elif kind == "age_invalid":
        rec["年龄"] = rng.choice([f"{rec['年龄']}岁", "0", "8", f"{rec['年龄']}.0"])
    elif kind == "performance_enum":
        rec["被执行人的履行情况"] = rng.choice(["未履行", "全部履行"])
    elif kind == "conduct_enum":
        rec["失信被执行人行为具体情形"] = rng.choice(["拒不履行", "其他规避执行行为", "有能力拒不还款"])
    elif kind == "province_enum":
        rec["省份"] = rng.choice(["江苏省", "苏"])
    elif kind == "impossible_date":
        d = dt.date.fromisoformat(rec["立案时间"])
        rec["立案时间"] = f"{d.year}-02-30" if rng.random() < 0.5 else f"{d.year}-{d.month:02d}-32"
    elif kind == "future_publish":
        rec["发布时间"] = (delivered + dt.timedelta(days=rng.randint(3, 40))).isoformat()
    elif kind == "duplicate_case_no":
        records[i + 1]["案号"] = rec["案号"]
        records[i + 1]["身份证号码/组织机构代码"] = rec["身份证号码/组织机构代码"]
        return [i, i + 1]
    else:
        raise ValueError(kind)
    return [i]
