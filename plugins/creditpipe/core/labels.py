"""The Chinese words users read for the pipeline's codes: channels, exchange cycles,
severities, collection-log outcomes and warning levels. Each is said here once."""

from __future__ import annotations

CHANNEL_LABELS = {"landing": "落地目录", "api": "接口", "database": "前置库"}
CYCLE_LABELS = {"daily": "每日", "weekly": "每周", "monthly": "每月"}
SEVERITY_LABELS = {"error": "错误（退回）", "warning": "提示（不退回）"}
OUTCOME_LABELS = {
    "loaded": "已入库",
    "duplicate": "重复报送",
    "zero_report": "本期无数据（零报告）",
    "unreadable": "无法读取（已隔离）",
}
# Warning levels, most severe first; their order, and the ASCII names XCom keys and CSS use.
LEVELS = ("红", "橙", "黄")
LEVEL_ORDER = {"红": 3, "橙": 2, "黄": 1}
LEVEL_NAMES = {"红": "red", "橙": "orange", "黄": "yellow"}
