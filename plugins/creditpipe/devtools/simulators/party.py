"""The party block shared by the 双公示 records (行政相对人: name, category, credit code or
ID document) and the errors that break it, for every dataset that carries it."""

from __future__ import annotations

import random

from creditpipe.devtools.simulators.identity import USCC_CHARS, other_char

PARTY_ERROR_KINDS = {
    "uscc_check": ("统一社会信用代码", "uscc_invalid"),
    "id_check": ("证件号码", "resident_id_invalid"),
    "category_enum": ("行政相对人类别", "enumeration"),
    "person_without_id": ("证件号码", "required_for_natural_person"),
    "org_without_uscc": ("统一社会信用代码", "required_for_organisation"),
}


def party_eligible(record: dict, kind: str) -> bool | None:
    """Whether a record can carry a party kind; None for kinds that are not the party's."""
    if kind not in PARTY_ERROR_KINDS:
        return None
    person = record["行政相对人类别"] == "自然人"
    return person if kind in ("id_check", "person_without_id") else not person


def inject_party(rec: dict, kind: str, rng: random.Random) -> bool:
    """Break the party block as ``kind`` says; False for kinds that are not the party's."""
    if kind == "uscc_check":
        code = rec["统一社会信用代码"]
        rec["统一社会信用代码"] = code[:17] + other_char(rng, code[17], USCC_CHARS)
    elif kind == "id_check":
        code = rec["证件号码"]
        rec["证件号码"] = code[:17] + other_char(rng, code[17], "0123456789X")
    elif kind == "category_enum":
        rec["行政相对人类别"] = rng.choice(["企业", "法人", "单位"])
    elif kind == "person_without_id":
        rec["证件号码"] = ""
    elif kind == "org_without_uscc":
        rec["统一社会信用代码"] = ""
    else:
        return False
    return True
