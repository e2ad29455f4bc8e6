"""The notice workbook's two table sheets (问题明细, 退回记录): their data rows are sheet XML
built by Arrow a column at a time and put into the workbook XlsxWriter wrote. Every cell
must be what the previous writer — one XlsxWriter call per cell — wrote: the same bytes,
the same values read back, text never a formula, numbers numbers, missing cells absent."""

import datetime as dt
import random
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlsxwriter.utility import RE_LEADING_WHITESPACE

from creditpipe.core.records import ISSUE_COLUMNS, ROW_ID, Verdict
from creditpipe.devtools.simulators.market_admin_penalty import Factory
from creditpipe.notice import cells as notice_cells
from creditpipe.notice import sheet_rows, workbook

WHEN = dt.datetime(2026, 10, 28, 9)
LONG = "违法事实" * 9_999 + "末尾四字"  # 40,000 characters: over Excel's 32,767
NASTY = [
    "=SUM(A1)",
    "+8613812345678",
    "-1",
    "@x",
    "&<>\"'",
    '=1+1&"<b>"',
    "  前后有空格  ",
    " 前有空格",
    "后有空格 ",
    "第一行\n第二行",
    "末尾换行\n",
    "a\tb",
    "\t",
    "响铃\x07字符",
    "\x00",
    "回车\r\n",
    "_x0041_",
    "_X004a_ 与 _x00_",
    "x\ufffe",
    "ＡＢＣ１２３（全角）",
    "\u3000全角空格开头",
    "全角空格结尾\u3000",
    "不换行空格\xa0",
    "江阴市澄江恒源贸易有限公司",
    "",
    None,
    LONG,
    "😀" * 20_000,  # 20,000 characters but 40,000 UTF-16 units: XlsxWriter's own cut
    "😀" * 40_000,  # both cuts, one after the other
    "长" * 32_767,  # exactly at the limit: not cut
    "1.5",
    "0012",
    "3.20281E+17",
    '</t></is></c><c r="A1"><f>1+1</f></c>',
]


def records_and_issues(catalog, n=40, seed=5):
    """``n`` realistic records of market.admin_penalty with NASTY values put across their
    cells, and issues (most errors, some warnings only) whose value and message are nasty."""
    dataset = catalog.dataset("market.admin_penalty")
    factory, rng = Factory(random.Random(seed)), random.Random(seed)
    fields = dataset.field_names
    records = [{f: (v or None) for f, v in factory.record(dt.date(2026, 10, 20)).items()} for _ in range(n)]
    at = 0
    for record in records:
        for f in rng.sample(fields, 6):
            record[f] = NASTY[at % len(NASTY)]
            at += 1
    if n > 7:
        records[7] = dict.fromkeys(fields)  # a record with no value at all
    frame = pd.DataFrame(records, columns=fields).astype(object)
    frame.insert(0, ROW_ID, [4_999_000 + 3 * r for r in range(n)])
    issues = []
    for r, row in enumerate(frame[ROW_ID]):
        for k in range(1 + r % 3):
            field = rng.choice(fields)
            issues.append(
                {
                    ROW_ID: int(row),
                    "field": field,
                    "rule": rng.choice(["required", "uscc_invalid"]),
                    "severity": "warning" if r % 5 == 4 else "error",
                    "message": f"“{field}”{NASTY[(r + k) % len(NASTY)] or '不合格'}",
                    "fix": NASTY[(r * 3 + k) % len(NASTY)],
                    "value": frame.at[r, field],
                }
            )
    rng.shuffle(issues)  # issues come by field and rule, not by record
    return frame, pd.DataFrame(issues, columns=ISSUE_COLUMNS).astype({c: object for c in ISSUE_COLUMNS[1:]})


def write(catalog, verdict, out_dir):
    return workbook.write_rejection_notice(
        verdict, catalog.dataset("market.admin_penalty"), catalog.departments["market"], "市场监管.csv", WHEN, out_dir
    )


