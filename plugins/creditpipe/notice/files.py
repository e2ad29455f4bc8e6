"""The notice's files for machines (rejections.csv, rejections.json), and the notice for a
file that could not be read at all."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from creditpipe.core.catalog import Dataset, Department
from creditpipe.core.names import shown_name
from creditpipe.core.records import ROW_ID, Verdict
from creditpipe.notice.cells import REJECTIONS_JSON, append_row, as_text_cell
from creditpipe.notice.workbook import NOTICE_XLSX, unique_part

REJECTIONS_CSV = "rejections.csv"


def write_rejections_csv(verdict: Verdict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REJECTIONS_CSV
    frame = verdict.issues.copy()
    for column in frame.columns:  # the delivered value, and our words (numbers stay numbers)
        frame[column] = frame[column].map(as_text_cell)
    # UTF-8 with BOM: Excel on a clerk's PC opens it with the Chinese intact.
    part = unique_part(path)
    try:
        frame.to_csv(part, index=False, encoding="utf-8-sig")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def write_rejections_json(
    verdict: Verdict, dataset: Dataset, department: Department, file_name: str, out_dir: Path
) -> Path:
    """The same notice for machines: the summary, then each refused record with its issues."""
    import json

    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REJECTIONS_JSON

    # Column arrays, and each entry built only as it is written: dicts of every refused
    # record and every issue held at once grew with the refusals (the run's peak when the
    # notice is drafted beside the load).
    def cells(frame: pd.DataFrame, column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object, copy=True)  # the verdict's own stay as they are
        values[pd.isna(values)] = None
        return values

    issue_keys = ("field", "rule", "severity", "message", "fix")
    issue_rows = verdict.issues[ROW_ID].to_numpy(dtype=np.int64)
    order = np.argsort(issue_rows, kind="stable")  # by record, each record's issues as found
    issue_cells = [cells(verdict.issues, k) for k in issue_keys]
    # Looked up once, not per record (refused_rows is computed on each call).
    refused = verdict.refused_rows
    fields = [f for f in dataset.field_names if f in verdict.records.columns]
    record_cells = [cells(verdict.records, f) for f in fields]
    position = {int(row): n for n, row in enumerate(verdict.records[ROW_ID].to_numpy(dtype=np.int64))}
    head = {"dataset": dataset.id, "department": department.id, "file": file_name, **verdict.summary()}
    # Written record by record: the whole document as one string was the run's peak of
    # memory for a delivery with a hundred thousand refusals.
    part = unique_part(path)
    with open(part, "w", encoding="utf-8") as out:
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "records": [')
        starts = np.flatnonzero(np.r_[True, np.diff(issue_rows[order]) != 0]) if len(order) else []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(order)
            row = int(issue_rows[order[start]])
            at = position[row]
            entry = {
                "source_row": row,
                "refused": row in refused,
                "record": {f: values[at] for f, values in zip(fields, record_cells)},
                "issues": [{k: values[i] for k, values in zip(issue_keys, issue_cells)} for i in order[start:end]],
            }
            out.write(("," if n else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
        out.write("\n  ]\n}\n")
    os.replace(part, path)
    return path


UNREADABLE_TITLE = "数据退回通知（文件无法读取）"


def write_unreadable_notice(
    dataset: Dataset,
    department: Department,
    file_name: str,
    delivered_at: dt.datetime,
    reason: str,
    out_dir: Path,
) -> tuple[Path, Path]:
    """The notice for a file that could not be read at all: no record of it was loaded or
    counted; the whole file goes back with the reason. A workbook for the clerk and the
    same as JSON for machines."""
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    out_dir.mkdir(parents=True, exist_ok=True)
    shown = shown_name(file_name, 120)
    lines = [
        (UNREADABLE_TITLE, ""),
        ("报送部门", department.name),
        ("数据集", f"{dataset.title}（{dataset.id}）"),
        ("报送文件", shown),
        ("报送时间", delivered_at.strftime("%Y-%m-%d %H:%M")),
        ("处理结果", "整份文件无法读取，已退回：其中的记录均未入库，也不计入收到记录数。"),
        ("原因", reason),
        ("如何处理", "请按“原因”修正后，将整份文件重新报送到原落地目录；系统按内容识别，重新报送不会重复入库。"),
    ]
    book = Workbook()
    info = book.active
    info.title = "说明"
    for label, value in lines:
        append_row(info, [label, value])
    info["A1"].font = Font(bold=True, size=14)
    for row in info.iter_rows(min_row=2, max_col=1):
        row[0].font = Font(bold=True)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    for row in info.iter_rows(min_row=2, max_row=len(lines), min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    xlsx_path = out_dir / NOTICE_XLSX
    book.save(xlsx_path)
    json_path = out_dir / REJECTIONS_JSON
    json_path.write_text(
        json.dumps(
            {
                "dataset": dataset.id,
                "department": department.id,
                "file": shown,
                "delivered_at": delivered_at.isoformat(timespec="seconds"),
                "readable": False,
                "received": 0,
                "accepted": 0,
                "rejected": 0,
                "reason": reason,
                "records": [],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return xlsx_path, json_path
