"""What exactly is wrong with a value, said so the clerk can fix it without guessing: the
tell-tale damage spreadsheets do to cells, and each rule's own explanation (its module's,
in ``quality.rules``), filled into the message's ``{detail}``."""

from __future__ import annotations

import datetime as dt
import re

from creditpipe.quality.rules import rule

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


def spreadsheet_symptom(rule: str, value: str) -> str | None:
    """The tell-tale damage spreadsheets do to cells, said so a clerk can avoid it."""
    if _SCIENTIFIC.match(value.strip()):
        return (
            "：该值被 Excel 转成了科学计数法，后几位已经丢失。请把该列单元格设为“文本”格式"
            "（或在号码前加英文单引号）后重新录入完整号码"
        )
    if value != value.strip() or "\n" in value or "\r" in value:
        return "：首尾有多余的空格或含有换行（常见于复制粘贴）。请删除空格和换行后重新报送"
    wide = _FULL_WIDTH.search(value)
    if wide or "\u3000" in value:
        char = wide.group(0) if wide else "　"
        return f"：含有全角字符“{char}”。省数据标准要求字母和数字一律使用半角，请切换到半角输入法重新录入"
    if (
        rule in ("uscc_invalid", "resident_id_invalid")
        and len(value) == 18
        and value.isdigit()
        and value.endswith("000")
    ):
        return (
            "：末尾为“000”，疑似号码被 Excel 当作数字保存，只保留了前 15 位、其后各位变成了 0。"
            "请把该列设为“文本”格式后按原件重新录入"
        )
    if rule == "date_invalid" and _EXCEL_SERIAL.match(value) and 20000 <= float(value) <= 80000:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(value)))
        return f"：这是 Excel 的日期序列号（对应 {day.isoformat()}）。请把单元格设为日期或文本格式，按 YYYY-MM-DD 填写"
    if rule == "amount_invalid" and re.search(r"[,，]", value):
        return "：含有千位分隔符。请只填数字，如 1200.5"
    if rule == "amount_invalid" and re.search(r"[元万]", value):
        return "：带有单位。金额栏只填数字，单位以表头为准"
    return None


def explain(rule_id: str, value: str | None, kwargs: dict | None = None) -> str:
    """What exactly is wrong with a value, so the clerk can fix it without guessing."""
    if not value:
        return ""
    known = rule(rule_id)
    if known.cell_damage:
        symptom = spreadsheet_symptom(rule_id, value)
        if symptom:
            return symptom
    return known.explain(value, kwargs or {}) if known.explain else ""
