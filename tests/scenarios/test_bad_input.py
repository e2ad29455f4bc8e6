"""Issue 7, item 1: the bad-input corpus through the pipeline. Each case drops a file in
市场监管's landing folder (水务's for JSON lines), runs collect → split → check → merge →
load → notice as the ingest DAG does, and asserts the exact outcome: the message in
Chinese, the quarantine and the notice, the counts (received = accepted + refused), and
that running again adds nothing. The corpus itself is built by tests/bad_inputs.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import bad_inputs as bad
import openpyxl
import pytest
import sqlalchemy as sa

from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_tz
from creditpipe.core.names import shown_name
from creditpipe.ingest import landing as pickup
from creditpipe.ingest.csv_scan import MAX_CELL_CHARS
from creditpipe.ingest.landing import SETTLE_SECONDS, stored_name
from creditpipe.notice.cells import EXCEL_CELL_CHARS
from creditpipe.notice.drafts import outbox_folder
from creditpipe.notice.workbook import extra_columns_text
from creditpipe.orchestration import steps
from creditpipe.warehouse.schema import totals

pytestmark = pytest.mark.faults

TZ = county_tz()
DELIVERED = dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)
UNTIL = dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ)
PENALTY = "market.admin_penalty"
RESAVE = "请在 Excel 中“另存为”Excel 工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”后重新报送"
UTF16 = (
    "是 UTF-16（Unicode）编码的文本，常见于 Excel 的“Unicode 文本”导出；系统只读取 UTF-8 或 GB18030 "
    "编码的 CSV，请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后重新报送"
)


def engine_of(home: Path):
    return steps.warehouse_engine(home)


def landing(home: Path, dataset_id: str = PENALTY, department: str = "market") -> Path:
    folder = home / "landing" / department / dataset_id.split(".", 1)[1]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def drop(home: Path, name: str, data: bytes, when: dt.datetime = DELIVERED, **where) -> Path:
    path = landing(home, **where) / name
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def run(home: Path, dataset_id: str = PENALTY, department: str = "market", until: dt.datetime = UNTIL) -> list:
    """What the ingest DAG does for one source: collect, split, check, merge, load, notice
    (or refuse_file)."""
    return steps.ingest_source(dataset_id, department, until, home)


def counts(home: Path) -> tuple[int, int, int, int]:
    t = totals(engine_of(home))
    assert t["received"] == t["accepted"] + t["rejected"]
    return t["batches"], t["received"], t["accepted"], t["rejected"]


def notice_text(xlsx: str | Path) -> dict[str, str]:
    book = openpyxl.load_workbook(xlsx)
    return {row[0].value: row[1].value for row in book["说明"].iter_rows() if row[0].value}


# --- files that cannot be read: quarantined, with a notice to the department ---------------


def _refused_cases():
    recs = bad.records()
    text = bad.csv_text(recs)
    no_facts = [{k: v for k, v in r.items() if k != "违法事实"} for r in recs]
    renamed = [{("违法事实情况" if k == "违法事实" else k): v for k, v in r.items()} for r in recs]
    twice = text.split("\r\n")
    twice = (
        "\r\n".join(line + "," + (line.split(",")[0] if i == 0 else "x") for i, line in enumerate(twice) if line)
        + "\r\n"
    )
    return [
        (
            "empty",
            "空文件.csv",
            lambda tmp: b"",
            "空文件.csv 是空文件（0 字节），可能导出失败或上传未完成；请重新导出后报送",
        ),
        (
            "empty-xlsx",
            "空表.xlsx",
            lambda tmp: b"",
            "空表.xlsx 是空文件（0 字节），可能导出失败或上传未完成；请重新导出后报送",
        ),
        (
            "missing-required-column",
            "缺列.csv",
            lambda tmp: bad.csv_text(no_facts).encode(),
            "缺列.csv 缺少必需的列：违法事实（请使用标准表头）",
        ),
        (
            "misnamed-required-column",
            "表头写错.csv",
            lambda tmp: bad.csv_text(renamed).encode(),
            "表头写错.csv 缺少必需的列：违法事实（请使用标准表头；文件中的非标准列：违法事实情况）",
        ),
        (
            "same-column-twice",
            "重复列.csv",
            lambda tmp: twice.encode(),
            f"重复列.csv 的表头“行政相对人名称”出现了两次（第 1 列和第 {len(recs[0]) + 1} 列），无法确定使用哪一列；"
            "请删除多余的列后重新报送",
        ),
        (
            "mojibake-header",
            "乱码.csv",
            lambda tmp: bad.double_encoded(recs),
            None,
        ),  # the message quotes the garbled header: checked by its start and end below
        ("utf16-le-bom", "Unicode文本.csv", lambda tmp: bad.excel_unicode_text(recs), "Unicode文本.csv " + UTF16),
        ("utf16-be-bom", "utf16be.csv", lambda tmp: bad.excel_unicode_text(recs, "utf-16-be"), "utf16be.csv " + UTF16),
        (
            "utf16-le-no-bom",
            "utf16无BOM.csv",
            lambda tmp: bad.excel_unicode_text(recs, "utf-16-le"),
            "utf16无BOM.csv " + UTF16,
        ),
        (
            "truncated-xlsx",
            "传了一半.xlsx",
            lambda tmp: bad.truncated(bad.xlsx_bytes(recs, tmp)),
            "传了一半.xlsx 不是有效的 XLSX 文件（文件不完整或已损坏，可能上传未完成）；请重新导出后报送",
        ),
        (
            "encrypted-xlsx",
            "加密.xlsx",
            lambda tmp: bad.encrypted_xlsx(),
            "加密.xlsx 是设置了打开密码的加密工作簿，系统无法读取；请在 Excel 中取消密码"
            "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新报送",
        ),
        (
            "old-xls",
            "旧版.xls",
            lambda tmp: bad.old_xls(),
            f"旧版.xls 是旧版 Excel 97-2003 工作簿（.xls），系统不读取此格式；{RESAVE}",
        ),
        (
            "html-saved-as-xls",
            "报表.xls",
            lambda tmp: bad.html_as_xls(recs),
            f"报表.xls 实际是网页（HTML）格式，只是扩展名为 .xls；{RESAVE}",
        ),
        (
            "unsupported-format",
            "说明.txt",
            lambda tmp: "本周无数据".encode(),
            "说明.txt 的格式（.txt）不受支持；请报送 CSV（UTF-8 或 GB18030 编码）、XLSX 或 JSON Lines 文件",
        ),
    ]


REFUSED = _refused_cases()


@pytest.mark.parametrize("name,build,message", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_an_unreadable_file_is_quarantined_with_a_notice(home, tmp_path, smtp, catalog, name, build, message):
    data = build(tmp_path)
    drop(home, name, data)
    results = run(home)
    assert len(results) == 1
    result = results[0]
    assert result.outcome == "unreadable" and result.loaded is None
    if message is None:  # the garbled header is counted, not quoted (it may be a record)
        assert result.reason.startswith("乱码.csv 的第一行（")
        assert result.reason.endswith(
            "列）没有一个标准表头：可能缺少表头行、文件编码有误（中文成了乱码），或不是“行政处罚信息（双公示）”"
            "的数据；请使用标准表头、以 UTF-8 编码重新导出后报送"
        )
        message = result.reason
    assert result.reason == message
    # The file is kept, byte for byte, in the department's quarantine with the reason beside it.
    assert list(landing(home).iterdir()) == []
    quarantine = home / "quarantine" / "market" / "2026-10"
    stored = Path(result.refused.quarantined)
    assert stored.parent == quarantine and stored.read_bytes() == data
    assert (quarantine / (stored.name + ".原因.txt")).read_text(encoding="utf-8") == message + "\n"
    # A notice in the department's outbox, and the same by mail to the department only.
    notice = Path(result.notice)
    assert notice.parent.parent == home / "outbox" / "market" / "2026-10"
    info = notice_text(notice)
    assert info["报送文件"] == name and info["原因"] == message
    assert info["处理结果"] == "整份文件无法读取，已退回：其中的记录均未入库，也不计入收到记录数。"
    machine = json.loads(Path(result.rejections_json).read_text(encoding="utf-8"))
    assert (machine["readable"], machine["received"], machine["reason"]) == (False, 0, message)
    assert result.mailed and len(smtp.messages) == 1
    ((rcpt, msg),) = smtp.messages
    assert rcpt == [catalog.departments["market"].email]
    assert msg["Subject"] == f"【数据退回通知】行政处罚信息（双公示） {name}：文件无法读取，整份退回"
    assert f"原因：{message}" in msg.get_body().get_content()
    # Nothing loaded, nothing counted; running again finds nothing and changes nothing.
    assert counts(home) == (0, 0, 0, 0)
    assert run(home) == [] and counts(home) == (0, 0, 0, 0)


# --- a file with the header and no record: 本期无数据 (issue 18, item 2) -------------------


def _zero_report_cases():
    recs = bad.records()
    header_only = bad.csv_text(recs).split("\r\n")[0] + "\r\n"
    return [
        ("header-only-csv", "行政处罚.csv", lambda tmp: header_only.encode(), ("2026-10-05", "2026-10-11")),
        ("blank-rows", "空行.csv", lambda tmp: (header_only + ",,,\r\n\r\n").encode(), ("2026-10-05", "2026-10-11")),
        ("header-only-xlsx", "只有表头.xlsx", lambda tmp: bad.xlsx_bytes([dict.fromkeys(recs[0], "")], tmp), ("2026-10-05", "2026-10-11")),
        # The file names its period: that week, not the one before the day it came.
        ("named", "行政处罚_2026-09-30_无数据.csv", lambda tmp: header_only.encode(), ("2026-09-28", "2026-10-04")),
        ("named-month", "2026年9月无数据.csv", lambda tmp: header_only.encode(), ("2026-09-01", "2026-09-30")),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name,build,covers", [c[1:] for c in _zero_report_cases()], ids=[c[0] for c in _zero_report_cases()]
)
def test_a_file_with_the_header_and_no_record_is_a_zero_report(home, tmp_path, smtp, name, build, covers):
    drop(home, name, build(tmp_path))  # delivered Monday 12 October: it reports the week before
    (result,) = run(home)
    assert result.outcome == "zero_report" and result.notice is None and not result.mailed
    assert (result.zero_report.covers_from, result.zero_report.covers_until) == covers
    assert smtp.messages == [] and not (home / "quarantine").exists()
    with engine_of(home).connect() as conn:
        logged = conn.execute(sa.text("SELECT outcome, received, accepted, rejected, reason FROM delivered_file")).all()
        zero = conn.execute(sa.text("SELECT covers_from, covers_until, reported_day, how FROM zero_report")).all()
    assert logged == [("zero_report", 0, 0, 0, f"本期无数据：{covers[0]} 至 {covers[1]}")]
    assert zero == [(*covers, "2026-10-12", "file")]
    # Counted as provision, not as records; running again finds nothing new.
    assert counts(home) == (0, 0, 0, 0)
    assert run(home) == []


def test_a_broken_json_lines_file_goes_back_to_its_own_department(home, smtp, catalog):
    data = '{"户号": "1001", "户名": "张三"}\n{"户号": \n'.encode()
    drop(home, "欠费.jsonl", data, dataset_id="utility.arrears", department="water")
    (result,) = run(home, "utility.arrears", "water")
    assert result.reason == "欠费.jsonl 第 2 行不是有效的 JSON（Expecting value），可能文件被截断；请重新导出后报送"
    assert Path(result.refused.quarantined).parent == home / "quarantine" / "water" / "2026-10"
    assert Path(result.notice).parent.parent == home / "outbox" / "water" / "2026-10"
    assert [rcpt for rcpt, _ in smtp.messages] == [[catalog.departments["water"].email]]


def test_a_link_is_refused_without_reading_what_it_points_to(home, tmp_path, smtp):
    secret = tmp_path / "其他部门的数据.csv"
    secret.write_bytes(bad.csv_text(bad.records()).encode())
    link = landing(home) / "链接.csv"
    link.symlink_to(secret)
    os.utime(link, (DELIVERED.timestamp(), DELIVERED.timestamp()), follow_symlinks=False)
    (result,) = run(home)
    assert result.reason == "链接.csv 是链接（快捷方式），不是文件本身；系统不读取链接指向的文件，请直接上传文件"
    stored = Path(result.refused.quarantined)
    assert stored.is_symlink() and secret.exists()  # the link moved aside; its target untouched
    assert "行政相对人名称" not in json.dumps(smtp.messages[0][1].get_body().get_content())
    assert counts(home) == (0, 0, 0, 0)


# --- CSV syntax and encodings the streamed reader must name (see the report for the lead) ---


@pytest.mark.parametrize(
    "name,build,message",
    [
        (
            "引号未闭合.csv",
            bad.unclosed_quote,
            '引号未闭合.csv 第 4 行的引号（"）没有闭合，直到文件末尾都未闭合，无法确定记录的边界；'
            '请检查该行的引号（单元格内的引号应写成两个 ""）后重新导出',
        ),
        (
            "引号多余.csv",
            bad.stray_quote,
            '引号多余.csv 第 3 行的引号用法有误：引号闭合后紧跟了其他字符（单元格内的引号应写成两个 ""）；请检查该行后重新导出',
        ),
        (
            "混用编码.csv",
            bad.mixed_encodings,
            "混用编码.csv 的编码无法识别：表头是 UTF-8 编码，但文件第 4 行不是 UTF-8 编码"
            "（同一文件混用了 UTF-8 和 GBK 两种编码，或文件被截断）；请统一以 UTF-8 编码重新导出后报送",
        ),
    ],
    ids=["unclosed-quote", "stray-quote", "mixed-encodings"],
)
def test_a_csv_that_cannot_be_parsed_names_the_line(home, name, build, message):
    data = build(bad.records())
    from creditpipe.ingest.files import DeliveryError
    from creditpipe.ingest.readers import read_delivery

    path = drop(home, name, data)
    with pytest.raises(DeliveryError) as whole:  # the reader that reads a file whole
        read_delivery(path, load_catalog().dataset(PENALTY))
    assert str(whole.value) == message
    (result,) = run(home)  # the streamed reader the pipeline uses
    assert result.outcome == "unreadable"
    assert result.reason == message
    assert counts(home) == (0, 0, 0, 0)


# --- files that are read: every record accounted for, counted once --------------------------


@pytest.mark.parametrize("variant", ["utf-8-bom", "gb18030", "mixed-line-endings", "xlsx"])
def test_the_same_records_in_another_shape_are_read_alike_and_counted_once(home, tmp_path, variant):
    recs = bad.records(4)
    text = bad.csv_text(recs)
    drop(home, "原始.csv", text.encode("utf-8"))
    data = {
        "utf-8-bom": lambda: text.encode("utf-8-sig"),
        "gb18030": lambda: text.encode("gb18030"),
        "mixed-line-endings": lambda: bad.mixed_line_endings(recs),
        "xlsx": lambda: bad.xlsx_bytes(recs, tmp_path),
    }[variant]()
    drop(home, f"另一种.{'xlsx' if variant == 'xlsx' else 'csv'}", data, when=DELIVERED + dt.timedelta(hours=1))
    results = run(home)
    assert sorted(r.outcome for r in results) == ["already_loaded", "loaded"]
    assert counts(home) == (1, 4, 4, 0)
    with engine_of(home).connect() as conn:
        names = (
            conn.execute(sa.text("SELECT party_name FROM rec_market_admin_penalty ORDER BY source_row")).scalars().all()
        )
    assert names == [r["行政相对人名称"] for r in recs]  # no stray \r, no mojibake
    assert run(home) == [] and counts(home) == (1, 4, 4, 0)


def test_the_same_file_under_two_names_is_one_delivery(home):
    data = bad.csv_text(bad.records(3)).encode()
    drop(home, "行政处罚_1012.csv", data)
    drop(home, "行政处罚_1012 - 副本.csv", data)
    results = run(home)
    assert [(r.outcome, Path(r.notice).parent.name.startswith("20261012_行政处罚_1012")) for r in results] == [
        ("loaded", True)
    ]
    assert counts(home) == (1, 3, 3, 0)
    assert run(home) == [] and counts(home) == (1, 3, 3, 0)
    drop(home, "行政处罚_1012 (2).csv", data, when=DELIVERED + dt.timedelta(days=3))  # sent again next week
    assert run(home) == [] and counts(home) == (1, 3, 3, 0)


def test_unknown_columns_are_named_in_the_notice_and_the_rest_loads(home, smtp):
    recs = [{**r, "内部编号": f"N{i}", "经办人": "李四"} for i, r in enumerate(bad.records(3))]
    drop(home, "多了两列.csv", bad.csv_text(recs).encode())
    (result,) = run(home)
    assert result.outcome == "loaded" and counts(home) == (1, 3, 3, 0)
    said = extra_columns_text(["内部编号", "经办人"])
    assert said == (
        "文件中有 2 列不是数据标准的字段：“内部编号”、“经办人”。这些列的内容未入库，其余各列照常校验入库。"
        "如其中有标准字段，请按标准表头命名后重新报送；如不需要，请在以后的报送中删除这些列。"
    )
    assert notice_text(result.notice)["非标准列"] == said
    assert result.mailed and said in smtp.messages[0][1].get_body().get_content()


@pytest.mark.parametrize("path", ["arrow", "python-csv"])
def test_a_200000_character_cell_is_read_and_the_notice_cuts_it_for_excel(home, path):
    recs = bad.records(3)
    recs[1]["违法事实"] = "经查，" + "当事人" * 66_666 + "。"  # 200,002 characters
    recs[1]["处罚类别"] = "罚金"  # refused, so it appears in the notice
    text = bad.csv_text(recs)
    if path == "python-csv":  # a row one cell short: the streamed reader falls back to Python's csv
        lines = text.split("\r\n")
        lines[3] = lines[3].rsplit(",", 1)[0]
        text = "\r\n".join(lines)
    drop(home, "长文本.csv", text.encode())
    (result,) = run(home)
    assert result.outcome == "loaded" and counts(home) == (1, 3, 2, 1)
    with engine_of(home).connect() as conn:
        stored = json.loads(conn.execute(sa.text("SELECT record_json FROM refused_record")).scalar_one())
    assert stored["违法事实"] == recs[1]["违法事实"]
    machine = json.loads(Path(result.rejections_json).read_text(encoding="utf-8"))
    assert machine["records"][0]["record"]["违法事实"] == recs[1]["违法事实"]
    sheet = openpyxl.load_workbook(result.notice)["退回记录"]
    column = [c.value for c in sheet[1]].index("违法事实")
    cell = sheet.cell(row=2, column=column + 1).value
    assert len(cell) == EXCEL_CELL_CHARS
    assert cell.endswith("……（共 200,002 字，此处截断；完整内容见 rejections.json）")
    assert MAX_CELL_CHARS >= 200_002


def test_formulas_in_cells_are_stored_as_text_and_never_written_as_formulas(home):
    recs = bad.records(3)
    recs[0].update(bad.FORMULAS)
    recs[0]["处罚类别"] = '=HYPERLINK("http://example.invalid","罚款")'  # refused: not a category
    drop(home, "公式.csv", bad.csv_text(recs).encode())
    (result,) = run(home)
    assert result.outcome == "loaded" and counts(home) == (1, 3, 2, 1)
    machine = json.loads(Path(result.rejections_json).read_text(encoding="utf-8"))
    record = machine["records"][0]["record"]
    assert {k: record[k] for k in [*bad.FORMULAS, "处罚类别"]} == {k: recs[0][k] for k in [*bad.FORMULAS, "处罚类别"]}
    book = openpyxl.load_workbook(result.notice)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert set(bad.FORMULAS.values()) | {recs[0]["处罚类别"]} <= texts  # kept exactly, as text
    rows = list(csv.DictReader(io.StringIO(Path(result.sent.rejections_csv).read_text(encoding="utf-8-sig"))))
    assert [r["value"] for r in rows if r["field"] == "处罚类别"] == ["'" + recs[0]["处罚类别"]]


def test_a_formula_with_no_cached_result_in_a_delivered_workbook_is_kept_as_text(home, tmp_path):
    recs = bad.records(3)
    recs[1]["违法事实"] = bad.FORMULAS["违法事实"]
    drop(home, "公式.xlsx", bad.xlsx_with_formula_cells(recs, tmp_path))
    (result,) = run(home)
    assert result.outcome == "loaded" and counts(home) == (1, 3, 3, 0)
    with engine_of(home).connect() as conn:
        facts = (
            conn.execute(sa.text("SELECT violation_facts FROM rec_market_admin_penalty ORDER BY source_row"))
            .scalars()
            .all()
        )
    assert facts[1] == bad.FORMULAS["违法事实"]


def test_the_report_workbook_neutralises_delivered_formulas(tmp_path):
    from report_sample import sample_model

    from creditpipe.reporting.workbook import write_xlsx

    model = sample_model()
    hostile = ['=HYPERLINK("http://example.invalid","点击")', "+1+1", "-2-2", "@SUM(1)"]
    for refusal, text in zip(model["open_refusals"], hostile):
        refusal["file_name"], refusal["record_key"] = text + ".csv", text
    path = write_xlsx(model, tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(path)["退回未更正"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    keys = [row[4].value for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert keys == ["'" + t for t in hostile]


# --- hostile file names: paths are never steered by them -------------------------------------

HOSTILE_NAMES = [
    "报送..\\..\\..\\outbox\\police\\x.csv",  # (a name starting with "." is hidden: never picked up)
    "-rf --no-preserve-root.csv",
    "=cmd|' calc'!A0.csv",
    "报送\n第二行\r.csv",
    "行政处罚信息" * 13 + ".csv",  # 78 Chinese characters: 238 bytes
    "a" * 251 + ".csv",  # 255 bytes, the longest name a file system allows
]


@pytest.mark.parametrize("readable", [True, False], ids=["loaded", "quarantined"])
@pytest.mark.parametrize(
    "name", HOSTILE_NAMES, ids=["backslashes", "dash", "formula", "newline", "chinese", "255-bytes"]
)
def test_a_hostile_file_name_cannot_steer_the_outbox_or_the_quarantine(home, smtp, name, readable):
    recs = bad.records(2)
    recs[0]["处罚类别"] = "罚金"  # one refusal: a notice and a mail
    drop(home, name, bad.csv_text(recs).encode() if readable else b"")
    (result,) = run(home)
    outbox = (home / "outbox" / "market" / "2026-10").resolve()
    notice_dir = Path(result.notice).parent
    assert notice_dir.resolve().parent == outbox
    assert len(notice_dir.name.encode()) <= 255 and "\\" not in notice_dir.name and "\n" not in notice_dir.name
    if readable:
        assert result.outcome == "loaded" and counts(home) == (1, 2, 1, 1)
    else:
        stored = Path(result.refused.quarantined)
        assert stored.resolve().parent == (home / "quarantine" / "market" / "2026-10").resolve()
        assert len((stored.name + ".原因.txt").encode()) <= 255 and "\\" not in stored.name
        assert result.reason == f"{shown_name(name)} 是空文件（0 字节），可能导出失败或上传未完成；请重新导出后报送"
    ((_, msg),) = smtp.messages
    assert "\n" not in msg["Subject"] and shown_name(name) in msg["Subject"]


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../../../outbox/police/x.csv", "a\x00b.csv", "C:\\Windows\\x.csv", "..", ""]
)
def test_names_that_cannot_be_files_still_cannot_steer_a_path(tmp_path, name):
    sha = "0123456789abcdef" * 4
    stored = stored_name(name, sha)
    assert "/" not in stored and "\\" not in stored and "\x00" not in stored and not stored.startswith(".")
    assert stored.startswith(("passwd_", "x_", "a_b_", "C_Windows_x_", "delivery_"))
    folder = outbox_folder("market", DELIVERED, name, sha, tmp_path)
    assert folder.parent == tmp_path.resolve() / "outbox" / "market" / "2026-10"
    assert folder.name.endswith("_01234567") and "/" not in folder.name


# --- files still being written are left for the next run -------------------------------------


def test_a_file_still_being_written_is_not_picked_up(home, monkeypatch):
    data = bad.csv_text(bad.records(3)).encode()
    fresh = drop(home, "正在上传.csv", data, when=dt.datetime.now(TZ))
    for name in ("上传中.csv.part", "上传中.csv.tmp", "~$行政处罚.xlsx", ".行政处罚.csv.swp", "下载.csv.crdownload"):
        drop(home, name, data)
    assert run(home, until=dt.datetime.now(TZ) + dt.timedelta(minutes=1)) == []
    assert fresh.read_bytes() == data and counts(home) == (0, 0, 0, 0)
    # Changed while it was being hashed: still being written, left for the next run.
    old = DELIVERED.timestamp()
    os.utime(fresh, (old, old))
    real_sha = pickup.file_sha256

    def still_growing(path):
        digest = real_sha(path)
        with open(path, "ab") as fh:
            fh.write(b"")
        os.utime(path, None)  # the writer touched it meanwhile
        return digest

    monkeypatch.setattr(pickup, "file_sha256", still_growing)
    assert steps.collect(PENALTY, "market", UNTIL, home) == []
    monkeypatch.setattr(pickup, "file_sha256", real_sha)
    # Once unchanged for SETTLE_SECONDS it is a delivery; the partial uploads never are.
    os.utime(fresh, (old, old))
    (result,) = run(home)
    assert result.outcome == "loaded" and counts(home) == (1, 3, 3, 0)
    assert SETTLE_SECONDS == 60


# --- the run goes on: one broken file and one good file ---------------------------------------


def test_a_broken_file_is_quarantined_and_the_good_one_loads(tmp_path, warehouse, monkeypatch, smtp, catalog):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    home = tmp_path / "home"
    good = bad.records(5)
    good[2]["处罚类别"] = "罚金"
    drop(home, "好文件.csv", bad.csv_text(good).encode())
    broken = bad.truncated(bad.xlsx_bytes(bad.records(5, seed=12), tmp_path))
    drop(home, "坏文件.xlsx", broken, when=DELIVERED + dt.timedelta(hours=2))
    results = {Path(r.ref.path).name: r for r in run(home)}
    assert len(results) == 2
    bad_result = results["坏文件.xlsx"]
    good_result = next(r for r in results.values() if r is not bad_result)
    assert good_result.outcome == "loaded" and (
        good_result.checked.received,
        good_result.checked.accepted,
        good_result.checked.rejected,
    ) == (5, 4, 1)
    assert bad_result.outcome == "unreadable" and Path(bad_result.refused.quarantined).read_bytes() == broken
    t = totals(warehouse)
    assert (t["batches"], t["received"], t["accepted"], t["rejected"]) == (1, 5, 4, 1)
    assert t["received"] == t["accepted"] + t["rejected"]
    subjects = sorted(msg["Subject"] for _, msg in smtp.messages)
    assert subjects == [
        "【数据退回通知】行政处罚信息（双公示） 坏文件.xlsx：文件无法读取，整份退回",
        "【数据退回通知】行政处罚信息（双公示） 好文件.csv：退回 1 条",
    ]
    assert all(rcpt == [catalog.departments["market"].email] for rcpt, _ in smtp.messages)
    # Running again: nothing new, no duplicate.
    assert run(home) == []
    assert totals(warehouse) == t