def per_cell(monkeypatch, catalog, verdict, out_dir):
    """The notice as the previous writer made it: every data cell one ``_write_cell`` call,
    XlsxWriter writing the sheet XML, and the refusal reasons joined by pandas' groupby."""
    header_only = workbook.table_sheet

    def table_sheet(book, title, frame, widths, head, *formats):
        member = header_only(book, title, frame, widths, head, *formats)
        sheet = book.worksheets()[-1]
        columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
        for r in range(len(frame)):  # in order: constant-memory mode flushes each row
            for i, values in enumerate(columns):
                notice_cells.write_cell(sheet, r + 1, i, values[r])
        return member

    def reasons(issues):
        return issues[issues["severity"] == "error"].groupby(ROW_ID)["message"].agg("；".join)

    with monkeypatch.context() as m:
        m.setattr(workbook, "table_sheet", table_sheet)
        m.setattr(workbook, "refusal_reasons", reasons)
        m.setattr(workbook, "add_rows", lambda path, tables: None)
        return write(catalog, verdict, out_dir)


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def table_cells(path):
    book = openpyxl.load_workbook(path)
    return {
        title: [[(c.value, c.data_type) for c in row] for row in book[title].iter_rows()]
        for title in ("问题明细", "退回记录")
    }


@pytest.fixture(scope="module")
def verdict(catalog):
    records, issues = records_and_issues(catalog)
    return Verdict(records, issues, total=5_000_000)


@pytest.fixture
def both(catalog, verdict, tmp_path, monkeypatch):
    return write(catalog, verdict, tmp_path / "new"), per_cell(monkeypatch, catalog, verdict, tmp_path / "old")


def both_ways(tmp_path, frame, sheet) -> list[bytes]:
    """The sheet's XML written cell by cell by XlsxWriter, and by Arrow (sheet_rows)."""
    from xlsxwriter import Workbook

    xml = []
    for build in ("per cell", "by Arrow"):
        path = tmp_path / f"{build}.xlsx"
        book = Workbook(str(path), {"constant_memory": True})
        member = sheet(book)
        if build == "per cell":
            for r, row in enumerate(frame.itertuples(index=False)):
                for i, value in enumerate(row):
                    notice_cells.write_cell(book.worksheets()[-1], r + 1, i, value)
        book.close()
        if build == "by Arrow":
            sheet_rows.add_rows(path, {member: frame})
        xml.append(parts(path)[member])
    return xml


def test_the_workbook_is_what_the_per_cell_writer_wrote(both):
    new, old = (parts(p) for p in both)
    assert list(new) == list(old)
    assert len(new["xl/worksheets/sheet3.xml"]) > 200_000  # the rows are there
    for name in new:
        if name != "docProps/core.xml":  # the time it was written
            assert new[name] == old[name], name


def test_every_cell_reads_back_as_the_per_cell_writer_wrote_it(both, verdict):
    new, old = (table_cells(p) for p in both)
    assert new == old
    issues, refused = new["问题明细"], new["退回记录"]
    assert len(issues) == len(verdict.issues) + 1 and len(refused) == verdict.rejected + 1
    assert [v for v, _ in refused[0][:2]] == ["行号", "退回原因"]


def test_cells_keep_their_nasty_values_as_text(both, verdict, catalog):
    book = openpyxl.load_workbook(both[0])
    cells = [c for title in ("问题明细", "退回记录") for row in book[title].iter_rows(min_row=2) for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    for value in [
        "=SUM(A1)",
        "+8613812345678",
        "-1",
        "@x",
        "&<>\"'",
        "  前后有空格  ",
        "第一行\n第二行",
        "a\tb",
        "ＡＢＣ１２３（全角）",
        "\u3000全角空格开头",
        "",
        "0012",
        "3.20281E+17",
        '</t></is></c><c r="A1"><f>1+1</f></c>',
        "长" * 32_767,
    ]:
        assert value in texts, value
    # Escaped as Excel reads it back (openpyxl leaves the escapes as they are).
    assert {"响铃_x0007_字符", "_x005F_x0041_", "回车_x000D_\n"} <= texts
    # Over Excel's limit: today's note; the UTF-16 limit: XlsxWriter's own cut.
    assert (
        notice_cells.cut_to_cell(LONG) in texts and len(notice_cells.cut_to_cell(LONG)) == notice_cells.EXCEL_CELL_CHARS
    )
    assert "😀" * 16_383 in texts
    # 行号 is a number, every other cell text; None makes no cell.
    sheet = book["退回记录"]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows] == sorted(verdict.refused_rows)
    assert all(isinstance(r[0], int) for r in rows)
    empty = next(r for r in rows if r[0] == 4_999_000 + 3 * 7)
    assert empty[2:] == [None] * len(catalog.dataset("market.admin_penalty").field_names)
    assert all(c.data_type == "s" for c in cells if c.column > 1 and c.value is not None)


