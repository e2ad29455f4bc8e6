"""The 归集日志 (collection log) as the credit office reads it: every delivery of a month —
landed files, API and front-end-database pulls, duplicates, unreadable files — with its
source, hashes, time and counts (warehouse.collection_log reads the rows)."""

from __future__ import annotations

import csv
import io
import unicodedata

from creditpipe.catalog import Catalog

CHANNELS = {"landing": "落地目录", "api": "接口", "database": "前置库"}
OUTCOMES = {"loaded": "已入库", "duplicate": "重复报送", "unreadable": "无法读取（已隔离）"}
HEADERS = ("接收时间", "部门", "数据集", "渠道", "来源", "文件或请求", "文件哈希", "内容哈希",
           "状态", "收到", "入库", "退回", "说明")


def log_lines(rows: list[dict], catalog: Catalog) -> list[tuple[str, ...]]:
    """One line per delivery, in the order of HEADERS. Hashes are shortened to 12 hex digits
    (enough to find the file; the warehouse keeps them whole)."""
    out = []
    for r in rows:
        department = catalog.departments.get(r["department_id"])
        dataset = catalog.datasets.get(r["dataset_id"])
        what = r["file_name"] + (f"；{r['request']}" if r.get("request") else "")
        if r["outcome"] == "duplicate":
            note = f"与批次 {r['batch_id']} 记录相同，未重复入库"
        elif r["outcome"] == "unreadable":
            note = r.get("reason") or ""
        else:
            note = f"批次 {r['batch_id']}"
        out.append((
            str(r["delivered_at"])[:19].replace("T", " "),
            department.short_name if department else r["department_id"],
            dataset.title if dataset else r["dataset_id"],
            CHANNELS.get(r["channel"], r["channel"]),
            r["source"],
            what,
            (r["file_sha256"] or "")[:12],
            (r["content_sha256"] or "")[:12],
            OUTCOMES.get(r["outcome"], r["outcome"]),
            *("—" if r[k] is None else str(r[k]) for k in ("received", "accepted", "rejected")),
            note,
        ))
    return out


def unbalanced(rows: list[dict]) -> list[dict]:
    """Deliveries whose counts do not add up (the warehouse's CHECK forbids them: a log that
    shows one has been tampered with)."""
    return [r for r in rows if r["received"] is not None
            and r["received"] != (r["accepted"] or 0) + (r["rejected"] or 0)]


def summary(rows: list[dict], month: str) -> str:
    loaded = [r for r in rows if r["outcome"] == "loaded"]
    n = {k: sum(r["outcome"] == k for r in rows) for k in OUTCOMES}
    received = sum(r["received"] for r in loaded)
    accepted = sum(r["accepted"] for r in loaded)
    rejected = sum(r["rejected"] for r in loaded)
    return (
        f"{month} 归集日志：交付 {len(rows)} 次（入库 {n['loaded']} 次、重复报送 {n['duplicate']} 次、"
        f"无法读取 {n['unreadable']} 个）；入库批次收到 {received} 条 = 入库 {accepted} 条 + 退回 {rejected} 条"
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def as_table(lines: list[tuple[str, ...]]) -> str:
    """Columns aligned for a terminal (CJK characters count two)."""
    table = [HEADERS, *lines]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADERS))]
    return "\n".join(
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip()
        for row in table
    )


def as_csv(lines: list[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADERS)
    # A cell that Excel would take for a formula (a file named "=…") stays text, as in notices.
    writer.writerows([["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in line] for line in lines])
    return buf.getvalue()
