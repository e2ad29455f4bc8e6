"""What each task says in its Airflow log, and what a mapped task is named after.

An operator reads a task's log to learn what it did: one line in Chinese per step with its
counts (files found, records received, accepted and refused, the notice sent). The lines
name files, batches and counts, never a record's value, so no personal data reaches a log.
A mapped task is labelled by what it handles (the file, the chunk, the batch) rather than
by ``[0]``, ``[1]`` — Airflow renders each task's ``map_index_template`` from the context
variable ``HANDLES`` that the task sets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from creditpipe.core.handoffs import (
    CheckedBatch,
    ChunkRef,
    DeliveryRef,
    FileRefused,
    Handoff,
    JudgedChunk,
    LoadOutcome,
    NoticeSent,
    SplitDelivery,
    UnreadableFile,
    ZeroReport,
)
from creditpipe.core.names import shown_name

log = logging.getLogger("creditpipe.task")

# The context variable the tasks set and their map_index_template reads.
HANDLES = "creditpipe_handles"
MAP_INDEX_TEMPLATE = "{{ " + HANDLES + " | default('') }}"

LOAD_STATUS = {"loaded": "已入库", "duplicate": "重复报送（此前已入库，本次不再入库）"}


def _manifest(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _file_of(manifest_path: str) -> str:
    return shown_name(_manifest(manifest_path).get("file_name") or Path(manifest_path).parent.name)


def _n(count: int) -> str:
    return f"{count:,}"


def handles(item: Handoff | dict) -> str:
    """The label of the mapped task that handles ``item`` (shown in the UI instead of its index)."""
    item = Handoff.from_xcom(item)
    if isinstance(item, DeliveryRef):
        return shown_name(Path(item.path).name)
    if isinstance(item, ChunkRef):
        manifest = _manifest(item.manifest)
        parts = len(manifest.get("parts") or ()) or "?"
        return f"{shown_name(manifest.get('file_name') or '?')} 第 {item.index + 1}/{parts} 块"
    if isinstance(item, SplitDelivery):
        return _file_of(item.manifest)
    if isinstance(item, UnreadableFile | ZeroReport):
        return item.file_name
    if isinstance(item, CheckedBatch | LoadOutcome):
        batch = _manifest(str(Path(item.work_dir) / "batch.json"))
        return shown_name(batch.get("file_name") or item.batch_id)
    return type(item).__name__


def said(result: Handoff | dict) -> str:
    """The line a step's result puts in its task's log."""
    r = Handoff.from_xcom(result)
    if isinstance(r, SplitDelivery):
        received = _manifest(r.manifest).get("received")
        count = f"读入 {_n(received)} 条记录，" if isinstance(received, int) else ""
        return f"{_file_of(r.manifest)}：{count}分 {len(r.chunks)} 块校验"
    if isinstance(r, ZeroReport):
        return f"{r.file_name}：只有表头、没有记录，记为 {r.covers_from} 至 {r.covers_until} 本期无数据"
    if isinstance(r, UnreadableFile):
        return f"{r.file_name}：无法读取，整个文件退回（{r.reason}）"
    if isinstance(r, JudgedChunk):
        return f"{_file_of(r.manifest)} 第 {r.index + 1} 块：已校验 {_n(r.records)} 条记录"
    if isinstance(r, CheckedBatch):
        return f"批次 {r.batch_id}：收到 {_n(r.received)} 条，合格 {_n(r.accepted)} 条，不合格 {_n(r.rejected)} 条"
    if isinstance(r, LoadOutcome):
        status = LOAD_STATUS.get(r.status, r.status)
        return f"批次 {r.batch_id}：{status}；收到 {_n(r.received)} 条 = 入库 {_n(r.accepted)} 条 + 退回 {_n(r.rejected)} 条"
    if isinstance(r, NoticeSent):
        if not r.notice:
            return f"批次 {r.batch_id}：无需发送退回通知（重复报送，或通知已由此前的运行发出）"
        how = "已邮件发送给该部门" if r.mailed else "已写入该部门的退回箱（未配置邮件，未发送）"
        return f"批次 {r.batch_id}：退回通知 {Path(r.notice).name} {how}"
    if isinstance(r, FileRefused):
        how = "已邮件发送" if r.mailed else "已写入退回箱（未发送邮件）"
        return f"{r.file_name}：整个文件退回，隔离于 {r.quarantined}；退回通知 {Path(r.notice).name} {how}"
    if isinstance(r, DeliveryRef):
        return f"待归集：{shown_name(Path(r.path).name)}"
    return type(r).__name__


def say(result: Handoff | dict) -> dict:
    """Log the result's line and hand the result on as XCom carries it."""
    log.info("%s", said(result))
    return result if isinstance(result, dict) else result.to_xcom()


def said_collected(source_label: str, found: list) -> str:
    if not found:
        return f"{source_label}：没有新的报送"
    names = "、".join(handles(f) for f in found[:10]) + ("……" if len(found) > 10 else "")
    return f"{source_label}：发现 {len(found)} 个新报送：{names}"


def said_figures(figures: dict) -> str:
    """compute_figures' result: the month, how many departments, where the figures went."""
    return f"{figures.get('month')} 的规范性数据：{figures.get('departments')} 个部门，写入 {figures.get('json')}"


def said_published(out: dict) -> str:
    """publish_report's result: where the report is, its warnings, whether it was mailed."""
    mailed = (
        "已邮件发送信用办"
        if out.get("mailed")
        else f"此前已于 {out['already_mailed']} 发送，不再发送"
        if out.get("already_mailed")
        else "未邮件发送"
    )
    return (
        f"{out.get('month')} 的报告已发布：{out.get('html')}；本月预警 {out.get('warnings')} 条"
        f"（新增 {out.get('new_warnings')} 条，{'已' if out.get('warnings_mailed') else '未'}邮件告知）；报告{mailed}"
    )
