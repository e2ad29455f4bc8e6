"""Check characters of the two national identifiers (pure functions, no I/O).

统一社会信用代码 (GB 32100-2015) and 公民身份号码 (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
_USCC_SHAPE = re.compile(r"^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$")

# GB 32100 appendix: registering authority (position 1) → entity types (position 2).
USCC_ENTITY_TYPES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群团, 其他
    "2": "19",  # 外交
    "3": "1234569",  # 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委, 其他
    "4": "19",  # 文化
    # 民政: 社会团体, 民办非企业单位, 基金会, 村民委员会, 居民委员会, 其他. GB 32100-2015 and its
    # amendment 1 list 1, 2, 3, 9; village and residents' committees (基层群众性自治组织特别法人,
    # coded by 民政 since 2018) carry 54 and 55 — as field validators write them (e.g. the
    # xiahaimoyu credentialkit OrgCategory enum: "54" 村民委员会, "55" 居民委员会; a published JS
    # validator's "村民委员会:54打头") and as the payment platforms' certificate type
    # "基层群众性自治组织特别法人统一社会信用代码证" issues them. Refusing them would refuse every
    # committee, the bodies the township monitoring watches (issue 17).
    "5": "123459",
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
# Provinces of GB/T 2260 (positions 1–2 of a division code); 10 = registered nationally.
PROVINCES = {
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def uscc_check_char(first17: str) -> str | None:
    """The check character the first 17 characters call for, or None if they cannot."""
    if len(first17) != 17 or any(c not in USCC_VALUE for c in first17):
        return None
    total = sum(USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: object) -> bool:
    if not isinstance(code, str) or not _USCC_SHAPE.match(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def uscc_structure_problem(code: str) -> str | None:
    """Which structural position of an 18-character code is impossible, in Chinese; None if
    none is. (The check character is a separate rule.)"""
    authority, kind, division = code[0], code[1], code[2:8]
    if authority not in USCC_ENTITY_TYPES:
        return f"第1位登记管理部门代码“{authority}”不存在"
    if kind not in USCC_ENTITY_TYPES[authority]:
        return f"第2位机构类别代码“{kind}”与登记管理部门“{authority}”不符"
    if not division.isdigit() or division[:2] not in PROVINCES:
        return f"第3–8位登记管理机关行政区划码“{division}”不存在"
    return None


def has_valid_uscc_structure(code: object) -> bool:
    """Authority, entity type and division of a code in the right alphabet and length;
    other shapes are the check rule's to report."""
    if not isinstance(code, str) or not _USCC_SHAPE.match(code):
        return True
    return uscc_structure_problem(code) is None


def has_valid_embedded_org_code(code: object) -> bool:
    """The GB 11714 check of positions 9–17 (a warning only: old codes were issued with errors)."""
    if not isinstance(code, str) or not _USCC_SHAPE.match(code):
        return True
    return org_code_check_char(code[8:16]) == code[16]


def resident_id_check_char(first17: str) -> str | None:
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        return None
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def resident_id_birth_date(code: str) -> dt.date | None:
    try:
        return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def is_valid_resident_id(code: object, as_of: dt.date | None = None) -> bool:
    """18 characters, a birth date that exists and is not after ``as_of``, the right
    check character. A lowercase x counts as X."""
    if not isinstance(code, str):
        return False
    code = code.upper()
    if not _ID_SHAPE.match(code) or code[:2] not in PROVINCES - {"10"}:
        return False
    born = resident_id_birth_date(code)
    if born is None or born < dt.date(1880, 1, 1):
        return False
    if as_of is not None and born > as_of:
        return False
    return resident_id_check_char(code[:17]) == code[17]


def mask_resident_id(code: str) -> str:
    """320281********1234: the division code and the last four characters stay."""
    if not isinstance(code, str) or len(code) < 10:
        return "****" if code else code
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


# A citizen ID number inside any text, as departments' systems really write it: 18 digits
# (the last may be X, x or a full-width Ｘ), the old 15-digit form, full-width digits, and
# groups split by spaces or hyphens (320281 19880101 2345). Counted by its digits, so a
# 17-digit slip is not masked here (the personal field's own masking takes it).
_ID_RUN = re.compile(
    r"(?<![0-9A-Za-z０-９])[0-9０-９](?:[ \-－]?[0-9０-９]){13,16}(?:[ \-－]?[0-9０-９XxＸｘ])?(?![0-9A-Za-z０-９])"
)


def _mask_run(match: re.Match) -> str:
    text = match.group(0)
    at = [i for i, ch in enumerate(text) if ch not in " -－"]
    if len(at) not in (15, 18):
        return text
    hidden = set(at[6:-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


_ORG_CODE = re.compile(r"^[0-9A-Z]{8}-?[0-9X]$")  # 组织机构代码 (GB 11714), as the court publishes it


# A citizen ID number as the court's list publishes it, birth month and day masked: the
# division code, the birth year (19xx/20xx) and sometimes the month's first digit, then
# ****; or an old 15-digit number (8 + **** + 3). A credit code masked in the middle
# (1132028100****123X) has no birth year where an ID number has it.
_MASKED_RESIDENT_ID = re.compile(r"^[0-9]{6}(?:19|20)[0-9]{2,3}\*{4}[0-9]{3}[0-9Xx]$|^[0-9]{8}\*{4}[0-9]{3}$")
_MASKED_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{10}\*{4}[0-9A-HJ-NPQRTUWXY]{4}$")


def is_masked_resident_id(value: str | None) -> bool:
    return bool(value) and bool(_MASKED_RESIDENT_ID.match(value.strip()))


def is_masked_credit_code(value: str | None) -> bool:
    """An organisation's credit code as the court publishes it, its middle masked."""
    code = (value or "").strip()
    return bool(_MASKED_CREDIT_CODE.match(code)) and not is_masked_resident_id(code)


def mask_ids_in(text: str | None) -> str | None:
    """Every citizen ID number inside a text masked (business keys, evidence, reasons)."""
    if not text:
        return text
    return _ID_RUN.sub(_mask_run, text)


def mask_personal_value(value: str | None) -> str | None:
    """A personal field's value as reports show it (the declaration's ``personal: true``):
    any ID inside masked, and any other value masked whole like one (a malformed ID is still
    an ID: 17 digits, 3.20281E+17); only a valid credit code, an organisation code or a
    credit code the court has masked itself (its 身份证号码/组织机构代码 holds any of them) is
    left as it is."""
    if not value:
        return value
    code = value.strip()
    if is_valid_uscc(code) or _ORG_CODE.match(code) or is_masked_credit_code(code):
        return value
    masked = mask_ids_in(value)
    return masked if masked != value else mask_resident_id(value)


def mask_person_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: the family name's first character stays."""
    if not isinstance(name, str) or not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(first8: str) -> str | None:
    """GB 11714 organisation code check character (positions 9–17 of a USCC)."""
    if len(first8) != 8:
        return None
    values = []
    for c in first8:
        if c.isdigit():
            values.append(int(c))
        elif "A" <= c <= "Z":
            values.append(ord(c) - 55)
        else:
            return None
    check = 11 - sum(v * w for v, w in zip(values, ORG_CODE_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))
