"""The credit office's own deductions (附件2 三、双公示信息报送: "视工作实绩扣分"): recorded with
their reason, who and when, against a month; read by the score sheet beside the evidence."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditpipe.warehouse.schema import statement


class AdjustmentError(ValueError):
    """A deduction that cannot be recorded as given (the message says why, in Chinese)."""


def record_adjustment(
    engine: Engine,
    *,
    department_id: str,
    item: str,
    month: str,
    points: str,
    reason: str,
    recorded_by: str,
    recorded_at: str,
    max_points: int,
) -> dict:
    """One deduction into the register; returns it as stored. ``points`` may be a half
    (0.5); negative withdraws an earlier one. Refused: no reason, no one, or points that are
    not a number or exceed the item's 分值."""
    try:
        value = Decimal(str(points).strip())
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise AdjustmentError(f"扣分须为数字（如 1 或 0.5），收到 {points!r}") from None
    if value == 0 or abs(value) > max_points or value != value.quantize(Decimal("0.5")):
        raise AdjustmentError(f"扣分须为 0.5 的倍数，且不超过该项分值 {max_points} 分（撤回用负数），收到 {points}")
    if not reason.strip():
        raise AdjustmentError("须写明扣分理由（--reason），报告将把它列在扣分旁")
    if not recorded_by.strip():
        raise AdjustmentError("须写明记录人（--by）")
    row = {
        "adjustment_id": uuid.uuid4().hex,
        "department_id": department_id,
        "item": item,
        "month": month,
        "points": str(value.normalize()),
        "reason": reason.strip(),
        "recorded_by": recorded_by.strip(),
        "recorded_at": recorded_at,
    }
    with engine.begin() as conn:
        conn.execute(sa.text(statement("queries/insert_assessment_adjustment")), row)
    return row
