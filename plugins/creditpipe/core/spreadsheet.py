"""Text a spreadsheet would run. Every cell we write — in a CSV (rejections.csv, the
collection log, the month's figures) or a workbook — that a spreadsheet could take for a
formula gets a leading apostrophe: OWASP's CSV-injection triggers (= + - @, a tab, a
carriage return) and their full-width forms, which Chinese input methods type. A spreadsheet
opening a CSV may also start a new row at a bare carriage return inside a quoted value, so
line breaks inside a value become plain line feeds and every line of it that starts like a
formula is neutralised too (https://owasp.org/www-community/attacks/CSV_Injection)."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def formula_safe(value: object) -> object:
    """The value as data: text that would start a formula, anywhere a line starts, gets an
    apostrophe; other values are returned as they are."""
    if not isinstance(value, str) or not value:
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    if "\n" not in text:
        return "'" + text if text[:1] in FORMULA_TRIGGERS else text
    return "\n".join("'" + line if line[:1] in FORMULA_TRIGGERS else line for line in text.split("\n"))
