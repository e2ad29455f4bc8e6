"""The county's assessment table (seed 002, 附件2) as arithmetic over the catalog's bands."""

from __future__ import annotations

import math
from decimal import Decimal


def conformity_deduction(rate_pct: Decimal | float | str, table: dict) -> int:
    """信息规范性 deduction for a 数据不合格率 (percent), by the catalog's table.

    Bands are tried in order; ``below`` is exclusive, ``at_most`` inclusive. Above the last
    band each started percentage point beyond ``from_pct`` costs one more point, capped at
    ``max_points``: 1.2 % → 3, 2.0 % → 3, 2.01 % → 4."""
    rate = Decimal(str(rate_pct))
    if rate < 0:
        raise ValueError("数据不合格率不能为负")
    for band in table["bands"]:
        if "below" in band and rate < Decimal(str(band["below"])):
            return int(band["points"])
        if "at_most" in band and rate <= Decimal(str(band["at_most"])):
            return int(band["points"])
    beyond = table["beyond"]
    started = math.ceil(rate - Decimal(str(beyond["from_pct"])))
    points = int(beyond["base_points"]) + started * int(beyond["points_per_started_pct"])
    return min(points, int(table["max_points"]))


def conformity_text(table: dict) -> str:
    """The 信息规范性 table in words, from the catalog's bands (as the report states it)."""
    parts, lower = [], None
    for band in table["bands"]:
        bound = f"{float(band.get('below', band.get('at_most'))):g}%"
        when = f"低于{bound}" if lower is None else f"{lower}（含）至{bound}"
        parts.append(when + ("不扣分" if int(band["points"]) == 0 else f"扣{band['points']}分"))
        lower = bound
    beyond = table["beyond"]
    parts.append(
        f"超过{float(beyond['from_pct']):g}%每增加1个百分点加扣{beyond['points_per_started_pct']}分，"
        f"最多扣{table['max_points']}分"
    )
    return "数据不合格率 = 不合格记录数 ÷ 报送记录数 × 100%（按年度累计计算扣分）：" + "；".join(parts) + "。"


def coverage_deduction(coverage: dict, table: dict) -> int:
    """信息覆盖率 deduction (seed 002: "少一项信息类别扣2分，扣完为止。…《指标目录》中要求的信息
    类别均未提供的，扣7分"): ``points_per_missing`` for each owed category not provided in the
    year, capped at ``max_points``; every owed category missing costs ``all_missing_points``
    (so two categories both missing cost 7, not 4)."""
    missing, owed = len(coverage["missing_ytd"]), int(coverage["required"])
    if owed and missing >= owed:
        return int(table.get("all_missing_points", table["max_points"]))
    return min(int(table["max_points"]), missing * int(table["points_per_missing"]))