def test_the_sheets_keep_their_features_and_their_xml_is_sound(both, verdict):
    book = openpyxl.load_workbook(both[0])
    for title, n, last in (("问题明细", len(verdict.issues), "G"), ("退回记录", verdict.rejected, "AF")):
        sheet = book[title]
        assert sheet.freeze_panes == "B2"
        assert sheet.auto_filter.ref == f"A1:{last}{n + 1}"
        assert sheet.max_row == n + 1 and sheet.max_column == (7 if last == "G" else 32)
    with zipfile.ZipFile(both[0]) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                ET.fromstring(z.read(name))  # parses
        for name, n, last in (
            ("xl/worksheets/sheet2.xml", len(verdict.issues), "G"),
            ("xl/worksheets/sheet3.xml", verdict.rejected, "AF"),
        ):
            root = ET.fromstring(z.read(name))
            ns = {"m": root.tag[1:].split("}")[0]}
            assert root.find("m:dimension", ns).get("ref") == f"A1:{last}{n + 1}"
            rows = root.findall("m:sheetData/m:row", ns)
            assert [int(r.get("r")) for r in rows] == list(range(1, n + 2))  # one each, in order
            for row in rows:
                refs = [re.fullmatch(r"([A-Z]+)(\d+)", c.get("r")).groups() for c in row]
                assert all(int(number) == int(row.get("r")) for _, number in refs)
                columns = [(len(letters), letters) for letters, _ in refs]
                assert columns == sorted(columns) and len(set(columns)) == len(columns)
                assert all(c.get("t") in ("inlineStr", None) for c in row)
                assert not row.findall(".//m:f", ns)


def test_rows_built_in_many_chunks_are_the_same(catalog, verdict, tmp_path, monkeypatch):
    whole = parts(write(catalog, verdict, tmp_path / "whole"))
    monkeypatch.setattr(sheet_rows, "_ROWS_PER_CHUNK", 4)
    chunked = parts(write(catalog, verdict, tmp_path / "chunked"))
    for name in ("xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"):
        assert chunked[name] == whole[name]


def test_a_notice_with_warnings_only_has_the_refusals_sheet_header_only(catalog, tmp_path, monkeypatch):
    records, issues = records_and_issues(catalog, n=6)
    issues["severity"] = "warning"
    verdict = Verdict(records, issues)
    new = write(catalog, verdict, tmp_path / "new")
    old = per_cell(monkeypatch, catalog, verdict, tmp_path / "old")
    assert table_cells(new) == table_cells(old)
    assert len(table_cells(new)["退回记录"]) == 1
    with zipfile.ZipFile(new) as z:
        assert '<dimension ref="A1:AF1"/>' in z.read("xl/worksheets/sheet3.xml").decode()


def test_columns_not_all_text_are_written_cell_by_cell_as_before(catalog, tmp_path, monkeypatch):
    """Never from a delivery (its cells are text), but the writer takes any frame."""
    records, issues = records_and_issues(catalog, n=12)
    records["备注"] = pd.Series(
        [1, 2.5, True, "x", None, np.nan, dt.date(2026, 10, 1), 10**17, -0.0, pd.NA, "=A1", 3], dtype=object
    )
    records["罚款金额（万元）"] = pd.Series([1.5, np.nan] * 6)
    records["处罚有效期"] = pd.array([1, None] * 6, dtype="Int64")
    records["处罚机关"] = pd.Series([7, 8] * 6, dtype=object)  # integers as objects
    records["违法事实"] = pd.Series(["甲", None] * 6, dtype="str")  # pandas' own text columns
    issues["severity"] = "error"
    verdict = Verdict(records, issues)
    new = write(catalog, verdict, tmp_path / "new")
    old = per_cell(monkeypatch, catalog, verdict, tmp_path / "old")
    assert table_cells(new) == table_cells(old)
    assert parts(new)["xl/worksheets/sheet3.xml"] == parts(old)["xl/worksheets/sheet3.xml"]


