"""Check characters of the two national identifiers (pure functions, no I/O).

统一社会信用代码 (GB 32100-2015) and 公民身份号码 (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
_USCC_SHAPE = re.compile(r"^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$")

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
    if not _ID_SHAPE.match(code):
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
