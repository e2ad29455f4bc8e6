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
