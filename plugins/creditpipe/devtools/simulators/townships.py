"""The county's townships, streets and parks (镇街道园区) and their bodies, for the demo's
register (credit.township_body) and the parties the simulators list.

江阴市 as its 2017 yearbook lists it: 5 街道 (澄江、南闸、云亭、临港、城东 — 城东 seats the
高新区), 10 镇 (璜土、月城、青阳、徐霞客、华士、周庄、新桥、长泾、顾山、祝塘), and the parks'
management committees (江阴高新技术产业开发区, 江阴临港经济开发区). Villages are named the way
the county's are (…村, …社区); the bodies' credit codes follow GB 32100 (11 机关, 12 事业单位,
54 村民委员会, 55 居民委员会, N2 村级集体经济组织)."""

from __future__ import annotations

import random

from creditpipe.devtools.simulators.identity import make_uscc, person_name

STREETS = ("澄江", "南闸", "云亭", "临港", "城东")
TOWNS = ("璜土", "月城", "青阳", "徐霞客", "华士", "周庄", "新桥", "长泾", "顾山", "祝塘")
PARKS = ("江阴高新技术产业开发区", "江阴临港经济开发区")
VILLAGES = ("华西", "红豆", "山泉", "双泾", "沿山", "马镇", "前栗", "三房巷", "向阳", "勤丰", "永联", "龙砂")
INSTITUTIONS = ("便民服务中心", "农业技术推广服务中心", "综合执法局", "社区卫生服务中心")


def township_names() -> list[str]:
    return [f"{t}镇" for t in TOWNS] + [f"{s}街道" for s in STREETS] + list(PARKS)


def government_of(township: str) -> tuple[str, str]:
    """(name, kind) of a township's government or management committee, as it is registered."""
    if township.endswith("街道"):
        return f"江阴市人民政府{township}办事处", "街道办事处"
    if township.endswith("镇"):
        return f"江阴市{township}人民政府", "镇人民政府"
    return f"{township}管理委员会", "园区管理委员会"


def register_rows(seed: int = 2026) -> list[dict]:
    """The register as the credit office keeps it: each township's government, two of its
    事业单位, three villages' committees (towns) or two residents' committees (streets and
    parks), and a village's 股份经济合作社."""
    rng = random.Random(f"townships:{seed}")
    rows = []
    for township in township_names():
        name, kind = government_of(township)
        domain = f"xinyong{len(rows):03d}@jiangyin.example.gov.cn"
        rows.append(_row(township, name, kind, make_uscc(rng, "1", "1"), person_name(rng), domain))
        stem = township if township in PARKS else f"江阴市{township}"
        for inst in rng.sample(INSTITUTIONS, 2):
            rows.append(_row(township, f"{stem}{inst}", "事业单位", make_uscc(rng, "1", "2")))
        if township.endswith("镇"):
            for village in rng.sample(VILLAGES, 3):
                rows.append(
                    _row(township, f"江阴市{township}{village}村村民委员会", "村民委员会", make_uscc(rng, "5", "4"))
                )
            rows.append(
                _row(
                    township, f"江阴市{township}{village}村股份经济合作社", "农村集体经济组织", make_uscc(rng, "N", "2")
                )
            )
        else:
            for village in rng.sample(VILLAGES, 2):
                rows.append(
                    _row(township, f"江阴市{township}{village}社区居民委员会", "居民委员会", make_uscc(rng, "5", "5"))
                )
    return rows


def _row(township, name, kind, code, contact="", email="") -> dict:
    return {
        "镇街园区": township,
        "单位名称": name,
        "单位类别": kind,
        "统一社会信用代码": code,
        "预警联系人": contact,
        "预警联系邮箱": email,
    }
