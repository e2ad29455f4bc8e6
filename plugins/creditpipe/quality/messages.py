"""What exactly is wrong with a value, said so the clerk can fix it without guessing: the
detail a rule's message carries, and the tell-tale damage spreadsheets do to cells."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from creditpipe.core.identifiers import (
    PROVINCES,
    USCC_VALUE,
    org_code_check_char,
    resident_id_birth_date,
    resident_id_check_char,
    uscc_check_char,
    uscc_structure_problem,
)


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


_FULL_WIDTH = re.compile("[\uff01-\uff5e]")


_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


# Rules whose values come out of a spreadsheet cell: their messages diagnose the damage.
_CELL_RULES = {"uscc_invalid", "resident_id_invalid", "masked_id_format", "date_invalid",
               "amount_invalid", "integer_invalid", "case_no_format", "doc_no_format", "enumeration", "format"}


@lru_cache(maxsize=4096)  # the same pair of days recurs across a delivery
def _publication_lag(value: str, allowed: int) -> str:
    from creditpipe.quality import kernels as rules

    decided, published = (rules.parse_date(v) for v in value.split(" / "))
    if decided is None or published is None:
        return ""
    calendar = _calendar()
    lag = calendar.working_days_between(decided, published)
    note = calendar.statement()
    return (f"：决定于 {decided}，{published} 才报送公示，相隔 {lag} 个工作日（应在 {allowed} 个工作日内）"
            + (f"。{note}" if note else ""))


@lru_cache(maxsize=1)
def _calendar():
    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.workdays import WorkingCalendar

    return WorkingCalendar.from_catalog(load_catalog())


def spreadsheet_symptom(rule: str, value: str) -> str | None:
    """The tell-tale damage spreadsheets do to cells, said so a clerk can avoid it."""
    if _SCIENTIFIC.match(value.strip()):
        return ("：该值被 Excel 转成了科学计数法，后几位已经丢失。请把该列单元格设为“文本”格式"
                "（或在号码前加英文单引号）后重新录入完整号码")
    if value != value.strip() or "\n" in value or "\r" in value:
        return "：首尾有多余的空格或含有换行（常见于复制粘贴）。请删除空格和换行后重新报送"
    wide = _FULL_WIDTH.search(value)
    if wide or "\u3000" in value:
        char = wide.group(0) if wide else "　"
        return (f"：含有全角字符“{char}”。省数据标准要求字母和数字一律使用半角，"
                "请切换到半角输入法重新录入")
    if rule in ("uscc_invalid", "resident_id_invalid") and len(value) == 18 and value.isdigit() and value.endswith("000"):
        return ("：末尾为“000”，疑似号码被 Excel 当作数字保存，只保留了前 15 位、其后各位变成了 0。"
                "请把该列设为“文本”格式后按原件重新录入")
    if rule == "date_invalid" and _EXCEL_SERIAL.match(value) and 20000 <= float(value) <= 80000:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(value)))
        return (f"：这是 Excel 的日期序列号（对应 {day.isoformat()}）。请把单元格设为日期或文本格式，"
                "按 YYYY-MM-DD 填写")
    if rule == "amount_invalid" and re.search(r"[,，]", value):
        return "：含有千位分隔符。请只填数字，如 1200.5"
    if rule == "amount_invalid" and re.search(r"[元万]", value):
        return "：带有单位。金额栏只填数字，单位以表头为准"
    return None


def explain(rule: str, value: str | None, kwargs: dict | None = None) -> str:
    """What exactly is wrong with a value, so the clerk can fix it without guessing."""
    if not value:
        return ""
    if rule == "late_publication":
        return _publication_lag(value, (kwargs or {}).get("working_days", 7))
    if rule in _CELL_RULES:
        symptom = spreadsheet_symptom(rule, value)
        if symptom:
            return symptom
    if rule == "uscc_invalid":
        if len(value) != 18:
            return f"：应为18位，实为{len(value)}位"
        bad = sorted({c for c in value if c not in USCC_VALUE})
        if bad:
            return f"：含有代码中不允许的字符“{''.join(bad)}”"
        return f"：校验位应为“{uscc_check_char(value[:17])}”，实为“{value[17]}”"
    if rule == "uscc_structure":
        problem = uscc_structure_problem(value)
        return f"：{problem}" if problem else ""
    if rule == "uscc_org_code":
        return f"：第9–17位组织机构代码的校验位应为“{org_code_check_char(value[8:16])}”，实为“{value[16]}”"
    if rule == "resident_id_invalid":
        code = value.upper()
        if len(code) != 18:
            return f"：应为18位，实为{len(code)}位"
        if not code[:17].isdigit() or code[17] not in "0123456789X":
            return "：前17位须为数字，末位为数字或X"
        if code[:2] not in PROVINCES - {"10"}:
            return f"：前两位省份代码“{code[:2]}”不存在"
        born = resident_id_birth_date(code)
        if born is None:
            return f"：其中的出生日期“{code[6:14]}”不存在"
        expected = resident_id_check_char(code[:17])
        if expected != code[17]:
            return f"：校验位应为“{expected}”，实为“{code[17]}”"
        return f"：其中的出生日期“{code[6:14]}”晚于报送日期"
    return ""