def test_odd_columns_and_rows_are_written_as_the_per_cell_writer_wrote_them(catalog, tmp_path, monkeypatch):
    """Integers past 2**53 (XlsxWriter writes them as floats), bytes (as their str()), and
    a row with no cell at all (no <row>, and the sheet's range ends before it)."""
    import pyarrow as pa  # noqa: F401  (the writer's own dependency)

    records, issues = records_and_issues(catalog, n=6)
    records["备注"] = pd.Series([b"abc", "x", None, b"", "y", None], dtype=object)
    records["处罚机关"] = pd.Series([2**53, 2**53 + 1, 9_999_999_999_999_999, -(2**60), 7, None], dtype=object)
    issues["severity"] = "error"
    verdict = Verdict(records, issues)
    new = write(catalog, verdict, tmp_path / "new")
    old = per_cell(monkeypatch, catalog, verdict, tmp_path / "old")
    assert parts(new)["xl/worksheets/sheet3.xml"] == parts(old)["xl/worksheets/sheet3.xml"]

    for frame in (
        pd.DataFrame({"行号": pd.array([1, None], dtype="Int64"), "值": ["a", None]}),
        pd.DataFrame({"行号": [1, None, 3], "值": ["a", None, "c"]}, dtype=object),
    ):
        xml = both_ways(
            tmp_path,
            frame,
            lambda book, frame=frame: workbook.table_sheet(book, "表", frame, {}, book.add_format({"bold": True})),
        )
        assert xml[0] == xml[1]


def test_an_infinite_number_is_refused_as_xlsxwriter_refuses_it(catalog, tmp_path):
    records, issues = records_and_issues(catalog, n=2)
    records["备注"] = pd.Series([1.5, float("inf")], dtype=object)
    issues["severity"] = "error"
    with pytest.raises(TypeError, match="NAN/INF"):
        write(catalog, Verdict(records, issues), tmp_path)
    assert not (tmp_path / workbook.NOTICE_XLSX).exists()  # no workbook with its headers only is left


def test_text_like_rich_text_xml_stays_text(catalog, tmp_path):
    """XlsxWriter writes a string that starts with <r> and ends with </r> as rich-text XML,
    unescaped (so "<r>x</r>" came back empty); the notice keeps the department's text."""
    records, issues = records_and_issues(catalog, n=3)
    records["备注"] = ["<r>x</r>", "<r><t>y</t></r>", "<r></t></is></c></row></sheetData></r>"]
    issues["severity"] = "error"
    path = write(catalog, Verdict(records, issues), tmp_path)
    column = 2 + catalog.dataset("market.admin_penalty").field_names.index("备注")
    values = [row[column] for row in openpyxl.load_workbook(path)["退回记录"].iter_rows(min_row=2, values_only=True)]
    assert values == list(records["备注"])


def test_the_whitespace_is_what_xlsxwriter_preserves():
    assert sheet_rows.xml_whitespace().to_pylist() == [
        chr(c) for c in range(sys.maxunicode + 1) if RE_LEADING_WHITESPACE.match(chr(c))
    ]


def test_reasons_are_pandas_groupby_join(verdict):
    issues = verdict.issues
    expected = issues[issues["severity"] == "error"].groupby(ROW_ID)["message"].agg("；".join)
    got = workbook.refusal_reasons(issues)
    assert list(got.index) == list(expected.index) and list(got) == list(expected)
    assert workbook.refusal_reasons(issues.iloc[:0]).empty


def test_cells_of_wrapped_columns_carry_their_format_as_xlsxwriter_gives_it(tmp_path):
    """A column with a format of its own (wrapped text): each of its cells carries the
    format's index, text, integers and odd values alike, also where XlsxWriter writes two
    like columns as one <col> range; a missing cell is still no cell."""

    frame = pd.DataFrame(
        {
            "行号": [1, 2, 3],
            "甲": ["第一行\n第二行", None, " 前有空格"],
            "乙": ["x", "=1+1", None],
            "丙": [7, 8, 9],
            "丁": [1.5, "y", None],
            "戊": ["不换行", "z", "w"],
        }
    ).astype({"丁": object})
    widths = {"甲": 30, "乙": 30, "丙": 12, "丁": 20}

    def sheet(book):
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        bold = book.add_format({"bold": True})
        return workbook.table_sheet(book, "表", frame, widths, bold, wrap, {"甲", "乙", "丙", "丁"})

    xml = both_ways(tmp_path, frame, sheet)
    assert xml[0] == xml[1]
    assert b'<col min="2" max="3" ' in xml[1]  # 甲 and 乙: one range
    sheet = openpyxl.load_workbook(tmp_path / "by Arrow.xlsx")["表"]
    wrapped = {c.coordinate for row in sheet.iter_rows(min_row=2) for c in row if c.alignment.wrap_text}
    assert wrapped == {"B2", "B4", "C2", "C3", "D2", "D3", "D4", "E2", "E3"}
